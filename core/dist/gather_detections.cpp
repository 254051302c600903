#include "core/dist/gather_detections.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/dist/dist.h"
#include "core/util/error.h"

namespace detseq::dist {
namespace {

// Per image: image_id, K, then K*4 float boxes, K float scores, K int64 labels (native layout:
// every rank runs the same binary on the same kind of host).
void append_raw(std::string& out, const void* data, size_t bytes) {
  out.append(static_cast<const char*>(data), bytes);
}

std::string serialize(const std::vector<Detections>& dets) {
  std::string out;
  for (const Detections& d : dets) {
    const int64_t k = d.size();
    append_raw(out, &d.image_id, sizeof(int64_t));
    append_raw(out, &k, sizeof(int64_t));
    if (k == 0) continue;
    const torch::Tensor boxes = d.boxes.to(torch::kCPU, torch::kFloat).contiguous();
    const torch::Tensor scores = d.scores.to(torch::kCPU, torch::kFloat).contiguous();
    const torch::Tensor labels = d.labels.to(torch::kCPU, torch::kLong).contiguous();
    if (boxes.numel() != 4 * k || scores.numel() != k || labels.numel() != k)
      throw Error("gather_detections: detections of image " + std::to_string(d.image_id) +
                  " must be boxes [K, 4], scores [K], labels [K]");
    append_raw(out, boxes.data_ptr<float>(), sizeof(float) * 4 * k);
    append_raw(out, scores.data_ptr<float>(), sizeof(float) * k);
    append_raw(out, labels.data_ptr<int64_t>(), sizeof(int64_t) * k);
  }
  return out;
}

class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}
  bool done() const { return pos_ == data_.size(); }
  void read(void* into, size_t bytes) {
    if (data_.size() - pos_ < bytes) throw Error("gather_detections: truncated data from another rank");
    // An image without detections reads into an empty tensor, whose data pointer is null:
    // memcpy(nullptr, ..., 0) is undefined behaviour (UBSan), so copy nothing instead.
    if (bytes == 0) return;
    std::memcpy(into, data_.data() + pos_, bytes);
    pos_ += bytes;
  }
  torch::Tensor tensor(std::vector<int64_t> shape, torch::ScalarType dtype, size_t elem) {
    torch::Tensor t = torch::empty(shape, torch::TensorOptions(dtype));
    read(t.data_ptr(), elem * static_cast<size_t>(t.numel()));
    return t;
  }

 private:
  const std::string& data_;
  size_t pos_ = 0;
};

void parse_into(const std::string& data, std::vector<Detections>& out) {
  Reader in(data);
  while (!in.done()) {
    Detections d;
    int64_t k = 0;
    in.read(&d.image_id, sizeof(int64_t));
    in.read(&k, sizeof(int64_t));
    if (k < 0 || static_cast<uint64_t>(k) > data.size()) throw Error("gather_detections: corrupt data from another rank");
    d.boxes = in.tensor({k, 4}, torch::kFloat, sizeof(float));
    d.scores = in.tensor({k}, torch::kFloat, sizeof(float));
    d.labels = in.tensor({k}, torch::kLong, sizeof(int64_t));
    out.push_back(std::move(d));
  }
}

}  // namespace

std::vector<Detections> gather_detections(const std::vector<Detections>& mine,
                                          const std::vector<int64_t>& image_order) {
  if (!is_distributed()) return mine;
  const std::vector<std::string> all = all_gather_bytes(serialize(mine));
  if (!is_main_process()) return {};
  std::vector<Detections> merged;
  for (const std::string& part : all) parse_into(part, merged);
  std::unordered_set<int64_t> seen;
  std::vector<Detections> unique;
  for (Detections& d : merged)
    if (seen.insert(d.image_id).second) unique.push_back(std::move(d));
  std::unordered_map<int64_t, size_t> position;
  for (size_t i = 0; i < image_order.size(); ++i) position.emplace(image_order[i], i);
  auto key = [&](const Detections& d) {
    const auto it = position.find(d.image_id);
    return it == position.end() ? image_order.size() : it->second;
  };
  std::stable_sort(unique.begin(), unique.end(), [&](const Detections& a, const Detections& b) { return key(a) < key(b); });
  return unique;
}

}  // namespace detseq::dist
