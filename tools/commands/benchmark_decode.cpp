// detseq benchmark decode CONFIG [--tokens 500] [--batch 1] [--image-size 640] [--threads 2]
// Times Pix2Seq decoding with the attention caches on and off (same random weights, greedy, no
// early stop), checks that both produce identical tokens, and splits the per-image time of a
// cached prediction into backbone, encoder and decoder.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "core/config/config.h"
#include "core/interfaces/model.h"
#include "core/util/error.h"
#include "models/heads/pix2seq_head.h"
#include "models/heads/pix2seq_stepper.h"
#include "models/sequence/decoding.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string config;
  std::vector<std::string> cfg_options;
  int64_t tokens = 500;
  int64_t batch = 1;
  int64_t image_size = 640;
  int threads = 2;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

DecodeResult decode(Pix2SeqHead& head, const Pix2SeqMemory& memory, bool cache, int64_t tokens) {
  torch::NoGradGuard guard;
  Pix2SeqStepper stepper(head, memory, cache);
  TokenConstraints c = head.constraints();  // the config's generation mask, so every mode is measured
  c.stop_on_end = false;                    // always decode the full length so both runs do the same work
  auto prompt = torch::full({memory.memory.size(0)}, head.tokenizer().prompt_token(), torch::kInt64);
  return GreedyDecoding({}).decode(stepper, prompt, tokens, c, 0);
}

int run(const Options& o) {
  torch::set_num_threads(o.threads);
  torch::manual_seed(0);
  const Config config = load_config(o.config, o.cfg_options);
  const ConfigNode* backbone_cfg = config.find("model.backbone");
  const ConfigNode* head_cfg = config.find("model.head");
  if (!backbone_cfg || !head_cfg) throw ConfigError(o.config + ": benchmark decode needs model.backbone and model.head");
  auto backbone = build<Backbone>(*backbone_cfg, "model.backbone");
  std::shared_ptr<Neck> neck;
  if (const ConfigNode* neck_cfg = config.find("model.neck"); neck_cfg && !neck_cfg->is_null()) {
    neck = build<Neck>(*neck_cfg, "model.neck");
  }
  auto head = std::dynamic_pointer_cast<Pix2SeqHead>(build<Head>(*head_cfg, "model.head"));
  if (!head) throw ConfigError(o.config + ": model.head is not a Pix2SeqHead");
  backbone->eval();
  head->eval();
  if (neck) neck->eval();
  torch::NoGradGuard guard;
  auto images = torch::rand({o.batch, 3, o.image_size, o.image_size});
  auto masks = torch::zeros({o.batch, o.image_size, o.image_size}, torch::kBool);

  auto t0 = std::chrono::steady_clock::now();
  auto features = backbone->forward(images);
  if (neck) features = neck->forward(features);
  const double t_backbone = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  auto memory = head->encode(features.back(), masks);
  const double t_encoder = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  auto cached = decode(*head, memory, true, o.tokens);
  const double t_cached = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  auto uncached = decode(*head, memory, false, o.tokens);
  const double t_uncached = seconds_since(t0);
  const bool same = torch::equal(cached.tokens, uncached.tokens);

  std::printf("config: %s\nimage %lldx%lld, batch %lld, %lld tokens, memory %lld keys, %d threads\n", o.config.c_str(),
              (long long)o.image_size, (long long)o.image_size, (long long)o.batch, (long long)o.tokens,
              (long long)memory.memory.size(1), o.threads);
  std::printf("decode with caches:    %8.3f s\n", t_cached);
  std::printf("decode without caches: %8.3f s\n", t_uncached);
  std::printf("speed-up:              %8.1fx\n", t_uncached / t_cached);
  std::printf("outputs identical:     %s\n", same ? "yes" : "NO");
  const double n = double(o.batch);
  std::printf("per image (cached): backbone %.3f s, encoder %.3f s, decoder %.3f s, total %.3f s\n", t_backbone / n,
              t_encoder / n, t_cached / n, (t_backbone + t_encoder + t_cached) / n);
  return same ? 0 : 1;
}

DETSEQ_SUBCOMMAND("benchmark", "decode", "Pix2Seq decoding time with attention caches on/off, per-stage time",
                  [](CLI::App& app) {
                    auto o = std::make_shared<Options>();
                    app.add_option("config", o->config, "a Pix2Seq config")->required();
                    add_cfg_options(app, o->cfg_options);
                    app.add_option("--tokens", o->tokens, "tokens to decode (default 500)");
                    app.add_option("--batch", o->batch, "images per batch (default 1)");
                    app.add_option("--image-size", o->image_size, "square input size in pixels (default 640)");
                    app.add_option("--threads", o->threads, "LibTorch threads (default 2)")->check(CLI::Range(1, kMaxThreads));
                    return [o] { return run(*o); };
                  });

}  // namespace
}  // namespace detseq::cli
