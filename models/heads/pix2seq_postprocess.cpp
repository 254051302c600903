#include "models/heads/pix2seq_postprocess.h"

namespace detseq {

torch::Tensor boxes_to_original(const torch::Tensor& boxes, const ImageMeta& meta) {
  auto b = boxes.to(torch::kFloat64);
  auto xs = (b.index_select(1, torch::tensor({0, 2})) - meta.offset_x) / meta.scale_x;
  auto ys = (b.index_select(1, torch::tensor({1, 3})) - meta.offset_y) / meta.scale_y;
  // A flip makes scale_x negative and swaps the x edges.
  auto x0 = std::get<0>(xs.min(1)).clamp(0, double(meta.ori_width));
  auto x1 = std::get<0>(xs.max(1)).clamp(0, double(meta.ori_width));
  auto y0 = std::get<0>(ys.min(1)).clamp(0, double(meta.ori_height));
  auto y1 = std::get<0>(ys.max(1)).clamp(0, double(meta.ori_height));
  return torch::stack({x0, y0, x1, y1}, 1).to(torch::kFloat32);
}

std::vector<Detections> sequences_to_detections(const DecodeResult& result, const Tokenizer& tok,
                                                const std::vector<ImageMeta>& metas, int64_t height, int64_t width,
                                                int64_t max_objects) {
  const int64_t per = Tokenizer::kTokensPerObject;
  auto tokens = result.tokens.to(torch::kCPU);
  auto logits = result.logits.to(torch::kCPU, torch::kFloat32);
  const int64_t objects = std::min(tokens.size(1) / per, max_objects);
  const auto [cls_begin, cls_end] = tok.class_range();
  std::vector<Detections> out;
  for (int64_t b = 0; b < tokens.size(0); ++b) {
    Detections det;
    det.image_id = metas[static_cast<size_t>(b)].image_id;
    auto tb = tokens[b];
    int64_t count = 0;
    while (count < objects && tb[count * per].item<int64_t>() != tok.end_token()) ++count;
    std::vector<int64_t> keep_rows, labels;
    std::vector<float> scores;
    if (count > 0) {
      auto class_pos = torch::arange(count) * per + (per - 1);
      auto probs = logits[b].index_select(0, class_pos).softmax(-1);  // full-vocabulary softmax
      auto [score, index] = probs.narrow(1, cls_begin, cls_end - cls_begin).max(1);
      for (int64_t i = 0; i < count; ++i) {
        const int64_t label = tok.label_of(cls_begin + index[i].item<int64_t>());
        if (label < 0) continue;  // a class slot with no dataset label (e.g. COCO's unused ids)
        keep_rows.push_back(i);
        labels.push_back(label);
        scores.push_back(score[i].item<float>());
      }
    }
    const int64_t k = static_cast<int64_t>(keep_rows.size());
    if (k > 0) {
      auto rows = torch::tensor(keep_rows, torch::kInt64);
      auto coords = tb.narrow(0, 0, count * per).view({count, per}).narrow(1, 0, 4).index_select(0, rows);
      det.boxes = boxes_to_original(tok.decode_boxes(coords, height, width), metas[static_cast<size_t>(b)]);
    } else {
      det.boxes = torch::zeros({0, 4});
    }
    det.scores = torch::tensor(scores, torch::kFloat32);
    det.labels = torch::tensor(labels, torch::kInt64);
    out.push_back(std::move(det));
  }
  return out;
}

}  // namespace detseq
