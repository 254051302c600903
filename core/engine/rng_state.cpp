#include "core/engine/rng_state.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/cuda.h>

#include <cstring>
#include <mutex>

#include "core/dist/dist.h"
#include "core/util/error.h"

namespace detseq {
namespace {

at::Generator cuda_generator(torch::Device device) {
  const c10::DeviceIndex index = device.is_cuda() ? device.index() : 0;
  return at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, index));
}

// A state tensor as bytes for the all-gather: an 8-byte length, then the data (uint8, contiguous).
void append(std::string& out, const torch::Tensor& t) {
  const uint64_t n = t.defined() ? static_cast<uint64_t>(t.numel()) : 0;
  out.append(reinterpret_cast<const char*>(&n), sizeof(n));
  if (n > 0) out.append(reinterpret_cast<const char*>(t.contiguous().data_ptr<uint8_t>()), n);
}

torch::Tensor take(const std::string& in, size_t& pos) {
  uint64_t n = 0;
  if (pos + sizeof(n) > in.size()) throw Error("RNG state gather: truncated message");
  std::memcpy(&n, in.data() + pos, sizeof(n));
  pos += sizeof(n);
  if (n > in.size() - pos) throw Error("RNG state gather: truncated message");
  torch::Tensor t;
  if (n > 0) t = torch::from_blob(const_cast<char*>(in.data() + pos), {static_cast<int64_t>(n)}, torch::kUInt8).clone();
  pos += n;
  return t;
}

torch::Tensor state_tensor(const io::Value& v, const std::string& what) {
  if (!v.is_tensor() || v.as_tensor().scalar_type() != torch::kUInt8)
    throw Error("resume: rng." + what + " is " + v.describe() + ", expected a uint8 tensor");
  return v.as_tensor();
}

void set_state(at::Generator gen, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

}  // namespace

RankRngState current_rng_state(torch::Device device) {
  RankRngState s;
  s.cpu = at::detail::getDefaultCPUGenerator().get_state();
  if (torch::cuda::is_available()) s.cuda = cuda_generator(device).get_state();
  return s;
}

io::Value rng_entry(const std::vector<RankRngState>& ranks) {
  io::Value list = io::Value::list();
  for (const RankRngState& s : ranks) {
    io::Value entry = io::Value::dict().set("torch_cpu", s.cpu);
    if (s.cuda.defined()) entry.set("torch_cuda", s.cuda);
    list.push_back(entry);
  }
  return io::Value::dict().set("torch_cpu", ranks.at(0).cpu).set("ranks", list);
}

io::Value gather_rng_entry(torch::Device device) {
  const RankRngState mine = current_rng_state(device);
  if (!dist::is_distributed()) return rng_entry({mine});
  std::string bytes;
  append(bytes, mine.cpu);
  append(bytes, mine.cuda);
  std::vector<RankRngState> all;
  for (const std::string& b : dist::all_gather_bytes(bytes)) {
    size_t pos = 0;
    RankRngState s;
    s.cpu = take(b, pos);
    s.cuda = take(b, pos);
    all.push_back(s);
  }
  return rng_entry(all);
}

RankRngState rng_state_for_rank(const io::Value& rng, int64_t rank, int64_t world, std::string* note) {
  RankRngState s;
  if (!rng.is_dict()) throw Error("resume: rng is " + rng.describe() + ", expected a dict");
  const io::Value* ranks = rng.find("ranks");
  if (!ranks) {  // saved before per-rank states: rank 0's CPU state only
    if (const io::Value* cpu = rng.find("torch_cpu")) s.cpu = state_tensor(*cpu, "torch_cpu");
    if (note && s.cpu.defined()) {
      *note = world > 1 ? "the checkpoint holds one RNG state (rank 0's; saved before per-rank states): every rank "
                          "restores it"
                        : "the checkpoint holds one RNG state (saved before per-rank states): restored it";
    }
    return s;
  }
  if (!ranks->is_sequence() || ranks->size() == 0)
    throw Error("resume: rng.ranks is " + ranks->describe() + ", expected a list of per-rank states");
  const auto saved = static_cast<int64_t>(ranks->size());
  const int64_t from = rank < saved ? rank : 0;
  const io::Value& entry = ranks->elements()[from];
  if (!entry.is_dict()) throw Error("resume: rng.ranks[" + std::to_string(from) + "] is " + entry.describe());
  s.cpu = state_tensor(entry.at("torch_cpu"), "ranks[" + std::to_string(from) + "].torch_cpu");
  if (const io::Value* cuda = entry.find("torch_cuda"))
    s.cuda = state_tensor(*cuda, "ranks[" + std::to_string(from) + "].torch_cuda");
  if (note && saved != world) {
    *note = "the checkpoint holds the RNG states of " + std::to_string(saved) + " rank(s), this run has " +
            std::to_string(world) + ": rank " + std::to_string(rank) + " restores rank " + std::to_string(from) + "'s";
  }
  return s;
}

void restore_rng_state(const RankRngState& state, torch::Device device) {
  if (state.cpu.defined()) set_state(at::detail::getDefaultCPUGenerator(), state.cpu);
  if (state.cuda.defined() && torch::cuda::is_available()) set_state(cuda_generator(device), state.cuda);
}

}  // namespace detseq
