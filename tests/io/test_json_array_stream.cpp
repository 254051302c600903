// stream_json_arrays: the bounded-memory reader behind COCO annotation and results files. Tiny
// chunk and batch sizes force elements, strings and keys to straddle chunk and batch boundaries.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "core/io/json_array_stream.h"
#include "tests/test_util.h"

namespace detseq {
namespace {

using test::error_of;

std::string write_json(const std::string& name, const std::string& text) {
  const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

struct Collected {
  JsonRoot root;
  std::vector<std::string> items;  // "key:index:raw element"
  int batches = 0;
};

Collected collect(const std::string& path, std::vector<std::string> wanted, size_t chunk, size_t batch) {
  Collected c;
  c.root = stream_json_arrays(
      path, [&](std::string_view k) { return std::find(wanted.begin(), wanted.end(), k) != wanted.end(); },
      [&](JsonArrayBatch& b) {
        ++c.batches;
        size_t i = b.first_index;
        for (simdjson::dom::element item : b.items)
          c.items.push_back(std::string(b.key) + ":" + std::to_string(i++) + ":" + simdjson::minify(item));
      },
      JsonArrayStreamOptions{chunk, batch});
  return c;
}

const std::string kDoc = R"({"info": {"a": [1, {"b": "]}"}], "images": "x"},
 "images": [{"id": 1, "file_name": "a \"b\" [c], {d}.jpg"}, {"id": 2, "seg": [[1,2],[3,4]]}],
 "skip": [{"x": 1}],
 "annotations": [],
 "cats": [ 1 , "t,w]o" , [3] , {"k\\": "v"} , true, null ]
})";

TEST(JsonArrayStream, ElementsSurviveAnyChunkAndBatchSize) {
  const std::string path = write_json("doc.json", kDoc);
  const Collected ref = collect(path, {"images", "annotations", "cats"}, 1 << 20, 1 << 20);
  ASSERT_EQ(ref.items.size(), 8u);
  EXPECT_EQ(ref.items[0], R"(images:0:{"id":1,"file_name":"a \"b\" [c], {d}.jpg"})");
  EXPECT_EQ(ref.items[1], R"(images:1:{"id":2,"seg":[[1,2],[3,4]]})");
  EXPECT_EQ(ref.items[3], R"(cats:1:"t,w]o")");
  EXPECT_EQ(ref.items[5], R"(cats:3:{"k\\":"v"})");
  EXPECT_EQ(ref.items[7], "cats:5:null");
  EXPECT_EQ(ref.batches, 2);  // the empty 'annotations' list gives no batch
  EXPECT_TRUE(ref.root.is_object);
  EXPECT_EQ(ref.root.keys, (std::vector<std::string>{"info", "images", "skip", "annotations", "cats"}));
  for (size_t chunk : {1, 2, 3, 7, 64})
    for (size_t batch : {1, 5, 40}) {
      const Collected c = collect(path, {"images", "annotations", "cats"}, chunk, batch);
      EXPECT_EQ(c.items, ref.items) << "chunk " << chunk << " batch " << batch;
      if (batch == 1) {
        EXPECT_EQ(c.batches, 8);  // every element flushes its own batch
      }
    }
}

TEST(JsonArrayStream, RootListAndUnwantedMembers) {
  const Collected list = collect(write_json("list.json", " [ {\"a\": 1}, {\"a\": 2} ] \n"), {""}, 3, 1);
  EXPECT_FALSE(list.root.is_object);
  EXPECT_EQ(list.items, (std::vector<std::string>{":0:{\"a\":1}", ":1:{\"a\":2}"}));
  EXPECT_TRUE(collect(write_json("doc2.json", kDoc), {"nothing"}, 5, 5).items.empty());
}

TEST(JsonArrayStream, StructuralErrorsNameTheFileAndByte) {
  auto err = [](const std::string& name, const std::string& text, std::vector<std::string> wanted = {"a"}) {
    const std::string path = write_json(name, text);
    return error_of([&] { collect(path, wanted, 4, 16); });
  };
  EXPECT_NE(err("trunc.json", "{\"a\": [{\"x\": 1}, {\"x\":").find("trunc.json: malformed JSON at byte 22: truncated JSON"),
            std::string::npos);
  EXPECT_NE(err("unbal.json", "{\"a\": [1, 2}").find("unbalanced '}'"), std::string::npos);
  EXPECT_NE(err("notlist.json", "{\"a\": {\"x\": 1}}").find("'a' must be a list"), std::string::npos);
  EXPECT_NE(err("trail.json", "{\"a\": []} x").find("after the end of the document"), std::string::npos);
  EXPECT_NE(err("empty.json", "  ").find("empty file"), std::string::npos);
  EXPECT_NE(err("scalar.json", "42").find("expected a JSON object or list"), std::string::npos);
  EXPECT_NE(err("hole.json", "{\"a\": [1,,2]}").find("empty element in 'a'"), std::string::npos);
  EXPECT_NE(err("elem.json", "{\"a\": [1, 2, \"\xff\"]}").find("malformed JSON in 'a' between elements"),
            std::string::npos);
  EXPECT_NE(error_of([] { collect("/nonexistent/f.json", {}, 4, 4); }).find("cannot read JSON file '/nonexistent/f.json'"),
            std::string::npos);
}

}  // namespace
}  // namespace detseq
