// SGD with momentum, dampening and Nesterov (torch.optim.SGD).
#include <torch/optim/sgd.h>

#include "core/engine/optimizers/optimizer.h"

namespace detseq {
namespace {

struct SGDOptions {
  std::string type;
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  template <class V>
  void visit(V& v) {
    v("type", type);
    v.required("lr", lr, "learning rate").non_negative();
    v("momentum", momentum, "momentum factor").non_negative();
    v("dampening", dampening, "momentum dampening").range(0.0, 1.0);
    v("weight_decay", weight_decay, "L2 weight decay").non_negative();
    v("nesterov", nesterov, "Nesterov momentum (needs momentum > 0 and dampening 0)");
  }
};

class SGD : public OptimizerRecipe {
 public:
  explicit SGD(const SGDOptions& o) : o_(o) {
    if (o_.nesterov && (o_.momentum <= 0 || o_.dampening != 0))
      throw ConfigError("optimizer.nesterov: Nesterov momentum requires momentum > 0 and dampening 0");
  }
  std::string type() const override { return "SGD"; }
  double lr() const override { return o_.lr; }
  double weight_decay() const override { return o_.weight_decay; }

  std::unique_ptr<torch::optim::Optimizer> make(const std::vector<OptimizerParamGroup>& groups) const override {
    std::vector<torch::optim::OptimizerParamGroup> torch_groups;
    for (const auto& g : groups) {
      torch_groups.emplace_back(
          g.params, std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(o_.lr * g.lr_mult)
                                                                   .momentum(o_.momentum)
                                                                   .dampening(o_.dampening)
                                                                   .weight_decay(o_.weight_decay * g.decay_mult)
                                                                   .nesterov(o_.nesterov)));
    }
    return std::make_unique<torch::optim::SGD>(std::move(torch_groups), torch::optim::SGDOptions(o_.lr));
  }

  io::Value save_state(const torch::optim::OptimizerParamState& state) const override {
    io::Value s = io::Value::dict();
    const auto* m = dynamic_cast<const torch::optim::SGDParamState*>(&state);
    if (m && m->momentum_buffer().defined()) s.set("momentum_buffer", m->momentum_buffer());
    return s;
  }

  std::unique_ptr<torch::optim::OptimizerParamState> load_state(const io::Value&,
                                                                const TensorReader& tensor) const override {
    auto buf = tensor("momentum_buffer");
    if (!buf.defined()) return nullptr;  // momentum 0 keeps no state
    auto m = std::make_unique<torch::optim::SGDParamState>();
    m->momentum_buffer(buf);
    return m;
  }

 private:
  SGDOptions o_;
};

}  // namespace

DETSEQ_REGISTER_AS(OptimizerRecipe, SGD, SGDOptions, "SGD",
                   "stochastic gradient descent with momentum (torch.optim.SGD)");

}  // namespace detseq
