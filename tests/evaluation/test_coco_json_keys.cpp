// Root keys of COCO JSON files are compared as text: escapes are decoded, a repeated key is an
// error (it would silently replace or drop a list).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/evaluation/coco_json.h"
#include "core/util/error.h"

using namespace detseq;
namespace fs = std::filesystem;

namespace {

std::string write_json(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "detseq_test_eval_keys";
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return (dir / name).string();
}

std::string error_of_gt(const std::string& path) {
  try {
    coco::load_ground_truth(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

const std::string kImages = R"("images": [{"id": 1, "width": 10, "height": 10, "file_name": "a.jpg"}])";
const std::string kCategories = R"("categories": [{"id": 1, "name": "cat"}])";
const std::string kAnnotations = R"([{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}])";

}  // namespace

TEST(CocoJsonKeys, EscapedRootKeysAreDecoded) {
  const std::string path = write_json("escaped.json", "{" + kImages + ", \"annot\\u0061tions\": " + kAnnotations +
                                                          ", \"c\\u0061tegori\\u0065s\": [{\"id\": 1, \"name\": \"cat\"}]}");
  const CocoGroundTruth gt = coco::load_ground_truth(path);
  EXPECT_EQ(gt.annotations.size(), 1u);  // was 0: the escaped key was not recognised
  EXPECT_EQ(gt.categories.size(), 1u);
}

TEST(CocoJsonKeys, SurrogatePairsAndBadEscapes) {
  const std::string ok = write_json("pair.json", "{" + kImages + ", " + kCategories + ", \"\\ud83d\\ude00\": 1}");
  EXPECT_NO_THROW(coco::load_ground_truth(ok));
  const std::string bad = write_json("bad_escape.json", "{" + kImages + ", " + kCategories + ", \"a\\x\": 1}");
  const std::string msg = error_of_gt(bad);
  EXPECT_NE(msg.find(bad + ": malformed JSON at byte"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid escape in the root key"), std::string::npos) << msg;
}

TEST(CocoJsonKeys, RepeatedRootKeyIsAnError) {
  const std::string path = write_json("twice.json", "{" + kImages + ", " + kCategories + ", \"annotations\": " +
                                                        kAnnotations + ", \"annotations\": []}");
  const std::string msg = error_of_gt(path);
  EXPECT_NE(msg.find(path + ": malformed JSON at byte"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the root key 'annotations' appears twice"), std::string::npos) << msg;
  // The same key spelled two ways is the same key.
  const std::string spelled = write_json("spelled.json", "{" + kImages + ", " + kCategories +
                                                             ", \"im\\u0061ges\": []}");
  EXPECT_NE(error_of_gt(spelled).find("the root key 'images' appears twice"), std::string::npos) << error_of_gt(spelled);
}
