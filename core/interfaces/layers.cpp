#include "core/interfaces/layers.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Matcher);
DETSEQ_DEFINE_FAMILY(PositionalEncoding);
DETSEQ_DEFINE_FAMILY(NormLayer);
DETSEQ_DEFINE_FAMILY(Activation);

std::shared_ptr<Activation> make_activation(const std::string& type) {
  ConfigNode node = ConfigNode::map();
  node["type"] = make_scalar(type);
  return build<Activation>(node, "activation");
}

}  // namespace detseq
