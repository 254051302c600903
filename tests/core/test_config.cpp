// Config loading: inheritance, merge rules, references, env, overrides, provenance, dump round trip
// and every error path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/test_util.h"
#include "core/config/config.h"
#include "core/config/yaml_io.h"

namespace detseq {
namespace {

const std::string kDir = std::string(DETSEQ_SOURCE_DIR) + "/tests/core/configs/";

using test::error_of;

TEST(Config, ThreeLevelInheritanceWithListOfBases) {
  unsetenv("DETSEQ_TEST_WORKDIR");
  const Config cfg = load_config(kDir + "level3.yaml");
  // level3 -> level2 -> [base_a, base_b]
  EXPECT_EQ(cfg.find("model.type")->as<std::string>(), "ToyDetector");
  EXPECT_EQ(cfg.find("model.backbone.depth")->as<int>(), 101);                 // level2 over base_a
  EXPECT_EQ(cfg.find("model.backbone.out_indices")->as<std::vector<int>>(),   // level3 list replaces
            std::vector<int>({3}));
  EXPECT_DOUBLE_EQ(cfg.find("optim_wrapper.optimizer.lr")->as<double>(), 1e-4);  // from base_b
}

TEST(Config, DeleteReplacesTheBaseMap) {
  const Config cfg = load_config(kDir + "level2.yaml");
  const ConfigNode& head = *cfg.find("model.head");
  EXPECT_EQ(head.keys(), std::vector<std::string>({"type", "width"}));  // num_classes gone, no _delete_
  EXPECT_EQ(head.at("type").as<std::string>(), "OtherHead");
}

TEST(Config, ListsAreReplacedNotMerged) {
  const Config cfg = load_config(kDir + "level3.yaml");
  const ConfigNode& pipeline = *cfg.find("train_pipeline");
  ASSERT_EQ(pipeline.size(), 3u);
  EXPECT_EQ(pipeline[1].at("scale").as<std::vector<int>>(), std::vector<int>({640, 640}));
}

TEST(Config, ReferencesResolveAfterChildOverride) {
  // base_b refers to ${train_pipeline}; level3 overrides train_pipeline; the reference follows.
  const Config cfg = load_config(kDir + "level3.yaml");
  const ConfigNode& used = *cfg.find("train_dataloader.dataset.pipeline");
  ASSERT_TRUE(used.is_sequence());
  ASSERT_EQ(used.size(), 3u);
  EXPECT_EQ(used[2].at("type").as<std::string>(), "Flip");
  EXPECT_EQ(used, *cfg.find("train_pipeline"));
  // Interpolation inside a string.
  EXPECT_EQ(cfg.find("name")->as<std::string>(), "run-101");
}

TEST(Config, EnvReferenceWithDefaultAndValue) {
  unsetenv("DETSEQ_TEST_WORKDIR");
  EXPECT_EQ(load_config(kDir + "level3.yaml").find("work_dir")->as<std::string>(), "work_dirs/level3");
  setenv("DETSEQ_TEST_WORKDIR", "/tmp/elsewhere", 1);
  EXPECT_EQ(load_config(kDir + "level3.yaml").find("work_dir")->as<std::string>(), "/tmp/elsewhere");
  unsetenv("DETSEQ_TEST_WORKDIR");
}

TEST(Config, EnvWithoutDefaultAndUnsetIsAnError) {
  unsetenv("DETSEQ_SURELY_UNSET");
  ConfigNode root = parse_yaml_string("a: ${env:DETSEQ_SURELY_UNSET}\n", "env.yaml");
  const std::string msg = error_of([&] { resolve_references(root); });
  EXPECT_NE(msg.find("DETSEQ_SURELY_UNSET is not set"), std::string::npos) << msg;
  EXPECT_NE(msg.find("env.yaml:1"), std::string::npos) << msg;
}

TEST(Config, OverridesWithListIndicesBeforeReferences) {
  const Config cfg = load_config(kDir + "level3.yaml",
                                 {"train_pipeline.1.scale=[320,320]", "model.backbone.depth=18",
                                  "optim_wrapper.optimizer.betas=[0.9, 0.95]", "new_key.sub=hello"});
  EXPECT_EQ(cfg.find("train_pipeline.1.scale")->as<std::vector<int>>(), std::vector<int>({320, 320}));
  // Applied before references: the dataloader pipeline reference sees the override.
  EXPECT_EQ(cfg.find("train_dataloader.dataset.pipeline.1.scale")->as<std::vector<int>>(),
            std::vector<int>({320, 320}));
  EXPECT_EQ(cfg.find("name")->as<std::string>(), "run-18");
  EXPECT_EQ(cfg.find("optim_wrapper.optimizer.betas")->as<std::vector<double>>(), std::vector<double>({0.9, 0.95}));
  EXPECT_EQ(cfg.find("new_key.sub")->as<std::string>(), "hello");
  EXPECT_EQ(cfg.find("model.backbone.depth")->loc().str(), "<cfg-options model.backbone.depth>");
}

TEST(Config, OverrideErrors) {
  const std::string path = kDir + "level3.yaml";
  EXPECT_NE(error_of([&] { load_config(path, {"train_pipeline.7.scale=1"}); }).find("index 7 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_config(path, {"train_pipeline.x=1"}); }).find("expected an index"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_config(path, {"no_equals_sign"}); }).find("expected key.path=value"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_config(path, {"model.type.sub=1"}); }).find("not a map"), std::string::npos);
}

TEST(Config, ProvenanceLineNumbers) {
  const Config cfg = load_config(kDir + "level3.yaml");
  EXPECT_EQ(cfg.find("model.backbone.depth")->loc().str(), kDir + "level2.yaml:4");
  EXPECT_EQ(cfg.find("model.backbone.out_indices")->loc().str(), kDir + "level3.yaml:4");
  EXPECT_EQ(cfg.find("optim_wrapper.optimizer.lr")->loc().str(), kDir + "base_b.yaml:4");
  EXPECT_EQ(cfg.find("model.head.width")->loc().str(), kDir + "level2.yaml:8");
  // --provenance annotates printed lines with their origin.
  DumpOptions options;
  options.provenance = true;
  const std::string text = dump_yaml(cfg.root, options);
  EXPECT_NE(text.find("depth: 101  # " + kDir + "level2.yaml:4"), std::string::npos) << text;
  EXPECT_NE(text.find("lr: 0.0001  # " + kDir + "base_b.yaml:4"), std::string::npos) << text;
}

TEST(Config, DumpThenLoadGivesTheSameTree) {
  const Config cfg = load_config(kDir + "level3.yaml", {"quoted=\"123\"", "flag=true", "nothing=null"});
  const ConfigNode again = parse_yaml_string(dump_yaml(cfg.root), "dump.yaml");
  EXPECT_EQ(again, cfg.root);
  EXPECT_EQ(again.at("quoted").as<std::string>(), "123");
  EXPECT_TRUE(again.at("quoted").quoted());
  EXPECT_TRUE(again.at("nothing").is_null());
}

TEST(Config, BaseCycleIsAnError) {
  const std::string msg = error_of([] { load_config(kDir + "cycle_a.yaml"); });
  EXPECT_NE(msg.find("_base_ cycle"), std::string::npos) << msg;
}

TEST(Config, SameKeyInSiblingBasesIsAnError) {
  const std::string msg = error_of([] { load_config(kDir + "sibling_dup.yaml"); });
  EXPECT_NE(msg.find("key 'model' is defined in two sibling bases"), std::string::npos) << msg;
}

TEST(Config, ReferenceCycleIsAnError) {
  const std::string msg = error_of([] { load_config(kDir + "ref_cycle.yaml"); });
  EXPECT_NE(msg.find("reference cycle"), std::string::npos) << msg;
}

TEST(Config, DanglingReferenceSuggestsAKey) {
  ConfigNode root = parse_yaml_string("model:\n  depth: 50\nx: ${model.dpeth}\n", "r.yaml");
  const std::string msg = error_of([&] { resolve_references(root); });
  EXPECT_NE(msg.find("points at nothing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'depth'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("r.yaml:3"), std::string::npos) << msg;
}

TEST(Config, EmbeddingAMapInAStringIsAnError) {
  ConfigNode root = parse_yaml_string("m: {a: 1}\nx: prefix-${m}\n", "e.yaml");
  EXPECT_NE(error_of([&] { resolve_references(root); }).find("cannot be embedded"), std::string::npos);
}

TEST(Config, MissingBaseAndMissingFileAndBadYaml) {
  EXPECT_NE(error_of([] { load_config(kDir + "nope.yaml"); }).find("cannot open config file"), std::string::npos);
  ConfigNode dummy;
  EXPECT_NE(error_of([] { parse_yaml_string("a: [1, 2\n", "broken.yaml"); }).find("broken.yaml:"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_yaml_string("a: 1\na: 2\n", "dup.yaml"); }).find("duplicate key 'a'"),
            std::string::npos);
}

TEST(Config, TypedAccessErrorsNameThePathAndLine) {
  const Config cfg = load_config(kDir + "bad_value.yaml");
  const std::string msg = error_of([&] { cfg.find("model.backbone.depth")->as<int>("model.backbone.depth"); });
  EXPECT_EQ(msg, "model.backbone.depth (" + kDir + "bad_value.yaml:5): expected int, got 'fifty'");
  const ConfigNode list = parse_yaml_string("a: [1, x]\n", "l.yaml");
  EXPECT_EQ(error_of([&] { list.at("a").as<std::vector<int>>("a"); }), "a.1 (l.yaml:1): expected int, got 'x'");
  EXPECT_NE(error_of([&] { list.at("missing", "root"); }).find("missing required key 'missing'"), std::string::npos);
}

TEST(Config, ScalarTyping) {
  const ConfigNode n = parse_yaml_string("i: 0x10\nf: 1e-4\nb: True\ns: '12'\nn: ~\ninf: .inf\nwhole: 100.0\n", "t.yaml");
  EXPECT_EQ(n.at("i").as<int>(), 16);
  EXPECT_DOUBLE_EQ(n.at("f").as<double>(), 1e-4);
  EXPECT_TRUE(n.at("b").as<bool>());
  EXPECT_THROW(n.at("s").as<int>(), ConfigError);  // quoted: a string, not a number
  EXPECT_EQ(n.at("s").as<std::string>(), "12");
  EXPECT_TRUE(n.at("n").is_null());
  EXPECT_THROW(n.at("inf").as<double>(), ConfigError);  // NaN / Inf are rejected as options
  EXPECT_EQ(n.at("whole").as<int>(), 100);
  EXPECT_EQ(n.at("i").as<std::optional<int>>(), 16);
  EXPECT_EQ(n.at("n").as<std::optional<int>>(), std::nullopt);
}

}  // namespace
}  // namespace detseq
