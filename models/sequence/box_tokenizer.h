// The two Pix2Seq token schemes share one quantiser; they differ only in numbers, coordinate order
// and the space coordinates are normalised in, so both are a BoxTokenizer with different Layouts.
#pragma once
#include <string>
#include <vector>

#include "core/interfaces/sequence.h"

namespace detseq {

struct TokenLayout {
  int64_t vocab_size = 0;
  int64_t input_vocab_size = 0;
  int64_t prompt = 0, end = 0, pad = 0, noise = 0;
  int64_t class_shift = 0;   // class token = class_shift + class id
  int64_t class_slots = 0;   // class tokens [class_shift, class_shift + class_slots)
  int64_t coord_shift = 0;   // coordinate token = coord_shift + q, q in [0, levels]
  int64_t levels = 0;        // q = quantise(unit * levels)
  bool round = true;         // round (official) or floor (mmdetection port)
  bool yx_order = true;      // [ymin, xmin, ymax, xmax] (official) or [x0, y0, x1, y1]
  double absolute_scale = 0; // > 0: unit = pixels / scale; otherwise unit = pixels / input size
  std::vector<int64_t> class_ids;  // label -> class id (empty: identity)
  int64_t num_classes = 0;
};

class BoxTokenizer : public Tokenizer {
 public:
  explicit BoxTokenizer(TokenLayout layout);
  int64_t vocab_size() const override { return l_.vocab_size; }
  int64_t input_vocab_size() const override { return l_.input_vocab_size; }
  int64_t prompt_token() const override { return l_.prompt; }
  int64_t end_token() const override { return l_.end; }
  int64_t pad_token() const override { return l_.pad; }
  int64_t noise_token() const override { return l_.noise; }
  std::pair<int64_t, int64_t> class_range() const override { return {l_.class_shift, l_.class_shift + l_.class_slots}; }
  std::pair<int64_t, int64_t> coord_range() const override { return {l_.coord_shift, l_.coord_shift + l_.levels + 1}; }
  std::pair<int64_t, int64_t> random_class_range() const override { return class_range(); }
  int64_t class_token(int64_t label) const override;
  int64_t label_of(int64_t token) const override;
  torch::Tensor encode_boxes(const torch::Tensor& boxes, int64_t height, int64_t width) const override;
  torch::Tensor decode_boxes(const torch::Tensor& tokens, int64_t height, int64_t width) const override;
  torch::Tensor dequantize_boxes(const torch::Tensor& tokens, int64_t height, int64_t width) const override;
  torch::Tensor normalise(const torch::Tensor& boxes, int64_t height, int64_t width) const override;
  torch::Tensor denormalise(const torch::Tensor& unit_boxes, int64_t height, int64_t width) const override;
  const TokenLayout& layout() const { return l_; }

 private:
  TokenLayout l_;
  std::vector<int64_t> id_to_label_;  // class id -> label, -1 where none
};

// Official google-research/pix2seq vocabulary (vocab.py).
struct Pix2SeqTokenizerOptions {
  int64_t vocab_size = 3000;
  int64_t quantization_bins = 1000;
  int64_t coord_vocab_shift = 1000;
  int64_t num_classes = 80;
  std::vector<int64_t> class_ids;
  template <class V>
  void visit(V& v) {
    v("vocab_size", vocab_size, "output vocabulary size (coordinate tokens must fit: shift + bins <= vocab)");
    v("quantization_bins", quantization_bins, "coordinate bins: 1000 at 640 px, 2000 at 1333 px").at_least(2);
    v("coord_vocab_shift", coord_vocab_shift, "first coordinate token; class tokens are [100, shift)");
    v("num_classes", num_classes, "number of dataset labels");
    v("class_ids", class_ids, "label -> class id in the token (100 + id); COCO category ids; empty = label");
  }
};

// Pretrained-Pix2Seq / mmdetection-port vocabulary: absolute coordinates over `image_scale` px.
struct MmdetPix2SeqTokenizerOptions {
  int64_t num_bins = 2000;
  double image_scale = 1333;
  int64_t num_classes = 91;
  std::vector<int64_t> class_ids;
  template <class V>
  void visit(V& v) {
    v("num_bins", num_bins, "coordinate tokens 0..num_bins");
    v("image_scale", image_scale, "pixels that map to num_bins (the port quantises absolute pixels)").positive();
    v("num_classes", num_classes, "class slots in the vocabulary (91: COCO ids incl. N/A)");
    v("class_ids", class_ids, "label -> class slot (2001 + slot); COCO category ids; empty = label");
  }
};

}  // namespace detseq
