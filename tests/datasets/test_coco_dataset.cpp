// CocoDataset on the bundled coco_tiny8: labels, crowd handling, class selection, filters,
// ground truth as given, and every structural error of the JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/test_util.h"
#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "datasets/base/det_dataset.h"

using namespace detseq;
namespace fs = std::filesystem;

namespace {

const std::string kTiny = std::string(DETSEQ_TEST_DATA) + "/coco_tiny8/";

std::shared_ptr<Dataset> make(const std::string& extra, const std::string& ann = kTiny + "annotations/instances.json") {
  const std::string yaml = "type: CocoDataset\ndata_root: " + kTiny + "\nann_file: " + ann +
                           "\ndata_prefix: {img: images/}\npipeline: [{type: LoadImageFromFile}, {type: LoadAnnotations}]\n" + extra;
  return build<Dataset>(parse_yaml_string(yaml, "<test>"), "dataset");
}

std::string write_tmp(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "detseq_test_coco";
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return (dir / name).string();
}

using test::error_of;

}  // namespace

TEST(CocoDataset, LoadsTiny8WithLabelsAndCrowdIgnored) {
  auto ds = make("");
  ASSERT_EQ(ds->size(), 8u);
  const auto& meta = ds->metainfo();
  EXPECT_EQ(meta.classes.size(), 80u);  // all categories of the file, sorted by id
  EXPECT_EQ(meta.classes[0], "person");
  EXPECT_EQ(ds->label_to_category(0), 1);
  EXPECT_EQ(ds->label_to_category(79), 90);
  int64_t crowd = 0, boxes = 0, empty_images = 0;
  for (size_t i = 0; i < ds->size(); ++i) {
    Rng rng(1);
    auto s = ds->get(i, rng);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->image.scalar_type(), torch::kUInt8);
    EXPECT_EQ(s->image.size(0), s->meta.ori_height);
    crowd += s->instances.ignore.sum().item<int64_t>();
    boxes += s->instances.size();
    if (s->instances.size() == 0) ++empty_images;
    if (s->instances.size() > 0) {
      EXPECT_GE(s->instances.labels.min().item<int64_t>(), 0);
      EXPECT_LT(s->instances.labels.max().item<int64_t>(), 80);
    }
  }
  EXPECT_EQ(crowd, 1);
  EXPECT_EQ(boxes, 56);
  EXPECT_EQ(empty_images, 1);
  const auto& gt = ds->ground_truth();
  EXPECT_EQ(gt.images.size(), 8u);
  EXPECT_EQ(gt.annotations.size(), 56u);
  // COCO area kept as given (segmentation area, not the box area).
  const auto& a = gt.annotations[0];
  EXPECT_NE(a.area, a.bbox[2] * a.bbox[3]);
}

TEST(CocoDataset, ClassSubsetSelectsAndOrders) {
  auto ds = make("metainfo: {classes: [dog, person]}");
  EXPECT_EQ(ds->metainfo().classes, (std::vector<std::string>{"dog", "person"}));
  EXPECT_EQ(ds->label_to_category(0), 18);
  EXPECT_EQ(ds->label_to_category(1), 1);
  for (const auto& a : ds->ground_truth().annotations) EXPECT_TRUE(a.category_id == 18 || a.category_id == 1);
  EXPECT_EQ(ds->ground_truth().categories.size(), 2u);
  EXPECT_NE(error_of([] { make("metainfo: {classes: [persn]}"); }).find("did you mean 'person'"), std::string::npos);
}

TEST(CocoDataset, FilterEmptyAndMinSizeOnlyInTraining) {
  EXPECT_EQ(make("filter_empty_gt: true")->size(), 7u);
  EXPECT_EQ(make("filter_empty_gt: true\ntest_mode: true")->size(), 8u);
  EXPECT_EQ(make("min_size: 500")->size(), 1u);  // only one image has a short side >= 500
  EXPECT_NE(error_of([] { make("min_size: 100000"); }).find("no images left"), std::string::npos);
}

TEST(CocoDataset, StructuralErrorsAreOneLine) {
  const std::string img = "\"images\": [{\"id\": 1, \"file_name\": \"000000000030.jpg\", \"width\": 640, \"height\": 428}]";
  const std::string cats = "\"categories\": [{\"id\": 1, \"name\": \"person\"}]";
  auto bad = [&](const std::string& name, const std::string& text) {
    return error_of([&] { make("", write_tmp(name, text)); });
  };
  EXPECT_NE(bad("trunc.json", "{" + img + ", \"annotations\": [ {\"id\": 1,").find("malformed JSON"), std::string::npos);
  EXPECT_NE(bad("noimg.json", "{" + cats + "}").find("no 'images' list"), std::string::npos);
  EXPECT_NE(bad("wrongimg.json", "{" + img + ", " + cats +
                                     ", \"annotations\": [{\"id\": 7, \"image_id\": 99, \"category_id\": 1, \"bbox\": [1,2,3,4], \"area\": 12}]}")
                .find("annotation id 7 refers to image id 99"),
            std::string::npos);
  EXPECT_NE(bad("bbox.json", "{" + img + ", " + cats +
                                 ", \"annotations\": [{\"id\": 7, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1,2,3], \"area\": 12}]}")
                .find("annotations[0].bbox: expected 4 numbers [x, y, w, h], got 3"),
            std::string::npos);
  EXPECT_NE(bad("type.json", "{\"images\": [{\"id\": \"one\", \"file_name\": \"a.jpg\"}], " + cats + "}").find("images[0].id: expected a number"),
            std::string::npos);
  EXPECT_NE(error_of([] { make("", "/nonexistent/x.json"); }).find("annotation file not found"), std::string::npos);
  const std::string badcat = "{" + img + ", " + cats +
                             ", \"annotations\": [{\"id\": 7, \"image_id\": 1, \"category_id\": 5, \"bbox\": [1,2,3,4], \"area\": 12}]}";
  EXPECT_NE(bad("cat.json", badcat).find("category id 5, which is not in 'categories'"), std::string::npos);
  // skip mode: the image with the bad annotation is dropped and counted; nothing left -> error.
  EXPECT_NE(error_of([&] { make("on_bad_sample: skip", write_tmp("cat2.json", badcat)); }).find("no images left"),
            std::string::npos);
}

TEST(CocoDataset, MissingAndCorruptImagesErrorOrSkip) {
  const fs::path dir = fs::temp_directory_path() / "detseq_test_coco_img";
  fs::create_directories(dir / "images");
  fs::copy_file(kTiny + "images/000000000030.jpg", dir / "images/good.jpg", fs::copy_options::overwrite_existing);
  std::ofstream(dir / "images/corrupt.jpg") << "not a jpeg";
  const std::string json =
      "{\"images\": [{\"id\": 1, \"file_name\": \"good.jpg\", \"width\": 640, \"height\": 428},"
      "{\"id\": 2, \"file_name\": \"corrupt.jpg\", \"width\": 10, \"height\": 10},"
      "{\"id\": 3, \"file_name\": \"missing.jpg\", \"width\": 10, \"height\": 10}],"
      "\"annotations\": [], \"categories\": [{\"id\": 1, \"name\": \"person\"}]}";
  std::ofstream(dir / "ann.json") << json;
  auto build_ds = [&](const std::string& mode, bool test_mode) {
    const std::string yaml = "type: CocoDataset\ndata_root: " + dir.string() + "\nann_file: ann.json\ndata_prefix: {img: images/}\n" +
                             "on_bad_sample: " + mode + "\ntest_mode: " + (test_mode ? "true" : "false") +
                             "\npipeline: [{type: LoadImageFromFile}]\n";
    return std::dynamic_pointer_cast<DetDataset>(build<Dataset>(parse_yaml_string(yaml, "<test>"), "dataset"));
  };
  auto strict = build_ds("error", true);
  Rng rng(0);
  EXPECT_NE(error_of([&] { strict->get(1, rng); }).find("corrupt.jpg: cannot decode image"), std::string::npos);
  EXPECT_NE(error_of([&] { strict->get(2, rng); }).find("missing.jpg: image file not found"), std::string::npos);
  auto lenient_test = build_ds("skip", true);
  EXPECT_FALSE(lenient_test->get(1, rng));
  EXPECT_FALSE(lenient_test->get(2, rng));
  EXPECT_EQ(lenient_test->bad_sample_count(), 2);
  // Training: replaced by a good sample chosen deterministically from the sample's generator.
  auto lenient_train = build_ds("skip", false);
  Rng r1(5), r2(5);
  auto a = lenient_train->get(2, r1), b = lenient_train->get(2, r2);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->meta.image_id, 1);
  EXPECT_EQ(a->meta.image_id, b->meta.image_id);
}

TEST(CocoDataset, InstanceMasksFromPolygonsAndCrowdRleFitTheirBoxes) {
  const std::string yaml = "type: CocoDataset\ndata_root: " + kTiny +
                           "\nann_file: annotations/instances.json\ndata_prefix: {img: images/}\ntest_mode: true\n"
                           "pipeline: [{type: LoadImageFromFile}, {type: LoadAnnotations, with_mask: true}]\n";
  auto ds = build<Dataset>(parse_yaml_string(yaml, "<test>"), "dataset");
  int64_t instances = 0, crowd = 0;
  for (size_t i = 0; i < ds->size(); ++i) {
    Rng rng(0);
    const Sample s = *ds->get(i, rng);
    const Instances& inst = s.instances;
    ASSERT_TRUE(inst.masks.defined());
    ASSERT_EQ(inst.masks.size(0), inst.size());
    EXPECT_EQ(inst.masks.size(1), s.image.size(0));
    EXPECT_EQ(inst.masks.size(2), s.image.size(1));
    for (int64_t k = 0; k < inst.size(); ++k) {
      const torch::Tensor nz = inst.masks[k].nonzero();  // [M, 2] (y, x)
      ASSERT_GT(nz.size(0), 0) << s.meta.file_path << " instance " << k;
      const auto box = inst.boxes[k];
      EXPECT_NEAR(nz.select(1, 1).min().item<double>(), box[0].item<double>(), 3.0);
      EXPECT_NEAR(nz.select(1, 0).min().item<double>(), box[1].item<double>(), 3.0);
      EXPECT_NEAR(nz.select(1, 1).max().item<double>() + 1, box[2].item<double>(), 3.0);
      EXPECT_NEAR(nz.select(1, 0).max().item<double>() + 1, box[3].item<double>(), 3.0);
      ++instances, crowd += inst.ignore[k].item<bool>();
    }
  }
  EXPECT_EQ(instances, 56);
  EXPECT_EQ(crowd, 1);  // the crowd region is an uncompressed RLE
}

TEST(CocoDataset, MaskErrorsAreOneLine) {
  const std::string img = "\"images\": [{\"id\": 1, \"file_name\": \"000000000030.jpg\", \"width\": 640, \"height\": 428}]";
  const std::string cats = "\"categories\": [{\"id\": 1, \"name\": \"person\"}]";
  auto bad = [&](const std::string& name, const std::string& seg) {
    const std::string path = write_tmp(name, "{" + img + ", " + cats +
                                                 ", \"annotations\": [{\"id\": 7, \"image_id\": 1, \"category_id\": 1, "
                                                 "\"bbox\": [1,2,3,4], \"area\": 12, \"segmentation\": " + seg + "}]}");
    const std::string yaml = "type: CocoDataset\ndata_root: " + kTiny + "\nann_file: " + path +
                             "\ndata_prefix: {img: images/}\npipeline: [{type: LoadAnnotations, with_mask: true}]\n";
    return error_of([&] { build<Dataset>(parse_yaml_string(yaml, "<test>"), "dataset"); });
  };
  EXPECT_NE(bad("odd.json", "[[1, 2, 3, 4, 5]]").find("annotations[0].segmentation: a polygon needs an even number"),
            std::string::npos);
  EXPECT_NE(bad("rle.json", "{\"counts\": [5, 5], \"size\": [4, 4]}").find("RLE runs cover 10 pixels, size says 4x4"),
            std::string::npos);
  EXPECT_NE(bad("str.json", "{\"counts\": \"~~\", \"size\": [4, 4]}").find("invalid character"), std::string::npos);
}
