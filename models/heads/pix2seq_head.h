// Pix2Seq head: features -> projection (+norm) -> 2-D sine positions -> transformer encoder ->
// autoregressive decoder over tokens. loss() teacher-forces sequences from the SequenceBuilder;
// predict() decodes with the Decoding strategy using the cached stepper (pix2seq_stepper.h).
// Token scheme, sequence augmentation and decoding are registry components (config keys
// `tokenizer`, `sequence`, `decoding`).
#pragma once
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>

#include <memory>
#include <string>

#include "core/interfaces/model.h"
#include "core/interfaces/sequence.h"
#include "models/heads/pix2seq_postprocess.h"
#include "models/heads/pix2seq_memory.h"
#include "models/layers/position_encoding.h"

namespace detseq {

struct Pix2SeqHeadOptions {
  int64_t in_channels = 2048;
  int64_t d_model = 256;
  int64_t nhead = 8;
  int64_t num_encoder_layers = 6;
  int64_t num_decoder_layers = 6;
  int64_t dim_feedforward = 1024;
  double dropout = 0.1;
  double drop_path = 0.0;
  ComponentCfg activation = ComponentCfg::of("ReLU");
  bool encoder_normalize_before = false;
  bool decoder_normalize_before = false;
  std::string input_norm = "LN";
  bool pos_normalize = true;
  int64_t num_token_positions = 512;
  bool shared_embedding = false;
  bool output_bias = true;
  bool use_cache = true;
  bool use_padding_mask = true;
  // Inference rules (see docs/pix2seq.md, "Inference rules of the three ports").
  std::string constraints = "none";
  std::vector<std::string> suppress_tokens;
  std::string stop = "at_end";
  std::string box_source = "token";
  std::string class_source = "logits";
  std::string score_softmax = "vocabulary";
  bool sort_coordinates = true;
  std::string clip_boxes = "original";
  int64_t max_objects_test = 100;
  int64_t seed = 0;
  ComponentCfg tokenizer = ComponentCfg::of("Pix2SeqTokenizer");
  ComponentCfg sequence = ComponentCfg::of("Pix2SeqSequenceBuilder");
  ComponentCfg decoding = ComponentCfg::of("GreedyDecoding");
  ComponentCfg init_cfg;
  template <class V>
  void visit(V& v) {
    v("in_channels", in_channels, "channels of the last feature map").positive();
    v("d_model", d_model, "transformer width (even: sine positions use d_model / 2 per axis)").positive();
    v("nhead", nhead, "attention heads").positive();
    v("num_encoder_layers", num_encoder_layers, "encoder layers").non_negative();
    v("num_decoder_layers", num_decoder_layers, "decoder layers").positive();
    v("dim_feedforward", dim_feedforward, "feed-forward width").positive();
    v("dropout", dropout, "dropout in attention and feed-forward").range(0.0, 1.0);
    v("drop_path", drop_path, "stochastic depth: max rate, linear over layers (official: 0.1)").range(0.0, 1.0);
    v("activation", activation, "activation of the feed-forward layers: {type: ReLU} | {type: GELU}");
    v("encoder_normalize_before", encoder_normalize_before, "pre-norm encoder (official) instead of post-norm");
    v("decoder_normalize_before", decoder_normalize_before, "pre-norm decoder (official) instead of post-norm");
    v("input_norm", input_norm, "norm after the 1x1 projection: LN (official), GN (mmdetection port) or none")
        .one_of({"LN", "GN", "none"});
    v("pos_normalize", pos_normalize, "normalise the sine positions by the valid extent (DETR); port: false");
    v("num_token_positions", num_token_positions, "learned decoder token positions (official 512; 0 = none, port)")
        .non_negative();
    v("shared_embedding", shared_embedding, "output logits = decoder output x token embedding^T (official)");
    v("output_bias", output_bias, "bias of the output logits");
    v("use_cache", use_cache, "cache self- and cross-attention keys/values while decoding");
    v("use_padding_mask", use_padding_mask, "mask padded pixels in attention and positions (false: Pretrained-Pix2Seq)");
    v("constraints", constraints,
      "generation grammar: none | class_slots (only class tokens at class slots) | full (also only coordinates at "
      "coordinate slots, end only at object boundaries)")
        .one_of({"none", "class_slots", "full"});
    v("suppress_tokens", suppress_tokens, "special tokens never generated: end, noise (the ports: [end, noise])")
        .one_of({"end", "noise"});
    v("stop", stop, "at_end (stop once every sequence emitted end at an object boundary) | never (fixed length)")
        .one_of({"at_end", "never"});
    v("box_source", box_source, "token (the generated coordinate tokens) | logits (argmax over the coordinate range)")
        .one_of({"token", "logits"});
    v("class_source", class_source, "logits (argmax over the class range at the class slot) | token (the generated one)")
        .one_of({"logits", "token"});
    v("score_softmax", score_softmax, "score = class probability under a softmax over the vocabulary | classes")
        .one_of({"vocabulary", "classes"});
    v("sort_coordinates", sort_coordinates, "order each box's corners (x0 <= x1, y0 <= y1); the ports do not");
    v("clip_boxes", clip_boxes, "original (clip to the original image) | input (to the network input) | none")
        .one_of({"original", "input", "none"});
    v("max_objects_test", max_objects_test, "objects decoded per image (5 tokens each)").positive();
    v("seed", seed, "seed of the sequence augmentation and sampling");
    v("tokenizer", tokenizer, "token scheme (tokenizer family)");
    v("sequence", sequence, "training sequence builder (sequence_builder family)");
    v("decoding", decoding, "decoding strategy (decoding family)");
    v("init_cfg", init_cfg, "optional Pretrained init");
  }
};

class Pix2SeqHead : public Head {
 public:
  explicit Pix2SeqHead(const Pix2SeqHeadOptions& options);
  LossDict loss(const std::vector<torch::Tensor>& features, const Batch& batch) override;
  std::vector<Detections> predict(const std::vector<torch::Tensor>& features, const Batch& batch) override;
  int64_t num_classes() const override;

  // Encoder output for the last feature map: memory [B, S, E], padding mask [B, S], positions.
  Pix2SeqMemory encode(const torch::Tensor& feature, const torch::Tensor& image_masks);
  // Teacher-forced logits [B, L, V] for decoder inputs [B, L].
  torch::Tensor decode_logits(const torch::Tensor& input_tokens, const Pix2SeqMemory& memory);
  // Autoregressive generation with the configured (or given) decoding strategy.
  DecodeResult generate(const Pix2SeqMemory& memory, int64_t max_len, bool use_cache, const Decoding* decoding = nullptr,
                        uint64_t seed = 0);
  // Decoded tokens -> detections in original pixels (official scoring, see pix2seq_postprocess.h).
  std::vector<Detections> postprocess(const DecodeResult& result, const Batch& batch) const;

  // Pieces used by the stepper.
  torch::Tensor embed_tokens(const torch::Tensor& tokens, int64_t first_position);
  torch::Tensor output_logits(const torch::Tensor& hidden);
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const SequenceBuilder& sequence_builder() const { return *sequence_; }
  TokenConstraints constraints() const;
  const Pix2SeqHeadOptions& options() const { return options_; }
  const Pix2SeqInferenceRules& rules() const { return rules_; }

  torch::nn::Conv2d input_proj{nullptr};
  torch::nn::LayerNorm input_ln{nullptr};  // registered as input_norm when input_norm = LN
  torch::nn::GroupNorm input_gn{nullptr};  // registered as input_norm when input_norm = GN
  torch::nn::Embedding token_embed{nullptr}, token_pos{nullptr};
  torch::Tensor prompt_embed, output_bias_param;
  torch::nn::Linear output_proj{nullptr};
  torch::nn::ModuleList encoder{nullptr}, decoder{nullptr};
  torch::nn::LayerNorm encoder_norm{nullptr}, decoder_norm{nullptr};

 private:
  Pix2SeqHeadOptions options_;
  Pix2SeqInferenceRules rules_;
  std::shared_ptr<Tokenizer> tokenizer_;
  std::shared_ptr<SequenceBuilder> sequence_;
  std::shared_ptr<Decoding> decoding_;
  PositionEmbeddingSine position_{nullptr};
  int64_t train_calls_ = 0;  // varies the augmentation every time an image is seen
};

}  // namespace detseq
