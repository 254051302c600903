// Value checks declared with the options of components that used to check them by hand: the error
// names the config path, what was expected and, for a misspelt choice, the closest one.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"
#include "core/interfaces/sequence.h"
#include "core/registry/registry.h"
#include "core/util/error.h"

namespace detseq {
namespace {

template <class Interface>
std::string build_error(const std::string& yaml, const std::string& path) {
  try {
    build<Interface>(parse_yaml_string(yaml, "<test>"), path);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(DeclaredRules, SamplingDecoding) {
  EXPECT_NE(build_error<Decoding>("{type: SamplingDecoding, top_p: 1.5}", "model.head.decoding")
                .find("model.head.decoding.top_p (<test>:1): expected a value in [0, 1], got 1.5"),
            std::string::npos);
  EXPECT_NE(build_error<Decoding>("{type: SamplingDecoding, top_p: 0}", "d").find("expected a value > 0"),
            std::string::npos);
  EXPECT_NE(build_error<Decoding>("{type: SamplingDecoding, top_p_rule: oficial}", "d").find("did you mean 'official'?"),
            std::string::npos);
  EXPECT_NE(build_error<Decoding>("{type: SamplingDecoding, top_k: -1}", "d").find("expected a value >= 0"),
            std::string::npos);
}

TEST(DeclaredRules, DatasetBadSamplePolicy) {
  const std::string ann = std::string(DETSEQ_SOURCE_DIR) + "/tests/data/coco_tiny8/annotations/instances.json";
  EXPECT_NE(build_error<Dataset>("{type: CocoDataset, ann_file: " + ann + ", on_bad_sample: skp}", "train.dataset")
                .find("train.dataset.on_bad_sample (<test>:1): expected one of error, skip, got skp — did you mean 'skip'?"),
            std::string::npos);
  EXPECT_NE(build_error<Dataset>("{type: CocoDataset, ann_file: " + ann + ", max_refetch: 0}", "train.dataset")
                .find("expected a value >= 1"),
            std::string::npos);
}

}  // namespace
}  // namespace detseq
