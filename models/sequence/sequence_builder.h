// Pix2Seq training sequences (official tasks/object_detection.py semantics): shuffled objects,
// noise objects up to max_objects, class-token corruption of the decoder input, token weights.
#pragma once
#include <string>

#include "core/interfaces/sequence.h"

namespace detseq {

struct Pix2SeqSequenceOptions {
  int64_t max_objects = 100;
  std::string object_order = "random";
  bool noise_objects = true;
  std::string class_corruption = "rand_n_fake_cls";
  double coord_weight = 1.0;
  double noise_coord_weight = 0.0;
  double class_weight = 1.0;
  double noise_class_weight = 1.0;
  double end_weight = 0.1;
  std::string normalize = "weight_sum";
  template <class V>
  void visit(V& v) {
    v("max_objects", max_objects, "objects per sequence (5 tokens each); extra objects are dropped").positive();
    v("object_order", object_order,
      "random (reshuffled every time an image is seen; official default), area (largest first), "
      "dist2ori (top-left corner nearest the image origin first) or none (annotation order)");
    v("noise_objects", noise_objects, "fill the sequence to max_objects with fake-class noise objects");
    v("class_corruption", class_corruption,
      "decoder-input class tokens: none, rand_cls, real_n_fake_cls, rand_n_fake_cls (50/50 random or fake), "
      "real_n_rand_n_fake_cls, real_n_rand_cls (mmdetection port: half random classes)");
    v("coord_weight", coord_weight, "weight of real coordinate tokens");
    v("noise_coord_weight", noise_coord_weight, "weight of noise-object coordinate tokens");
    v("class_weight", class_weight, "weight of real class tokens");
    v("noise_class_weight", noise_class_weight, "weight of the fake-class token of noise objects");
    v("end_weight", end_weight, "weight of end/padding target tokens");
    v("normalize", normalize,
      "weight_sum: sum(w*ce)/sum(w) (official); num_targets: sum(w*ce)/count(w>0) (mmdetection port)")
        .one_of({"weight_sum", "num_targets"});
  }
};

class Pix2SeqSequenceBuilder : public SequenceBuilder {
 public:
  explicit Pix2SeqSequenceBuilder(const Pix2SeqSequenceOptions& options);
  TrainSequences build(const std::vector<Instances>& instances, int64_t height, int64_t width,
                       const Tokenizer& tokenizer, const std::vector<uint64_t>& seeds) const override;
  torch::Tensor reduce_loss(const torch::Tensor& token_ce, const TrainSequences& seqs) const override;
  int64_t max_objects() const override { return options_.max_objects; }
  int64_t length() const { return options_.max_objects * Tokenizer::kTokensPerObject; }

 private:
  Pix2SeqSequenceOptions options_;
};

}  // namespace detseq
