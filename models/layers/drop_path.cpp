#include "models/layers/drop_path.h"

#include "core/util/error.h"

namespace detseq {

torch::Tensor drop_path(const torch::Tensor& x, double drop_prob, bool training) {
  if (!training || drop_prob == 0.0) return x;
  const double keep = 1.0 - drop_prob;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  auto mask = torch::empty(shape, x.options()).bernoulli_(keep);
  return x * mask / keep;
}

std::vector<double> drop_path_schedule(double max_rate, int64_t n) {
  std::vector<double> rates;
  for (int64_t i = 0; i < n; ++i) rates.push_back(n > 1 ? max_rate * double(i) / double(n - 1) : max_rate);
  return rates;
}

DropPathImpl::DropPathImpl(double drop_prob) : drop_prob_(drop_prob) {
  if (drop_prob < 0.0 || drop_prob >= 1.0) {
    throw Error("DropPath: drop_prob must be in [0, 1), got " + std::to_string(drop_prob));
  }
}

}  // namespace detseq
