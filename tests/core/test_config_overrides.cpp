// --cfg-options: copy-on-write through `${}` references, mmengine's DictAction value syntax, the
// override examples of docs/config.md on every shipped config, and the reference expansion cap.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/test_util.h"
#include "core/config/config.h"
#include "core/config/yaml_io.h"

namespace detseq {
namespace {

namespace fs = std::filesystem;
using test::error_of;

const char* kLoaders =
    "train_pipeline:\n"
    "  - {type: Load}\n"
    "  - {type: Flip}\n"
    "  - {type: Resize, scale: [1333, 800]}\n"
    "train_dataloader:\n"
    "  batch_size: 2\n"
    "  dataset: {type: Coco, pipeline: '${train_pipeline}'}\n"
    "val_dataloader:\n"
    "  batch_size: 4\n"
    "  dataset: {type: Coco}\n"
    "test_dataloader: ${val_dataloader}\n"
    "val_evaluator: {type: CocoMetric, metric: bbox}\n"
    "test_evaluator: ${val_evaluator}\n";

ConfigNode overridden(const std::string& yaml, const std::vector<std::string>& overrides) {
  ConfigNode root = parse_yaml_string(yaml, "loaders.yaml");
  for (const auto& o : overrides) apply_override(root, o);
  resolve_references(root);
  return root;
}

TEST(ConfigOverrides, PathThroughAReferenceCopiesItAndLeavesOtherUsers) {
  const ConfigNode root = overridden(kLoaders, {"test_dataloader.batch_size=1", "test_evaluator.classwise=true"});
  EXPECT_EQ(root.find_path("test_dataloader.batch_size")->as<int>(), 1);
  EXPECT_EQ(root.find_path("val_dataloader.batch_size")->as<int>(), 4);  // the referenced tree is untouched
  EXPECT_EQ(root.find_path("test_dataloader.dataset.type")->as<std::string>(), "Coco");
  EXPECT_TRUE(root.find_path("test_evaluator.classwise")->as<bool>());
  EXPECT_EQ(root.find_path("val_evaluator.classwise"), nullptr);
  EXPECT_EQ(root.find_path("test_evaluator.metric")->as<std::string>(), "bbox");
  // Provenance: the override's value and the copy's origin.
  EXPECT_EQ(root.find_path("test_dataloader.batch_size")->loc().str(), "<cfg-options test_dataloader.batch_size>");
  const std::string copied = root.find_path("test_dataloader")->loc().str();
  EXPECT_NE(copied.find("loaders.yaml:11, a copy of ${val_dataloader} made by --cfg-options test_dataloader.batch_size"),
            std::string::npos)
      << copied;
  DumpOptions with_provenance;
  with_provenance.provenance = true;
  const std::string text = dump_yaml(root, with_provenance);
  EXPECT_NE(text.find("batch_size: 1  # <cfg-options test_dataloader.batch_size>"), std::string::npos) << text;
}

TEST(ConfigOverrides, NestedReferenceInAListPath) {
  const ConfigNode root = overridden(kLoaders, {"train_dataloader.dataset.pipeline.2.scale=[640,640]"});
  EXPECT_EQ(root.find_path("train_dataloader.dataset.pipeline.2.scale")->as<std::vector<int>>(),
            std::vector<int>({640, 640}));
  EXPECT_EQ(root.find_path("train_pipeline.2.scale")->as<std::vector<int>>(), std::vector<int>({1333, 800}));
}

TEST(ConfigOverrides, MapValueMergesIntoACopyAndChainsAreFollowed) {
  const std::string yaml = std::string(kLoaders) + "a: ${b}\nb: ${test_dataloader}\n";
  const ConfigNode root = overridden(yaml, {"test_evaluator={classwise: true}", "a.batch_size=7"});
  EXPECT_EQ(root.find_path("test_evaluator.metric")->as<std::string>(), "bbox");  // merged, not replaced
  EXPECT_TRUE(root.find_path("test_evaluator.classwise")->as<bool>());
  EXPECT_EQ(root.find_path("a.batch_size")->as<int>(), 7);
  EXPECT_EQ(root.find_path("b.batch_size")->as<int>(), 4);
  EXPECT_EQ(root.find_path("a.dataset.type")->as<std::string>(), "Coco");
}

TEST(ConfigOverrides, ReplacingAReferenceWholeNeedsNoCopy) {
  const ConfigNode root = overridden(kLoaders, {"test_dataloader=null"});
  EXPECT_TRUE(root.find_path("test_dataloader")->is_null());
  EXPECT_EQ(root.find_path("val_dataloader.batch_size")->as<int>(), 4);
}

TEST(ConfigOverrides, ReferenceCyclesAndDanglingReferencesOnTheWay) {
  ConfigNode cyclic = parse_yaml_string("a: ${b}\nb: ${a}\n", "c.yaml");
  const std::string cycle = error_of([&] { apply_override(cyclic, "a.x=1"); });
  EXPECT_NE(cycle.find("reference cycle"), std::string::npos) << cycle;
  ConfigNode dangling = parse_yaml_string("a: ${nothing}\n", "d.yaml");
  const std::string msg = error_of([&] { apply_override(dangling, "a.x=1"); });
  EXPECT_NE(msg.find("'a' (d.yaml:1) is ${nothing}, which points at nothing"), std::string::npos) << msg;
}

TEST(ConfigOverrides, ReferencesResolveThroughReferencedPrefixes) {
  const ConfigNode root = overridden(std::string(kLoaders) + "bs: ${test_dataloader.batch_size}\n", {});
  EXPECT_EQ(root.at("bs").as<int>(), 4);
}

// mmengine's DictAction: comma lists, tuples, nesting; YAML for the elements.
TEST(ConfigOverrides, DictActionValueSyntax) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"a,b,c", "[a, b, c]"},
      {"1,2", "[1, 2]"},
      {"(1,2)", "[1, 2]"},
      {"\"(a,b)\"", "[a, b]"},
      {"'[1, 2]'", "[1, 2]"},
      {"[(1,2),(3,4)]", "[[1, 2], [3, 4]]"},
      {"[(1, 2, 3), [a, b], c]", "[[1, 2, 3], [a, b], c]"},
      {"a,", "[a]"},
      {"[]", "[]"},
      {"()", "[]"},
      {"[640,640]", "[640, 640]"},
      {"{type: SGD, lr: 0.1}", "{type: SGD, lr: 0.1}"},
      {"[{type: A}, {type: B, x: [1, 2]}]", "[{type: A}, {type: B, x: [1, 2]}]"},
      {"'a,b'", "'a,b'"},
      {"'12'", "'12'"},
      {"12", "12"},
      {"2e-4", "2e-4"},
      {"None", "null"},
      {"[None, 1]", "[null, 1]"},
      {"true", "true"},
      {"${env:HOME,x}", "${env:HOME,x}"},
  };
  for (const auto& [text, yaml] : cases) {
    const ConfigNode got = parse_override_value(text, "<cfg-options k>");
    const ConfigNode want = parse_yaml_string("v: " + yaml, "want").at("v");
    EXPECT_EQ(got, want) << text << " gave\n" << dump_yaml(got);
  }
  for (const std::string bad : {"[1,2", "(1,2]", "1,,2", "'abc"}) {
    const std::string msg = error_of([&] { parse_override_value(bad, "<cfg-options k>"); });
    EXPECT_NE(msg.find("<cfg-options k>: "), std::string::npos) << bad << ": " << msg;
    EXPECT_NE(msg.find("in the value '" + bad + "'"), std::string::npos) << msg;
  }
}

TEST(ConfigOverrides, DocumentedExamplesLoadOnEveryShippedConfig) {
  const auto overrides = test::documented_cfg_options();
  ASSERT_GE(overrides.size(), 6u) << "docs/config.md lost its --cfg-options examples";
  size_t configs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(DETSEQ_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml" || entry.path().string().find("_base_") != std::string::npos) continue;
    ++configs;
    for (const auto& o : overrides) {
      EXPECT_EQ(error_of([&] { load_config(entry.path().string(), {o}); }), "<no error>")
          << entry.path() << " --cfg-options " << o;
    }
    const Config cfg = load_config(entry.path().string(), {"test_dataloader.batch_size=1"});
    EXPECT_EQ(cfg.find("test_dataloader.batch_size")->as<int>(), 1) << entry.path();
    EXPECT_NE(cfg.find("val_dataloader.batch_size")->as<int>(), -1);
  }
  EXPECT_GE(configs, 10u);
}

TEST(ConfigOverrides, ExponentialReferencesAreCappedNamingTheKey) {
  std::string yaml;
  for (int level = 0; level < 30; ++level) {
    const std::string next = "'${k" + std::to_string(level + 1) + "}'";
    yaml += "k" + std::to_string(level) + ": [" + next + ", " + next + "]\n";
  }
  yaml += "k30: leaf\n";
  ConfigNode root = parse_yaml_string(yaml, "boom.yaml");
  const std::string msg = error_of([&] { resolve_references(root); });
  EXPECT_NE(msg.find("values copied through references"), std::string::npos) << msg;
  EXPECT_NE(msg.find("boom.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("${k"), std::string::npos) << msg;
  // Strings that double at every level are capped too.
  std::string strings;
  for (int level = 0; level < 40; ++level) {
    strings += "s" + std::to_string(level) + ": x${s" + std::to_string(level + 1) + "}${s" + std::to_string(level + 1) +
               "}\n";
  }
  strings += "s40: leaf\n";
  ConfigNode text_root = parse_yaml_string(strings, "strings.yaml");
  EXPECT_NE(error_of([&] { resolve_references(text_root); }).find("grows past 1 MiB"), std::string::npos);
}

TEST(ConfigOverrides, ReferencedTopLevelKeysAreRecorded) {
  ConfigNode root = parse_yaml_string(std::string(kLoaders) + "name: run-${unused_helper.x}\nunused_helper: {x: 1}\n",
                                      "r.yaml");
  const auto keys = resolve_references(root);
  EXPECT_EQ(keys, std::vector<std::string>({"train_pipeline", "unused_helper", "val_dataloader", "val_evaluator"}));
}

}  // namespace
}  // namespace detseq
