#include "core/util/flop_counter.h"

#include <ATen/record_function.h>

#include "core/util/error.h"

namespace detseq {
namespace {

// RecordFunction takes plain function pointers: the live counter's state is thread-local.
struct CounterState {
  bool active = false;
  std::string scope;
  std::map<std::string, std::map<std::string, int64_t>> counts;
  at::CallbackHandle handle = 0;
};
thread_local CounterState g_state;

int64_t prod(c10::IntArrayRef s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) p *= s[i];
  return p;
}

int64_t count_of(const at::RecordFunction& fn) {
  const std::string name = fn.name();
  const auto inputs = fn.inputs();
  auto tensor = [&](size_t i) -> const at::Tensor* {
    return i < inputs.size() && inputs[i].isTensor() ? &inputs[i].toTensor() : nullptr;
  };
  if (name == "aten::mm" || name == "aten::addmm") {
    const size_t a = name == "aten::mm" ? 0 : 1;
    const at::Tensor *x = tensor(a), *y = tensor(a + 1);
    if (!x || !y || x->dim() != 2 || y->dim() != 2) return 0;
    return x->size(0) * x->size(1) * y->size(1);
  }
  if (name == "aten::bmm" || name == "aten::baddbmm") {
    const size_t a = name == "aten::bmm" ? 0 : 1;
    const at::Tensor *x = tensor(a), *y = tensor(a + 1);
    if (!x || !y || x->dim() != 3 || y->dim() != 3) return 0;
    return x->size(0) * x->size(1) * x->size(2) * y->size(2);
  }
  if (name == "aten::convolution") {
    // (input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
    const at::Tensor *x = tensor(0), *w = tensor(1);
    if (!x || !w || inputs.size() < 9 || x->dim() < 3) return 0;
    const auto stride = inputs[3].toIntVector(), padding = inputs[4].toIntVector(), dilation = inputs[5].toIntVector();
    const bool transposed = inputs[6].toBool();
    const int64_t groups = inputs[8].toInt();
    const size_t spatial = static_cast<size_t>(x->dim() - 2);
    if (stride.size() != spatial || padding.size() != spatial || dilation.size() != spatial) return 0;
    const int64_t kernel = prod(w->sizes(), 2, w->sizes().size());
    if (transposed) {  // every input element meets every kernel tap of its group's outputs
      return x->size(0) * x->size(1) * prod(x->sizes(), 2, x->sizes().size()) * (w->size(1)) * kernel;
    }
    int64_t out_spatial = 1;
    for (size_t d = 0; d < spatial; ++d) {
      const int64_t in = x->size(static_cast<int64_t>(2 + d));
      const int64_t k = w->size(static_cast<int64_t>(2 + d));
      out_spatial *= (in + 2 * padding[d] - dilation[d] * (k - 1) - 1) / stride[d] + 1;
    }
    return x->size(0) * w->size(0) * out_spatial * (x->size(1) / groups) * kernel;
  }
  return 0;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  if (!g_state.active) return nullptr;
  if (const int64_t n = count_of(fn); n > 0) g_state.counts[g_state.scope][fn.name()] += n;
  return nullptr;
}

}  // namespace

FlopCounter::FlopCounter() {
  if (g_state.active) throw Error("FlopCounter: another counter is already active on this thread");
  g_state = CounterState{};
  g_state.active = true;
  g_state.handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(&on_start).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
}

FlopCounter::~FlopCounter() {
  at::removeCallback(g_state.handle);
  g_state.active = false;
}

void FlopCounter::set_scope(const std::string& scope) { g_state.scope = scope; }

const std::map<std::string, std::map<std::string, int64_t>>& FlopCounter::counts() const { return g_state.counts; }

int64_t FlopCounter::total() const {
  int64_t t = 0;
  for (const auto& [scope, ops] : g_state.counts)
    for (const auto& [op, n] : ops) t += n;
  return t;
}

int64_t FlopCounter::total(const std::string& scope) const {
  auto it = g_state.counts.find(scope);
  if (it == g_state.counts.end()) return 0;
  int64_t t = 0;
  for (const auto& [op, n] : it->second) t += n;
  return t;
}

}  // namespace detseq
