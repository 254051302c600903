// Declarative value rules (one_of, range, positive, non_negative), nested option structs read
// with their full path, ComponentCfg defaults, and constructor errors wrapped with the path.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "core/interfaces/model.h"

namespace detseq {
namespace {

struct RuleInnerOptions {
  int64_t num_layers = 6;
  double dropout = 0.1;
  template <class V>
  void visit(V& v) {
    v("num_layers", num_layers, "layers").non_negative();
    v("dropout", dropout, "dropout rate").range(0.0, 1.0);
  }
};

struct RuleBackboneOptions {
  int depth = 50;
  std::string act = "relu";
  std::vector<int64_t> channels{8, 16};
  RuleInnerOptions inner;
  ComponentCfg child = ComponentCfg::of("RuleLeaf");
  template <class V>
  void visit(V& v) {
    v("depth", depth, "network depth").one_of({18, 34, 50, 101});
    v("act", act, "activation").one_of({"relu", "gelu"});
    v("channels", channels, "widths").positive();
    v("inner", inner, "nested options");
    v("child", child, "a nested component");
  }
};

struct RuleLeafOptions {
  int width = 4;
  template <class V>
  void visit(V& v) {
    v("width", width, "width").positive();
  }
};

class RuleLeaf : public Backbone {
 public:
  explicit RuleLeaf(const RuleLeafOptions& o) : width(o.width) {
    if (o.width == 3) throw ConfigError("RuleLeaf: width 3 clashes with the stride");  // a cross-field check
  }
  std::vector<torch::Tensor> forward(const torch::Tensor& x) override { return {x}; }
  std::vector<int64_t> out_channels() const override { return {width}; }
  std::vector<int64_t> out_strides() const override { return {1}; }
  int width;
};
DETSEQ_REGISTER(Backbone, RuleLeaf, RuleLeafOptions);

class RuleBackbone : public Backbone {
 public:
  explicit RuleBackbone(const RuleBackboneOptions& o) : options(o) { leaf = build<Backbone>(o.child); }
  std::vector<torch::Tensor> forward(const torch::Tensor& x) override { return {x}; }
  std::vector<int64_t> out_channels() const override { return {3}; }
  std::vector<int64_t> out_strides() const override { return {1}; }
  RuleBackboneOptions options;
  std::shared_ptr<Backbone> leaf;
};
DETSEQ_REGISTER(Backbone, RuleBackbone, RuleBackboneOptions);

std::string error_of(const std::string& yaml) {
  try {
    build<Backbone>(parse_yaml_string(yaml, "x.yaml"), "model.backbone");
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(OptionRules, OneOfNamesPathLineChoicesAndValue) {
  EXPECT_EQ(error_of("type: RuleBackbone\ndepth: 34\n"), "<no error>");
  EXPECT_EQ(error_of("type: RuleBackbone\ndepth: 35\n"),
            "model.backbone.depth (x.yaml:2): expected one of 18, 34, 50, 101, got 35");
  EXPECT_EQ(error_of("type: RuleBackbone\nact: swish\n"),
            "model.backbone.act (x.yaml:2): expected one of relu, gelu, got swish");
}

TEST(OptionRules, ListElementsAreCheckedOneByOne) {
  EXPECT_EQ(error_of("type: RuleBackbone\nchannels: [8, 0, 4]\n"),
            "model.backbone.channels.1 (x.yaml:2): expected a value > 0, got 0");
}

TEST(OptionRules, NestedOptionStructsKeepTheFullPath) {
  EXPECT_EQ(error_of("type: RuleBackbone\ninner:\n  dropout: 1.5\n"),
            "model.backbone.inner.dropout (x.yaml:3): expected a value in [0, 1], got 1.5");
  EXPECT_EQ(error_of("type: RuleBackbone\ninner:\n  num_layer: 2\n"),
            "unknown key 'num_layer' in model.backbone.inner at x.yaml:3 — did you mean 'num_layers'?");
  auto bb = build<Backbone>(parse_yaml_string("type: RuleBackbone\ninner: {num_layers: 2}\n", "x.yaml"), "m");
  const auto& o = dynamic_cast<RuleBackbone&>(*bb).options;
  EXPECT_EQ(o.inner.num_layers, 2);
  EXPECT_DOUBLE_EQ(o.inner.dropout, 0.1);  // the rest keeps its defaults
}

TEST(OptionRules, ComponentDefaultsKeepTheirTypeAndPath) {
  auto bb = build<Backbone>(parse_yaml_string("type: RuleBackbone\nchild: {width: 7}\n", "x.yaml"), "m");
  EXPECT_EQ(dynamic_cast<RuleBackbone&>(*bb).leaf->out_channels(), std::vector<int64_t>{7});
  EXPECT_EQ(error_of("type: RuleBackbone\nchild: {width: -1}\n"),
            "model.backbone.child.width (x.yaml:2): expected a value > 0, got -1");
}

TEST(OptionRules, ConstructorErrorsOfNestedComponentsNameTheNestedPath) {
  EXPECT_EQ(error_of("type: RuleBackbone\nchild:\n  width: 3\n"),
            "while building model.backbone.child (RuleLeaf) at x.yaml:2: RuleLeaf: width 3 clashes with the stride");
}

TEST(OptionRules, DescribeShowsRulesAndNestedRows) {
  const auto options = RegistryStore::instance().find_type("RuleBackbone").at(0)->describe();
  std::map<std::string, OptionInfo> by_name;
  for (const auto& o : options) by_name[o.name] = o;
  EXPECT_EQ(by_name.at("depth").rules, "one of 18, 34, 50, 101");
  EXPECT_EQ(by_name.at("channels").rules, "a value > 0");
  EXPECT_EQ(by_name.at("inner").type, "map");
  EXPECT_EQ(by_name.at("inner.num_layers").default_value, "6");
  EXPECT_EQ(by_name.at("inner.dropout").rules, "a value in [0, 1]");
  EXPECT_EQ(by_name.at("child").default_value, "type: RuleLeaf");
}

TEST(OptionRules, NestedDefaultsPrintAsAMap) {
  RuleBackboneOptions o;
  EXPECT_EQ(options_detail::yaml_text(o.inner), "num_layers: 6\ndropout: 0.1");
  // Doubles print as the shortest text that reads back exactly.
  EXPECT_EQ(make_scalar(0.1 + 0.2).scalar_value(), "0.30000000000000004");
  EXPECT_EQ(make_scalar(1e-4).scalar_value(), "0.0001");
  EXPECT_EQ(make_scalar(2.0).scalar_value(), "2.0");
}

}  // namespace
}  // namespace detseq
