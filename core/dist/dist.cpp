#include "core/dist/dist.h"

#include "core/dist/process_group.h"

namespace detseq::dist {
namespace {
c10::intrusive_ptr<c10d::ProcessGroup> g_group;
int g_local_rank = 0;
}  // namespace

void set_process_group(c10::intrusive_ptr<c10d::ProcessGroup> group, int local_rank) {
  g_group = std::move(group);
  g_local_rank = local_rank;
}
c10::intrusive_ptr<c10d::ProcessGroup> process_group() { return g_group; }
void clear_process_group() {
  g_group.reset();
  g_local_rank = 0;
}

int rank() { return g_group ? g_group->getRank() : 0; }
int world_size() { return g_group ? g_group->getSize() : 1; }
int local_rank() { return g_local_rank; }
bool is_distributed() { return g_group && g_group->getSize() > 1; }
bool is_main_process() { return rank() == 0; }

void all_reduce_sum_(torch::Tensor& tensor) {
  if (!is_distributed()) return;
  std::vector<torch::Tensor> tensors{tensor};
  g_group->allreduce(tensors)->wait();
}

void broadcast_(torch::Tensor& tensor, int root) {
  if (!is_distributed()) return;
  std::vector<torch::Tensor> tensors{tensor};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  g_group->broadcast(tensors, options)->wait();
}

void barrier() {
  if (!is_distributed()) return;
  g_group->barrier()->wait();
}

std::vector<std::string> all_gather_bytes(const std::string& mine) {
  if (!is_distributed()) return {mine};
  // Sizes first, then the bytes padded to the largest size (all_gather needs equal shapes).
  torch::Tensor size = torch::tensor({static_cast<int64_t>(mine.size())}, torch::kInt64);
  std::vector<std::vector<torch::Tensor>> sizes(1);
  for (int r = 0; r < world_size(); ++r) sizes[0].push_back(torch::zeros({1}, torch::kInt64));
  std::vector<torch::Tensor> size_in{size};
  g_group->allgather(sizes, size_in)->wait();
  int64_t max_size = 0;
  for (const auto& s : sizes[0]) max_size = std::max(max_size, s.item<int64_t>());
  torch::Tensor payload = torch::zeros({std::max<int64_t>(max_size, 1)}, torch::kUInt8);
  std::memcpy(payload.data_ptr(), mine.data(), mine.size());
  std::vector<std::vector<torch::Tensor>> gathered(1);
  for (int r = 0; r < world_size(); ++r) gathered[0].push_back(torch::zeros_like(payload));
  std::vector<torch::Tensor> payload_in{payload};
  g_group->allgather(gathered, payload_in)->wait();
  std::vector<std::string> out;
  for (int r = 0; r < world_size(); ++r) {
    const auto n = sizes[0][r].item<int64_t>();
    out.emplace_back(static_cast<const char*>(gathered[0][r].data_ptr()), static_cast<size_t>(n));
  }
  return out;
}

}  // namespace detseq::dist
