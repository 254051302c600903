// Each Pix2Seq code base's inference is one shipped config: a checkpoint in that code base's layout
// loads strictly through the config's checkpoint_mapping, and detseq's tokens, logits, boxes,
// scores and classes equal a PyTorch implementation of that code base's inference rule
// (fixtures/pix2seq_ports.py: small models in the exact key layouts, random weights with realistic
// statistics, a real image). Every rule is also shown to matter: switching it changes the result.
#include <gtest/gtest.h>

#include <map>

#include "core/config/config.h"
#include "core/io/checkpoint.h"
#include "core/io/pretrained.h"
#include "models/detectors/composed_detector.h"
#include "models/heads/pix2seq_head.h"
#include "tests/models/reference.h"
#include "tests/test_util.h"

using namespace detseq;

namespace {

using Tensors = std::map<std::string, torch::Tensor>;

const char* kPretrained = "configs/pix2seq/pix2seq_r50_pretrained_pix2seq.yaml";
const char* kMmdet = "configs/pix2seq/pix2seq_r50_mmdet_300e_coco.yaml";
const char* kOfficial = "configs/pix2seq/pix2seq_r50_1333_300e_coco.yaml";

std::string refs() { return test::python_reference_dir("tests/pix2seq/fixtures/pix2seq_ports.py", "ports"); }

struct Model {
  Config config;
  std::shared_ptr<ComposedDetector> detector;
  io::LoadReport report;
  Pix2SeqHead& head() const { return dynamic_cast<Pix2SeqHead&>(*detector->head()); }
};

// The shipped config at the fixture's size (ResNet-18, width 64, 2 + 2 layers), plus `extra`.
Model load(const std::string& config, const std::string& checkpoint, std::vector<std::string> extra = {}) {
  std::vector<std::string> options = {"model.backbone.depth=18",          "model.head.in_channels=512",
                                      "model.head.d_model=64",            "model.head.nhead=4",
                                      "model.head.num_encoder_layers=2",  "model.head.num_decoder_layers=2",
                                      "model.head.dim_feedforward=128"};
  options.insert(options.end(), extra.begin(), extra.end());
  Model m{load_config(std::string(DETSEQ_SOURCE_DIR) + "/" + config, options), nullptr, {}};
  m.detector = std::dynamic_pointer_cast<ComposedDetector>(build<Detector>(*m.config.find("model"), "model"));
  m.report = io::load_model_checkpoint(*m.detector, io::read_checkpoint(checkpoint), checkpoint,
                                       io::model_checkpoint_mapping(m.config.root), /*strict=*/true);
  m.detector->eval();
  return m;
}

struct Outcome {
  DecodeResult result;
  Detections dets;
};

Outcome run(const Model& m, const Tensors& io) {
  torch::NoGradGuard no_grad;
  Batch batch;
  batch.images = io.at("images");
  batch.masks = io.at("masks");
  const auto meta = io.at("meta");  // ori_w, ori_h, scale_x, scale_y
  ImageMeta im;
  im.image_id = 86;
  im.ori_width = static_cast<int64_t>(meta[0].item<double>());
  im.ori_height = static_cast<int64_t>(meta[1].item<double>());
  im.scale_x = meta[2].item<double>();
  im.scale_y = meta[3].item<double>();
  im.pad_height = batch.images.size(2);
  im.pad_width = batch.images.size(3);
  batch.metas = {im};
  auto& head = m.head();
  auto memory = head.encode(m.detector->extract_features(batch.images).back(), batch.masks);
  auto result = head.generate(memory, head.options().max_objects_test * Tokenizer::kTokensPerObject, true);
  return {result, head.postprocess(result, batch)[0]};
}

// The reference's 100 objects, without class ids that have no dataset label (COCO evaluation
// ignores those; detseq drops them): labels, scores [K], boxes [K, 4].
struct Expected {
  std::vector<int64_t> labels;
  torch::Tensor scores, boxes;
};

Expected expected(const Tokenizer& tok, const Tensors& ref) {
  Expected e;
  std::vector<int64_t> rows;
  const auto classes = ref.at("classes");
  for (int64_t i = 0; i < classes.size(0); ++i) {
    const int64_t label = tok.label_of(tok.class_range().first + classes[i].item<int64_t>());
    if (label < 0) continue;
    rows.push_back(i);
    e.labels.push_back(label);
  }
  auto index = torch::tensor(rows, torch::kInt64);
  e.scores = ref.at("scores").index_select(0, index);
  e.boxes = ref.at("boxes").index_select(0, index);
  return e;
}

int64_t first_difference(const torch::Tensor& a, const torch::Tensor& b) {
  const int64_t n = std::min(a.size(-1), b.size(-1));
  for (int64_t i = 0; i < n; ++i)
    if (a[0][i].item<int64_t>() != b[0][i].item<int64_t>()) return i;
  return a.size(-1) == b.size(-1) ? -1 : n;
}

bool same_detections(const Outcome& o, const Expected& e, double box_tol = 1e-3) {
  if (o.dets.size() != static_cast<int64_t>(e.labels.size())) return false;
  const auto labels = o.dets.labels;
  for (size_t i = 0; i < e.labels.size(); ++i)
    if (labels[static_cast<int64_t>(i)].item<int64_t>() != e.labels[i]) return false;
  return test::max_abs_diff(o.dets.scores, e.scores) < 1e-5 && test::max_abs_diff(o.dets.boxes, e.boxes) < box_tol;
}

// Tokens identical, logits close, detections equal to the reference's.
void expect_port_exact(const Model& m, const Tensors& ref, const std::string& what) {
  const Outcome o = run(m, ref);
  const int64_t diff = first_difference(o.result.tokens, ref.at("tokens"));
  EXPECT_EQ(diff, -1) << what << ": tokens differ from position " << diff;
  const double logit_diff = test::max_abs_diff(o.result.logits, ref.at("logits"));
  EXPECT_LT(logit_diff, 1e-4) << what;
  const Expected e = expected(m.head().tokenizer(), ref);
  EXPECT_GE(e.labels.size(), 10u) << what;  // object slots with a dataset class are compared
  ASSERT_EQ(o.dets.size(), static_cast<int64_t>(e.labels.size())) << what;
  EXPECT_TRUE(same_detections(o, e)) << what << ": score diff " << test::max_abs_diff(o.dets.scores, e.scores)
                                     << ", box diff " << test::max_abs_diff(o.dets.boxes, e.boxes);
  std::printf("%s: 500 tokens %s, max logit diff %.2g, %lld detections, max score diff %.2g, max box diff %.2g px\n",
              what.c_str(), diff == -1 ? "identical" : "DIFFER", logit_diff, static_cast<long long>(o.dets.size()),
              test::max_abs_diff(o.dets.scores, e.scores), test::max_abs_diff(o.dets.boxes, e.boxes));
}

size_t tensors_in(const std::string& checkpoint, const std::string& key) {
  return io::extract_state_dict(io::read_checkpoint(checkpoint), io::LoadOptions{key}, checkpoint).size();
}

}  // namespace

TEST(PortFidelity, PretrainedPix2SeqCheckpointLoadsStrictlyAndDecodesAsThePort) {
  const std::string dir = refs();
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  const std::string ckpt = dir + "/pretrained.pth";  // {'model', 'optimizer', ..., 'args': Namespace}
  const Model m = load(kPretrained, ckpt);
  EXPECT_TRUE(m.report.clean()) << m.report.summary();
  EXPECT_EQ(m.report.loaded, tensors_in(ckpt, "model"));
  expect_port_exact(m, test::load_tensors(dir + "/pretrained_640.pth"), "Pretrained-Pix2Seq 640 px");
  expect_port_exact(m, test::load_tensors(dir + "/pretrained_1333.pth"), "Pretrained-Pix2Seq 1333 px");
}

TEST(PortFidelity, MmdetPortCheckpointLoadsStrictlyAndDecodesAsThePort) {
  const std::string dir = refs();
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  const std::string ckpt = dir + "/mmdet.pth";  // {'meta', 'state_dict', 'optimizer'}
  const Model m = load(kMmdet, ckpt);
  EXPECT_TRUE(m.report.clean()) << m.report.summary();
  // Everything but the port's loss constant and the BN counters frozen BN does not have.
  size_t counters = 0;
  for (const auto& item : io::extract_state_dict(io::read_checkpoint(ckpt), {}, ckpt))
    counters += ends_with(item.key(), "num_batches_tracked");
  EXPECT_EQ(m.report.loaded, tensors_in(ckpt, "state_dict") - 1 - counters);
  expect_port_exact(m, test::load_tensors(dir + "/mmdet_640.pth"), "mmdetection port 640 px");
}

TEST(PortFidelity, OfficialSchemeDecodesAsGoogleResearchPix2Seq) {
  const std::string dir = refs();
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  // The shipped nucleus sampling with the official rule and p -> 0 keeps the top-1 only: greedy,
  // as the reference run.
  const Model m = load(kOfficial, dir + "/official.pth", {"model.head.decoding.top_p=1e-9"});
  EXPECT_TRUE(m.report.clean()) << m.report.summary();
  expect_port_exact(m, test::load_tensors(dir + "/official_640.pth"), "google-research/pix2seq rule 640 px");
}

// Switching any one rule away from the port's changes tokens or detections: the comparisons
// above would catch a rule that is not applied.
TEST(PortFidelity, EveryRuleChangesTheOutcome) {
  const std::string dir = refs();
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  struct Case {
    const char* config;
    const char* port;
    std::vector<std::string> change;
    bool tokens_change;
  };
  const std::vector<Case> cases = {
      {kPretrained, "pretrained", {"model.head.suppress_tokens=[]"}, true},
      {kPretrained, "pretrained", {"model.head.suppress_tokens=[]", "model.head.stop=at_end"}, true},
      {kPretrained, "pretrained", {"model.head.constraints=class_slots"}, true},
      {kPretrained, "pretrained", {"model.head.constraints=full"}, true},
      {kPretrained, "pretrained", {"model.head.box_source=token"}, false},
      {kPretrained, "pretrained", {"model.head.class_source=token"}, false},
      {kPretrained, "pretrained", {"model.head.score_softmax=classes"}, false},
      {kPretrained, "pretrained", {"model.head.sort_coordinates=true"}, false},
      {kPretrained, "pretrained", {"model.head.clip_boxes=original"}, false},
      {kOfficial, "official", {"model.head.constraints=full"}, true},
      {kOfficial, "official", {"model.head.box_source=logits"}, false},
      {kOfficial, "official", {"model.head.sort_coordinates=true"}, false},
      {kOfficial, "official", {"model.head.clip_boxes=original"}, false},
  };
  for (const Case& c : cases) {
    std::vector<std::string> change = c.change;
    if (std::string(c.port) == "official") change.push_back("model.head.decoding.top_p=1e-9");
    const Model m = load(c.config, dir + "/" + c.port + ".pth", change);
    const Tensors ref = test::load_tensors(dir + "/" + c.port + "_640.pth");
    const Outcome o = run(m, ref);
    const bool tokens_same = first_difference(o.result.tokens, ref.at("tokens")) == -1;
    EXPECT_EQ(tokens_same, !c.tokens_change) << c.port << " " << join(c.change, " ");
    EXPECT_FALSE(tokens_same && same_detections(o, expected(m.head().tokenizer(), ref)))
        << c.port << " " << join(c.change, " ") << " gives the port's result";
  }
}

TEST(PortFidelity, AnotherModelsCheckpointIsAnErrorUnlessPartial) {
  const std::string dir = refs();
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  // A Pretrained-Pix2Seq file in the official config (no mapping): nothing fits.
  const std::string msg = test::error_of([&] { load(kOfficial, dir + "/pretrained.pth"); });
  EXPECT_NE(msg.find("does not fit this model"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--allow-partial"), std::string::npos) << msg;
  // No mapping (the official config): the mmdetection file's backbone names are ours, its head's
  // are not. Strict is an error; partial loads the backbone and reports the rest.
  const std::string ckpt = dir + "/mmdet.pth";
  const std::string strict_msg = test::error_of([&] { load(kOfficial, ckpt); });
  EXPECT_NE(strict_msg.find("does not fit this model"), std::string::npos) << strict_msg;
  Config config = load_config(std::string(DETSEQ_SOURCE_DIR) + "/" + kOfficial,
                              {"model.backbone.depth=18", "model.head.in_channels=512", "model.head.d_model=64",
                               "model.head.nhead=4", "model.head.num_encoder_layers=2",
                               "model.head.num_decoder_layers=2", "model.head.dim_feedforward=128"});
  auto detector = std::dynamic_pointer_cast<ComposedDetector>(build<Detector>(*config.find("model"), "model"));
  const auto report = io::load_model_checkpoint(*detector, io::read_checkpoint(ckpt), ckpt,
                                                io::model_checkpoint_mapping(config.root), /*strict=*/false);
  EXPECT_EQ(report.loaded, io::module_state_dict(*detector->backbone()).size()) << report.summary();
  EXPECT_FALSE(report.missing.empty());
  EXPECT_FALSE(report.unexpected.empty());
}
