// Registry: registration, lookup, suggestions, unknown keys, option schemas, nested error context.
#include <gtest/gtest.h>

#include "core/config/config.h"
#include "core/config/yaml_io.h"
#include "core/interfaces/model.h"

namespace detseq {
namespace {

struct ToyBackboneOptions {
  int depth = 50;
  std::vector<int64_t> out_indices{3};
  std::optional<double> scale;
  template <class V>
  void visit(V& v) {
    v("depth", depth, "network depth");
    v("out_indices", out_indices, "stages to return");
    v("scale", scale, "optional scale");
  }
};

class ToyBackbone : public Backbone {
 public:
  explicit ToyBackbone(const ToyBackboneOptions& o) : options(o) {
    if (o.depth != 18 && o.depth != 50 && o.depth != 101) {
      throw Error("depth must be 18, 50 or 101, got " + std::to_string(o.depth));
    }
  }
  std::vector<torch::Tensor> forward(const torch::Tensor& x) override { return {x}; }
  std::vector<int64_t> out_channels() const override { return {3}; }
  std::vector<int64_t> out_strides() const override { return {1}; }
  ToyBackboneOptions options;
};
DETSEQ_REGISTER_AS(Backbone, ToyBackbone, ToyBackboneOptions, "ToyBackbone", "a backbone for tests");

struct ToyDetectorOptions {
  ComponentCfg backbone;
  int num_classes = 0;
  template <class V>
  void visit(V& v) {
    v.required("backbone", backbone, "backbone config");
    v("num_classes", num_classes, "classes");
  }
};

class ToyDetector : public Detector {
 public:
  explicit ToyDetector(const ToyDetectorOptions& o) {
    ComponentCfg child = o.backbone;
    backbone = register_module("backbone", build<Backbone>(child));
  }
  LossDict loss(const Batch&) override { return {}; }
  std::vector<Detections> predict(const Batch&) override { return {}; }
  std::shared_ptr<Backbone> backbone;
};
DETSEQ_REGISTER(Detector, ToyDetector, ToyDetectorOptions);

std::string build_error(const std::string& yaml) {
  try {
    build<Detector>(parse_yaml_string(yaml, "t.yaml"), "model");
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Registry, BuildsNestedComponentsWithOptions) {
  auto det = build<Detector>(
      parse_yaml_string("type: ToyDetector\nbackbone: {type: ToyBackbone, depth: 101, out_indices: [1, 2]}\n", "t.yaml"),
      "model");
  auto* toy = dynamic_cast<ToyDetector*>(det.get());
  ASSERT_NE(toy, nullptr);
  auto* bb = dynamic_cast<ToyBackbone*>(toy->backbone.get());
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ(bb->options.depth, 101);
  EXPECT_EQ(bb->options.out_indices, std::vector<int64_t>({1, 2}));
  EXPECT_FALSE(bb->options.scale.has_value());
}

TEST(Registry, UnknownTypeListsNamesAndClosest) {
  const std::string msg = build_error("type: ToyDetector\nbackbone:\n  type: ToyBakbone\n");
  EXPECT_NE(msg.find("model.backbone.type (t.yaml:3): unknown backbone type 'ToyBakbone'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'ToyBackbone'?"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(registered: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("ToyBackbone)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
}

TEST(Registry, UnknownKeyGetsSuggestion) {
  const std::string msg = build_error("type: ToyDetector\nbackbone:\n  type: ToyBackbone\n  dpeth: 50\n");
  EXPECT_EQ(msg, "unknown key 'dpeth' in model.backbone (ToyBackbone) at t.yaml:4 — did you mean 'depth'?");
}

TEST(Registry, TypeErrorsCarryPathAndLine) {
  const std::string msg = build_error("type: ToyDetector\nbackbone:\n  type: ToyBackbone\n  depth: fifty\n");
  EXPECT_EQ(msg, "model.backbone.depth (t.yaml:4): expected int, got 'fifty'");
}

TEST(Registry, IntegersAreDecimalHexOrOctalNeverAGuess) {
  auto depth_of = [](const std::string& value) {
    auto det = build<Detector>(
        parse_yaml_string("type: ToyDetector\nbackbone: {type: ToyBackbone, out_indices: [" + value + "]}\n", "t.yaml"),
        "model");
    return dynamic_cast<ToyBackbone*>(dynamic_cast<ToyDetector*>(det.get())->backbone.get())->options.out_indices.at(0);
  };
  EXPECT_EQ(depth_of("10"), 10);
  EXPECT_EQ(depth_of("-7"), -7);
  EXPECT_EQ(depth_of("0"), 0);
  EXPECT_EQ(depth_of("0x10"), 16);
  EXPECT_EQ(depth_of("0o10"), 8);
  EXPECT_EQ(depth_of("1e3"), 1000);
  // PyYAML reads 010 as 8, YAML 1.2 as 10: an error, not a guess.
  const std::string msg = build_error("type: ToyDetector\nbackbone:\n  type: ToyBackbone\n  depth: 010\n");
  EXPECT_NE(msg.find("model.backbone.depth (t.yaml:4): '010' has a leading zero"), std::string::npos) << msg;
  EXPECT_NE(build_error("type: ToyDetector\nbackbone: {type: ToyBackbone, depth: 0x}\n").find("expected int"),
            std::string::npos);
}

TEST(Registry, IntOptionsRejectValuesThatWouldWrap) {
  const std::string msg = build_error("type: ToyDetector\nbackbone:\n  type: ToyBackbone\n  depth: 4294967346\n");
  EXPECT_EQ(msg, "model.backbone.depth (t.yaml:4): expected an int in [-2147483648, 2147483647], got '4294967346'");
}

TEST(Registry, NullIsAnErrorWhereTheOptionIsNotNullable) {
  const std::string msg = build_error("type: ToyDetector\nbackbone:\n  type: ToyBackbone\n  depth: null\n");
  EXPECT_EQ(msg, "model.backbone.depth (t.yaml:4): null is not a valid int of ToyBackbone; remove the key to keep "
                 "the default (50)");
  // Optional options and nested configs take null as a value.
  EXPECT_EQ(build_error("type: ToyDetector\nbackbone: {type: ToyBackbone, scale: null}\n"), "<no error>");
}

TEST(Registry, ConstructorErrorsAreWrappedOnceWithTheInnermostPath) {
  const std::string msg = build_error("type: ToyDetector\nbackbone:\n  type: ToyBackbone\n  depth: 34\n");
  EXPECT_EQ(msg, "while building model.backbone (ToyBackbone) at t.yaml:2: depth must be 18, 50 or 101, got 34");
}

TEST(Registry, MissingTypeAndMissingRequiredOption) {
  EXPECT_NE(build_error("backbone: {type: ToyBackbone}\n").find("missing 'type'"), std::string::npos);
  const std::string msg = build_error("type: ToyDetector\nbackbon: {type: ToyBackbone}\n");
  EXPECT_NE(msg.find("missing required option 'backbone' of ToyDetector"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'backbon'"), std::string::npos) << msg;
  EXPECT_NE(build_error("[1, 2]").find("expected a detector config"), std::string::npos);
}

TEST(Registry, OptionSchemasDescribeDefaults) {
  const auto entries = RegistryStore::instance().find_type("ToyBackbone");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]->family, "backbone");
  EXPECT_EQ(entries[0]->doc, "a backbone for tests");
  const auto options = entries[0]->describe();
  ASSERT_EQ(options.size(), 3u);
  EXPECT_EQ(options[0].name, "depth");
  EXPECT_EQ(options[0].type, "int");
  EXPECT_EQ(options[0].default_value, "50");
  EXPECT_EQ(options[0].doc, "network depth");
  EXPECT_EQ(options[1].type, "list[int]");
  EXPECT_EQ(options[1].default_value, "[3]");
  EXPECT_EQ(options[2].type, "float or null");
  const auto det = RegistryStore::instance().find_type("ToyDetector")[0]->describe();
  EXPECT_TRUE(det[0].required);
}

TEST(Registry, FamiliesAreListedEvenWhenEmpty) {
  const auto families = RegistryStore::instance().families();
  for (const char* f : {"backbone", "neck", "head", "detector", "dataset", "transform", "data_loader"}) {
    EXPECT_NE(std::find(families.begin(), families.end(), f), families.end()) << f;
  }
}

TEST(Registry, DuplicateRegistrationIsRejected) {
  RegistryEntry entry;
  entry.family = "backbone";
  entry.type = "ToyBackbone";
  EXPECT_THROW(RegistryStore::instance().add(entry), std::logic_error);
}

}  // namespace
}  // namespace detseq
