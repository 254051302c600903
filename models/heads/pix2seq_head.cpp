#include "models/heads/pix2seq_head.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/init.h>

#include "core/io/pretrained.h"
#include "core/structures/padding_mask.h"
#include "core/util/error.h"
#include "core/util/random.h"
#include "models/heads/pix2seq_stepper.h"
#include "models/sequence/box_tokenizer.h"

namespace detseq {
Pix2SeqHead::Pix2SeqHead(const Pix2SeqHeadOptions& o)
    : options_(o),
      rules_(Pix2SeqInferenceRules::parse(o.constraints, o.suppress_tokens, o.stop, o.box_source, o.class_source,
                                          o.score_softmax, o.sort_coordinates, o.clip_boxes)) {
  // Left out of the config, each gets its default type (official scheme, greedy decoding).
  tokenizer_ = build<Tokenizer>(o.tokenizer);
  sequence_ = build<SequenceBuilder>(o.sequence);
  decoding_ = build<Decoding>(o.decoding);
  if (o.d_model % 2 != 0)
    throw ConfigError("Pix2SeqHead: d_model must be even (sine positions use d_model / 2 per axis)");

  input_proj = register_module("input_proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels, o.d_model, 1)));
  if (o.input_norm == "LN") {
    input_ln = register_module("input_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));
  } else if (o.input_norm == "GN") {
    input_gn = register_module("input_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, o.d_model)));
  }
  position_ = register_module(
      "position", PositionEmbeddingSine(PositionEmbeddingSineOptions(o.d_model / 2).normalize(o.pos_normalize)));

  auto layer = TransformerLayerOptions(o.d_model, o.nhead)
                   .dim_feedforward(o.dim_feedforward)
                   .dropout(o.dropout)
                   .activation(build<Activation>(o.activation));
  encoder = register_module("encoder", torch::nn::ModuleList());
  layer.normalize_before(o.encoder_normalize_before);
  for (double rate : drop_path_schedule(o.drop_path, o.num_encoder_layers)) {
    encoder->push_back(TransformerEncoderLayer(layer.drop_path(rate)));
  }
  if (o.encoder_normalize_before) {
    encoder_norm = register_module("encoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));
  }
  decoder = register_module("decoder", torch::nn::ModuleList());
  layer.normalize_before(o.decoder_normalize_before);
  for (double rate : drop_path_schedule(o.drop_path, o.num_decoder_layers)) {
    decoder->push_back(TransformerDecoderLayer(layer.drop_path(rate)));
  }
  decoder_norm = register_module("decoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));

  const auto& tok = *tokenizer_;
  token_embed = register_module("token_embed", torch::nn::Embedding(tok.input_vocab_size(), o.d_model));
  torch::nn::init::normal_(token_embed->weight, 0.0, 0.02);
  if (tok.prompt_token() < 0) {
    prompt_embed = register_parameter("prompt_embed", torch::randn({1, o.d_model}) * 0.02);
  }
  if (o.num_token_positions > 0) {
    token_pos = register_module("token_pos", torch::nn::Embedding(o.num_token_positions, o.d_model));
    torch::nn::init::normal_(token_pos->weight, 0.0, 0.02);
  }
  if (o.shared_embedding) {
    if (tok.input_vocab_size() != tok.vocab_size()) {
      throw ConfigError("Pix2SeqHead: shared_embedding needs equal input and output vocabularies; this tokenizer has " +
                        std::to_string(tok.input_vocab_size()) + " and " + std::to_string(tok.vocab_size()));
    }
    if (o.output_bias) output_bias_param = register_parameter("output_bias", torch::zeros({tok.vocab_size()}));
  } else {
    output_proj = register_module(
        "output_proj", torch::nn::Linear(torch::nn::LinearOptions(o.d_model, tok.vocab_size()).bias(o.output_bias)));
  }
  const int64_t needed = sequence_->max_objects() * Tokenizer::kTokensPerObject;
  if (o.num_token_positions > 0 &&
      std::max(needed, o.max_objects_test * Tokenizer::kTokensPerObject) > o.num_token_positions) {
    throw ConfigError("Pix2SeqHead: num_token_positions " + std::to_string(o.num_token_positions) +
                      " is shorter than the sequences (5 x max objects); raise it or lower max_objects");
  }
  if (!o.init_cfg.empty()) io::apply_init_cfg(*this, o.init_cfg);
}

torch::Tensor Pix2SeqHead::embed_tokens(const torch::Tensor& tokens, int64_t first_position) {
  // Tokens past the input vocabulary are only the port's end/noise ids after a sequence ended;
  // their outputs are never used, so any row will do.
  auto x = token_embed(tokens.clamp(0, tokenizer_->input_vocab_size() - 1));
  if (prompt_embed.defined()) x = torch::where((tokens < 0).unsqueeze(-1), prompt_embed.view({1, 1, -1}), x);
  if (token_pos) {
    const int64_t len = tokens.size(1);
    if (first_position + len > options_.num_token_positions) {
      throw Error("Pix2SeqHead: position " + std::to_string(first_position + len) + " exceeds num_token_positions " +
                  std::to_string(options_.num_token_positions));
    }
    x = x + token_pos->weight.narrow(0, first_position, len).unsqueeze(0);
  }
  return x;
}

torch::Tensor Pix2SeqHead::output_logits(const torch::Tensor& hidden) {
  auto h = decoder_norm(hidden);
  if (output_proj) return output_proj(h);
  auto logits = torch::matmul(h, token_embed->weight.t());
  return output_bias_param.defined() ? logits + output_bias_param : logits;
}

Pix2SeqMemory Pix2SeqHead::encode(const torch::Tensor& feature, const torch::Tensor& image_masks) {
  auto x = input_proj(feature);
  if (input_gn) x = input_gn(x);
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  const auto mask =
      downsample_padding_mask(options_.use_padding_mask ? image_masks : torch::Tensor(), b, h, w, x.options());
  auto pos = position_(mask).flatten(2).transpose(1, 2);
  x = x.flatten(2).transpose(1, 2);
  if (input_ln) x = input_ln(x);
  auto flat_mask = mask.flatten(1);
  for (const auto& layer : *encoder) x = layer->as<TransformerEncoderLayer>()->forward(x, flat_mask, pos);
  if (encoder_norm) x = encoder_norm(x);
  return {x, flat_mask, pos};
}

torch::Tensor Pix2SeqHead::decode_logits(const torch::Tensor& input_tokens, const Pix2SeqMemory& memory) {
  auto x = embed_tokens(input_tokens, 0);
  const DecoderInputs in = memory.decoder_inputs();
  for (const auto& layer : *decoder) x = layer->as<TransformerDecoderLayer>()->forward(x, memory.memory, in);
  return output_logits(x);
}

TokenConstraints Pix2SeqHead::constraints() const { return rules_.token_constraints(*tokenizer_); }

DecodeResult Pix2SeqHead::generate(const Pix2SeqMemory& memory, int64_t max_len, bool use_cache,
                                   const Decoding* decoding, uint64_t seed) {
  torch::NoGradGuard no_grad;
  Pix2SeqStepper stepper(*this, memory, use_cache);
  auto prompt = torch::full({memory.memory.size(0)}, tokenizer_->prompt_token(),
                            torch::dtype(torch::kInt64).device(memory.memory.device()));
  return (decoding ? decoding : decoding_.get())->decode(stepper, prompt, max_len, constraints(), seed);
}

std::vector<Detections> Pix2SeqHead::postprocess(const DecodeResult& result, const Batch& batch) const {
  return sequences_to_detections(result, *tokenizer_, batch.metas, batch.images.size(2), batch.images.size(3),
                                 options_.max_objects_test, rules_);
}

LossDict Pix2SeqHead::loss(const std::vector<torch::Tensor>& features, const Batch& batch) {
  if (features.empty()) throw Error("Pix2SeqHead: no feature maps were given");
  auto memory = encode(features.back(), batch.masks);
  std::vector<uint64_t> seeds;
  std::vector<Instances> instances;
  for (int64_t b = 0; b < batch.size(); ++b) {
    const auto& meta = batch.metas[static_cast<size_t>(b)];
    // The loader's per-sample seed already separates epochs and repeated augmentations
    // (num_repeats) and is reproduced on resume; samples from elsewhere fall back to a counter.
    const uint64_t source = meta.sample_seed != 0 ? meta.sample_seed : static_cast<uint64_t>(train_calls_);
    seeds.push_back(derive_seed(static_cast<uint64_t>(options_.seed) ^ static_cast<uint64_t>(meta.image_id), source,
                                static_cast<uint64_t>(meta.sample_index), static_cast<uint64_t>(b)));
    instances.push_back(batch.instances[static_cast<size_t>(b)].to(torch::kCPU));
  }
  ++train_calls_;
  auto seqs = sequence_->build(instances, batch.images.size(2), batch.images.size(3), *tokenizer_, seeds);
  const auto device = memory.memory.device();
  auto logits = decode_logits(seqs.input.to(device), memory);
  auto ce =
      torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), seqs.target.to(device).reshape({-1}),
                                           torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
          .view(seqs.target.sizes());
  LossDict out;
  out["loss_seq"] = sequence_->reduce_loss(ce, seqs);
  return out;
}

int64_t Pix2SeqHead::num_classes() const {
  const auto* box = dynamic_cast<const BoxTokenizer*>(tokenizer_.get());
  return box ? box->layout().num_classes : 0;
}

std::vector<Detections> Pix2SeqHead::predict(const std::vector<torch::Tensor>& features, const Batch& batch) {
  if (features.empty()) throw Error("Pix2SeqHead: no feature maps were given");
  auto memory = encode(features.back(), batch.masks);
  const uint64_t seed =
      derive_seed(static_cast<uint64_t>(options_.seed), batch.metas.empty() ? 0 : batch.metas[0].image_id, 0);
  auto result =
      generate(memory, options_.max_objects_test * Tokenizer::kTokensPerObject, options_.use_cache, nullptr, seed);
  return postprocess(result, batch);
}

DETSEQ_REGISTER_AS(Head, Pix2SeqHead, Pix2SeqHeadOptions, "Pix2SeqHead",
                   "Pix2Seq: encoder + autoregressive token decoder, cached decoding, official scoring");

}  // namespace detseq
