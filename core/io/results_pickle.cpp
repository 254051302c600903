#include "core/io/results_pickle.h"

#include "core/io/atomic_file.h"
#include "core/io/pickle.h"
#include "core/util/error.h"

namespace detseq::io {
namespace {

torch::Tensor or_empty(const torch::Tensor& t, c10::IntArrayRef empty_shape, torch::ScalarType dtype) {
  return t.defined() ? t.detach().to(torch::kCPU, dtype) : torch::zeros(empty_shape, torch::TensorOptions(dtype));
}

Value record_value(const DetResultRecord& r) {
  const torch::Tensor boxes = or_empty(r.detections.boxes, {0, 4}, torch::kFloat);
  const torch::Tensor scores = or_empty(r.detections.scores, {0}, torch::kFloat);
  const torch::Tensor labels = or_empty(r.detections.labels, {0}, torch::kLong);
  const int64_t n = boxes.dim() == 2 ? boxes.size(0) : -1;
  if (n < 0 || boxes.size(1) != 4 || scores.dim() != 1 || scores.size(0) != n || labels.dim() != 1 ||
      labels.size(0) != n)
    throw Error("results pickle: detections of image " + std::to_string(r.img_id) +
                " must be boxes [N, 4], scores [N], labels [N]; got " + c10::str(boxes.sizes()) + ", " +
                c10::str(scores.sizes()) + ", " + c10::str(labels.sizes()));
  Value pred = Value::dict();
  pred.set("bboxes", boxes).set("scores", scores).set("labels", labels);
  Value out = Value::dict();
  out.set("img_id", r.img_id)
      .set("ori_shape", Value::tuple({r.ori_height, r.ori_width}))
      .set("pred_instances", pred);
  return out;
}

}  // namespace

void write_results_pickle(const std::string& path, const std::vector<DetResultRecord>& records) {
  Value list = Value::list();
  for (const DetResultRecord& r : records) list.push_back(record_value(r));
  write_file_atomic(path, pickle_plain(list));
}

}  // namespace detseq::io
