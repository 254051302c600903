#include "models/sequence/box_tokenizer.h"

#include <cmath>

#include "core/util/error.h"

namespace detseq {

BoxTokenizer::BoxTokenizer(TokenLayout layout) : l_(std::move(layout)) {
  if (!l_.class_ids.empty() && static_cast<int64_t>(l_.class_ids.size()) != l_.num_classes) {
    throw ConfigError("tokenizer: class_ids has " + std::to_string(l_.class_ids.size()) + " entries but num_classes is " +
                      std::to_string(l_.num_classes) + "; give one id per label or leave class_ids empty");
  }
  if (l_.coord_shift + l_.levels + 1 > l_.vocab_size) {
    throw ConfigError("tokenizer: coordinate tokens end at " + std::to_string(l_.coord_shift + l_.levels + 1) +
                      " but vocab_size is " + std::to_string(l_.vocab_size) + "; raise vocab_size or lower the bins");
  }
  id_to_label_.assign(static_cast<size_t>(l_.class_slots), -1);
  for (int64_t label = 0; label < l_.num_classes; ++label) {
    const int64_t id = l_.class_ids.empty() ? label : l_.class_ids[static_cast<size_t>(label)];
    if (id < 0 || id >= l_.class_slots) {
      throw ConfigError("tokenizer: class id " + std::to_string(id) + " of label " + std::to_string(label) +
                        " is outside the " + std::to_string(l_.class_slots) + " class slots of the vocabulary");
    }
    id_to_label_[static_cast<size_t>(id)] = label;
  }
}

int64_t BoxTokenizer::class_token(int64_t label) const {
  if (label < 0 || label >= l_.num_classes) {
    throw Error("tokenizer: label " + std::to_string(label) + " is outside 0.." + std::to_string(l_.num_classes - 1) +
                " (check the tokenizer's num_classes against the dataset)");
  }
  return l_.class_shift + (l_.class_ids.empty() ? label : l_.class_ids[static_cast<size_t>(label)]);
}

int64_t BoxTokenizer::label_of(int64_t token) const {
  const int64_t id = token - l_.class_shift;
  if (id < 0 || id >= l_.class_slots) return -1;
  return id_to_label_[static_cast<size_t>(id)];
}

torch::Tensor BoxTokenizer::normalise(const torch::Tensor& boxes, int64_t height, int64_t width) const {
  auto b = boxes.to(torch::kFloat64);
  if (l_.absolute_scale > 0) return b / l_.absolute_scale;
  auto scale = torch::tensor({double(width), double(height), double(width), double(height)}, torch::kFloat64);
  return b / scale;
}

torch::Tensor BoxTokenizer::denormalise(const torch::Tensor& unit_boxes, int64_t height, int64_t width) const {
  auto u = unit_boxes.to(torch::kFloat64);
  if (l_.absolute_scale > 0) return u * l_.absolute_scale;
  auto scale = torch::tensor({double(width), double(height), double(width), double(height)}, torch::kFloat64);
  return u * scale;
}

torch::Tensor BoxTokenizer::encode_boxes(const torch::Tensor& boxes, int64_t height, int64_t width) const {
  auto unit = normalise(boxes.reshape({-1, 4}), height, width) * double(l_.levels);
  // Official: round then clip; the port: floor then clamp. Float64 keeps x.5 cases exact.
  auto q = (l_.round ? unit.round() : unit.floor()).clamp(0, double(l_.levels)).to(torch::kInt64);
  if (l_.yx_order) q = q.index_select(1, torch::tensor({1, 0, 3, 2}, torch::kInt64));
  return q + l_.coord_shift;
}

torch::Tensor BoxTokenizer::dequantize_boxes(const torch::Tensor& tokens, int64_t height, int64_t width) const {
  auto shape = tokens.sizes().vec();
  auto q = (tokens.reshape({-1, 4}) - l_.coord_shift).clamp(0, l_.levels).to(torch::kFloat64);
  if (l_.yx_order) q = q.index_select(1, torch::tensor({1, 0, 3, 2}, torch::kInt64));
  return denormalise(q / double(l_.levels), height, width).to(torch::kFloat32).reshape(shape);
}

torch::Tensor BoxTokenizer::decode_boxes(const torch::Tensor& tokens, int64_t height, int64_t width) const {
  auto shape = tokens.sizes().vec();
  auto pixels = dequantize_boxes(tokens, height, width).reshape({-1, 4}).to(torch::kFloat64);
  auto limits = torch::tensor({double(width), double(height), double(width), double(height)}, torch::kFloat64);
  pixels = torch::min(pixels.clamp_min(0.0), limits);
  return pixels.to(torch::kFloat32).reshape(shape);
}

namespace {

std::shared_ptr<Tokenizer> make_official(const Pix2SeqTokenizerOptions& o) {
  TokenLayout l;
  l.vocab_size = o.vocab_size;
  l.input_vocab_size = o.vocab_size;
  l.prompt = 10;  // vocab.py: 10-29 reserved for task ids; detection is the first
  l.end = 0;
  l.pad = 0;
  l.noise = 30;   // FAKE_CLASS_TOKEN
  l.class_shift = 100;
  l.class_slots = o.coord_vocab_shift - 100;
  l.coord_shift = o.coord_vocab_shift;
  l.levels = o.quantization_bins - 1;
  l.round = true;
  l.yx_order = true;
  l.class_ids = o.class_ids;
  l.num_classes = o.num_classes;
  return std::make_shared<BoxTokenizer>(l);
}

std::shared_ptr<Tokenizer> make_mmdet(const MmdetPix2SeqTokenizerOptions& o) {
  TokenLayout l;
  l.coord_shift = 0;
  l.levels = o.num_bins;
  l.class_shift = o.num_bins + 1;
  l.class_slots = o.num_classes;
  l.end = o.num_bins + 1 + o.num_classes;  // 2092 with the defaults
  l.pad = l.end;
  l.noise = l.end + 1;                     // 2093
  l.vocab_size = l.noise + 1;              // 2094
  l.input_vocab_size = l.end;              // the port embeds tokens below the end token only
  l.prompt = -1;                           // learned det_embed
  l.round = false;
  l.yx_order = false;
  l.absolute_scale = o.image_scale;
  l.class_ids = o.class_ids;
  l.num_classes = o.class_ids.empty() ? o.num_classes : static_cast<int64_t>(o.class_ids.size());
  return std::make_shared<BoxTokenizer>(l);
}

}  // namespace

DETSEQ_REGISTER_FACTORY(Tokenizer, Pix2SeqTokenizerOptions, "Pix2SeqTokenizer",
                        "official vocabulary: 0 pad/end, 10 prompt, 30 fake class, 100+id class, 1000+q yxyx", make_official);
DETSEQ_REGISTER_FACTORY(Tokenizer, MmdetPix2SeqTokenizerOptions, "MmdetPix2SeqTokenizer",
                        "mmdetection-port vocabulary: q = floor(px/1333*2000) xyxy, class 2001+id, end 2092, noise 2093",
                        make_mmdet);

}  // namespace detseq
