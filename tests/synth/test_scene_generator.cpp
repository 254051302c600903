// The Fashion-MNIST scene generator (datasets/synth/): IDX reading and its errors, tight boxes and
// areas, the overlap/occlusion bounds, determinism independent of thread count, disjoint item
// pools, and the three output layouts read back by CocoDataset, VOCDataset and YoloDataset with
// identical boxes. Uses small IDX files written here (solid rectangles, so the expected boxes are
// known); the CLI tests at the end use Debian's dataset-fashion-mnist.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config/yaml_io.h"
#include "datasets/base/det_dataset.h"
#include "datasets/synth/fashion_mnist.h"
#include "datasets/synth/scene_dataset_writer.h"
#include "tests/test_util.h"

using namespace detseq;
using namespace detseq::synth;
namespace fs = std::filesystem;

namespace {

fs::path tmp(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("detseq_test_synth_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void write_gz(const fs::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_TRUE(f);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// n items: item i is a solid 255 rectangle (rows 4..23, cols 6..21) on 0; label i % 10.
struct FakeItems {
  IdxArray images, labels;
  explicit FakeItems(int64_t n) {
    images.dims = {n, 28, 28};
    images.data.assign(static_cast<size_t>(n * 784), 0);
    for (int64_t i = 0; i < n; ++i)
      for (int y = 4; y < 24; ++y)
        for (int x = 6; x < 22; ++x) images.data[static_cast<size_t>(i * 784 + y * 28 + x)] = 255;
    labels.dims = {n};
    for (int64_t i = 0; i < n; ++i) labels.data.push_back(static_cast<uint8_t>(i % 10));
  }
  ItemPool pool(int64_t begin, int64_t end) const { return {&images, &labels, begin, end}; }
};

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(IdxReader, ReadsGzipAndRejectsBadFiles) {
  const fs::path dir = tmp("idx");
  std::string good = std::string("\0\0\x08\x03", 4) + be32(2) + be32(2) + be32(3) + "abcdefghijkl";
  write_gz(dir / "good.gz", good);
  const IdxArray a = read_idx((dir / "good.gz").string());
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(a.item_size(), 6);
  EXPECT_EQ(std::string(a.data.begin(), a.data.end()), "abcdefghijkl");

  write_gz(dir / "short.gz", good.substr(0, good.size() - 3));
  EXPECT_NE(test::error_of([&] { read_idx((dir / "short.gz").string()); }).find("short.gz: truncated"), std::string::npos);
  write_gz(dir / "long.gz", good + "x");
  EXPECT_NE(test::error_of([&] { read_idx((dir / "long.gz").string()); }).find("past the size"), std::string::npos);
  write_gz(dir / "magic.gz", std::string("\1\0\x08\x01", 4) + be32(1) + "a");
  EXPECT_NE(test::error_of([&] { read_idx((dir / "magic.gz").string()); }).find("bad magic"), std::string::npos);
  write_gz(dir / "float.gz", std::string("\0\0\x0d\x01", 4) + be32(1) + "abcd");
  EXPECT_NE(test::error_of([&] { read_idx((dir / "float.gz").string()); }).find("not unsigned byte"), std::string::npos);
  // A header that declares 4 billion bytes is refused before anything is allocated.
  write_gz(dir / "huge.gz", std::string("\0\0\x08\x02", 4) + be32(65536) + be32(65536));
  EXPECT_NE(test::error_of([&] { read_idx((dir / "huge.gz").string()); }).find("more than 2 GiB"), std::string::npos);
  EXPECT_NE(test::error_of([&] { read_idx((dir / "none.gz").string()); }).find("none.gz: IDX file not found"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { load_fashion_mnist((dir / "nowhere").string()); }).find("dataset-fashion-mnist"),
            std::string::npos);
}

TEST(SceneGenerator, BoxesAreTightAndOverlapIsBounded) {
  const FakeItems items(50);
  SceneOptions o;
  o.size = 96, o.min_objects = 1, o.max_objects = 6, o.min_scale = 16, o.max_scale = 40;
  int64_t objects = 0;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    const Scene s = render_scene(items.pool(10, 30), o, seed);
    ASSERT_EQ(s.image.rows, 96);
    ASSERT_EQ(s.image.type(), CV_8UC3);
    ASSERT_GE(s.objects.size(), 1u);
    for (size_t i = 0; i < s.objects.size(); ++i) {
      const SceneObject& a = s.objects[i];
      ASSERT_TRUE(a.x0 >= 0 && a.y0 >= 0 && a.x1 <= 96 && a.y1 <= 96 && a.x0 < a.x1 && a.y0 < a.y1);
      ASSERT_TRUE(a.item_index >= 10 && a.item_index < 30) << "an item outside the split's pool";
      EXPECT_EQ(a.label, a.item_index % 10);
      // A solid item fills its box, so visible area / box area is what stays unoccluded.
      const double box_area = double(a.x1 - a.x0) * (a.y1 - a.y0);
      EXPECT_GE(a.area, o.min_visible * box_area - 4);
      EXPECT_LE(a.area, box_area);
      if (i + 1 == s.objects.size()) {
        // Fully visible, and the box tight: only the 4 corner pixels, which bilinear scaling
        // blends below the threshold, are missing from the mask.
        EXPECT_GE(a.area, box_area - 4) << "the top-most object's box is not tight";
      }
      for (size_t j = 0; j < i; ++j) {
        const SceneObject& b = s.objects[j];
        const double iw = std::max(0, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
        const double ih = std::max(0, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
        const double inter = iw * ih, uni = box_area + double(b.x1 - b.x0) * (b.y1 - b.y0) - inter;
        EXPECT_LE(inter / uni, o.max_iou + 1e-12);
      }
    }
    objects += static_cast<int64_t>(s.objects.size());
  }
  EXPECT_GT(objects, 60 * 2) << "placement rejects far too many objects";
  // The same seed gives the same bytes; another seed another scene.
  const Scene a = render_scene(items.pool(0, 50), o, 7), b = render_scene(items.pool(0, 50), o, 7);
  const Scene c = render_scene(items.pool(0, 50), o, 8);
  EXPECT_EQ(cv::norm(a.image, b.image, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(a.image, c.image, cv::NORM_INF), 0.0);
}

TEST(SceneGenerator, OptionsAreValidated) {
  SceneOptions o;
  o.max_scale = 300;
  EXPECT_NE(test::error_of([&] { o.validate(); }).find("--scale"), std::string::npos);
  o = SceneOptions{};
  o.min_objects = 3, o.max_objects = 2;
  EXPECT_NE(test::error_of([&] { o.validate(); }).find("--objects"), std::string::npos);
}

namespace {

DatasetWriteOptions write_options(const fs::path& out, const std::string& format) {
  DatasetWriteOptions o;
  o.out_dir = out.string();
  o.format = format;
  o.seed = 3;
  o.scene.size = 64, o.scene.min_objects = 1, o.scene.max_objects = 4, o.scene.min_scale = 12, o.scene.max_scale = 30;
  o.classes = fashion_mnist_classes();
  o.source_description = "fake items";
  return o;
}

std::shared_ptr<DetDataset> read_back(const std::string& yaml) {
  return std::dynamic_pointer_cast<DetDataset>(build<Dataset>(parse_yaml_string(yaml, "<test>"), "dataset"));
}

std::string class_list() {
  std::string s = "[";
  for (const auto& c : fashion_mnist_classes()) s += (s.size() > 1 ? ", \"" : "\"") + c + "\"";
  return s + "]";
}

}  // namespace

TEST(SceneDatasetWriter, SameFilesWithOneOrTwoThreads) {
  const FakeItems items(40);
  const std::vector<SplitSpec> splits = {{"train", 12, items.pool(0, 20)}, {"val", 5, items.pool(20, 40)}};
  const fs::path one = tmp("threads1"), two = tmp("threads2");
  tbb::task_arena(1).execute([&] { write_scene_dataset(write_options(one, "coco"), splits); });
  tbb::task_arena(2).execute([&] { write_scene_dataset(write_options(two, "coco"), splits); });
  int64_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(one)) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), one);
    EXPECT_EQ(file_bytes(e.path()), file_bytes(two / rel)) << rel;
    ++files;
  }
  EXPECT_EQ(files, 12 + 5 + 2 + 1);  // images, two JSON files, generation.json
}

TEST(SceneDatasetWriter, CocoVocAndYoloReadBackWithTheSameBoxes) {
  const FakeItems items(40);
  const std::vector<SplitSpec> splits = {{"train", 6, items.pool(0, 20)}, {"val", 4, items.pool(20, 40)}};
  const fs::path root = tmp("formats");
  for (const char* f : {"coco", "voc", "yolo"}) write_scene_dataset(write_options(root / f, f), splits);
  auto coco = read_back("type: CocoDataset\ndata_root: " + (root / "coco").string() +
                        "/\nann_file: annotations/instances_val.json\ndata_prefix: {img: val/}\ntest_mode: true");
  auto voc = read_back("type: VOCDataset\ndata_root: " + (root / "voc").string() +
                       "/\nann_file: ImageSets/Main/val.txt\ntest_mode: true\nmetainfo: {classes: " + class_list() + "}");
  auto yolo = read_back("type: YoloDataset\ndata_root: " + (root / "yolo").string() +
                        "/\nnames_file: classes.txt\ndata_prefix: {img: images/val/, ann: labels/val/}\ntest_mode: true");
  ASSERT_EQ(coco->size(), 4u);
  ASSERT_EQ(voc->size(), 4u);
  ASSERT_EQ(yolo->size(), 4u);
  EXPECT_EQ(coco->metainfo().classes, fashion_mnist_classes());
  for (size_t i = 0; i < 4; ++i) {
    const DetRecord &c = coco->record(i), &v = voc->record(i), &y = yolo->record(i);
    ASSERT_GT(c.num_instances(), 0u);
    EXPECT_EQ(c.labels, v.labels);
    EXPECT_EQ(c.labels, y.labels);
    ASSERT_EQ(c.boxes.size(), y.boxes.size());
    for (size_t k = 0; k < c.boxes.size(); ++k) {
      EXPECT_EQ(c.boxes[k], v.boxes[k]);
      EXPECT_NEAR(c.boxes[k], y.boxes[k], 1e-3);  // YOLO stores normalised centres with 6 decimals
    }
    EXPECT_EQ(fs::path(c.file_path).filename(), fs::path(v.file_path).filename());
  }
}

TEST(MakeDatasetCommand, RealFashionMnistReuseAndErrors) {
  const fs::path out = tmp("cli") / "scenes";
  const std::string base = "make-dataset fashion-mnist --out " + out.string() + " --train 3 --val 2 --size 64 --scale 16-32";
  auto r = test::run_detseq(base);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("train      3 images"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out / "annotations/instances_val.json"));
  EXPECT_TRUE(fs::exists(out / "val/val_000001.png"));
  EXPECT_FALSE(fs::exists(out / ".make-dataset-in-progress"));
  const std::string first = file_bytes(out / "train/train_000002.png");
  r = test::run_detseq(base);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("reusing it"), std::string::npos) << r.out;
  r = test::run_detseq(base + " --seed 5");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("pass --force"), std::string::npos) << r.out;
  r = test::run_detseq(base + " --seed 5 --force");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(file_bytes(out / "train/train_000002.png"), first);
  r = test::run_detseq("make-dataset fashion-mnist --out " + out.string() + "x --source /nonexistent");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("install Debian's package dataset-fashion-mnist"), std::string::npos) << r.out;
  r = test::run_detseq("make-dataset fashion-mnist --out " + out.string() + "x --objects 3-x");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("--objects must be N or LO-HI"), std::string::npos) << r.out;
}
