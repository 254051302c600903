// VOCDataset and YoloDataset read coco_tiny8 converted at test time (XML / txt written from the
// COCO dataset's records) and must yield the same boxes and labels; malformed files give one-line
// errors, or are skipped and counted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/test_util.h"
#include "core/config/yaml_io.h"
#include "core/util/error.h"
#include "datasets/base/det_dataset.h"
#include "datasets/voc/xml_reader.h"

using namespace detseq;
namespace fs = std::filesystem;

namespace {

const std::string kTiny = std::string(DETSEQ_TEST_DATA) + "/coco_tiny8/";

std::shared_ptr<DetDataset> build_ds(const std::string& yaml) {
  return std::dynamic_pointer_cast<DetDataset>(build<Dataset>(parse_yaml_string(yaml, "<test>"), "dataset"));
}

std::shared_ptr<DetDataset> coco() {
  return build_ds("type: CocoDataset\ndata_root: " + kTiny + "\nann_file: annotations/instances.json\ndata_prefix: {img: images/}");
}

std::string classes_yaml(const DatasetMeta& m) {
  std::string s = "[";
  for (size_t i = 0; i < m.classes.size(); ++i) s += (i ? ", \"" : "\"") + m.classes[i] + "\"";
  return s + "]";
}

using test::error_of;

// Writes coco_tiny8 as VOC (root/VOC/...) and YOLO (root/yolo/...) folders.
fs::path convert() {
  const fs::path root = fs::temp_directory_path() / "detseq_test_voc_yolo";
  fs::remove_all(root);
  auto ds = coco();
  const auto& classes = ds->metainfo().classes;
  fs::create_directories(root / "VOC/Annotations");
  fs::create_directories(root / "VOC/ImageSets/Main");
  fs::create_directories(root / "yolo/labels");
  fs::create_directory_symlink(fs::absolute(kTiny + "images"), root / "VOC/JPEGImages");
  fs::create_directory_symlink(fs::absolute(kTiny + "images"), root / "yolo/images");
  std::ofstream list(root / "VOC/ImageSets/Main/train.txt");
  std::ofstream names(root / "yolo/names.txt");
  for (const auto& c : classes) names << c << "\n";
  for (size_t i = 0; i < ds->size(); ++i) {
    const DetRecord& r = ds->record(i);
    const std::string stem = fs::path(r.file_name).stem().string();
    list << stem << "\n";
    std::ofstream xml(root / "VOC/Annotations" / (stem + ".xml"));
    xml << "<?xml version=\"1.0\"?>\n<annotation>\n  <filename>" << r.file_name << "</filename>\n  <size><width>" << r.width
        << "</width><height>" << r.height << "</height><depth>3</depth></size>\n";
    std::ofstream txt(root / "yolo/labels" / (stem + ".txt"));
    txt.precision(10);
    for (size_t k = 0; k < r.num_instances(); ++k) {
      const float* b = &r.boxes[4 * k];
      xml << "  <object><name>" << classes[r.labels[k]] << "</name><difficult>" << int(r.ignore[k])
          << "</difficult><bndbox><xmin>" << b[0] << "</xmin><ymin>" << b[1] << "</ymin><xmax>" << b[2]
          << "</xmax><ymax>" << b[3] << "</ymax></bndbox></object>\n";
      if (r.ignore[k]) continue;  // YOLO has no crowd notion
      txt << r.labels[k] << " " << (b[0] + b[2]) / 2 / r.width << " " << (b[1] + b[3]) / 2 / r.height << " "
          << (b[2] - b[0]) / r.width << " " << (b[3] - b[1]) / r.height << "\n";
    }
    xml << "</annotation>\n";
  }
  return root;
}

}  // namespace

TEST(VOCDataset, MatchesCocoAfterConversion) {
  const fs::path root = convert();
  auto ref = coco();
  auto voc = build_ds("type: VOCDataset\ndata_root: " + (root / "VOC").string() +
                      "\nann_file: ImageSets/Main/train.txt\nmetainfo: {classes: " + classes_yaml(ref->metainfo()) +
                      "}\npipeline: [{type: LoadImageFromFile}]");
  ASSERT_EQ(voc->size(), ref->size());
  for (size_t i = 0; i < ref->size(); ++i) {
    Rng rng(0);
    auto s = voc->get(i, rng);
    ASSERT_TRUE(s);
    Sample r = ref->raw_sample(i);
    EXPECT_EQ(s->image.size(0), r.meta.ori_height);
    EXPECT_TRUE(torch::allclose(s->instances.boxes, r.instances.boxes, 1e-3, 1e-3));
    EXPECT_TRUE(torch::equal(s->instances.labels, r.instances.labels));
    EXPECT_TRUE(torch::equal(s->instances.ignore, r.instances.ignore));  // difficult <-> crowd
  }
  // Ground truth converted on the fly: box area, 1-based category ids per label.
  const auto& gt = voc->ground_truth();
  EXPECT_EQ(gt.annotations.size(), 56u);
  EXPECT_NEAR(gt.annotations[0].area, gt.annotations[0].bbox[2] * gt.annotations[0].bbox[3], 1e-2);
  EXPECT_EQ(voc->label_to_category(0), 1);
  // VOC has no instance outlines: asking for masks is a config error, never empty masks.
  const std::string masks = "type: VOCDataset\ndata_root: " + (root / "VOC").string() +
                            "\nann_file: ImageSets/Main/train.txt\npipeline: [{type: LoadAnnotations, with_mask: true}]";
  EXPECT_NE(error_of([&] { build_ds(masks); }).find("has none (only CocoDataset reads 'segmentation')"), std::string::npos);
}

TEST(VOCDataset, MalformedXmlErrorsOrSkips) {
  const fs::path root = convert();
  const fs::path bad = root / "VOC/Annotations/000000000030.xml";
  std::ofstream(bad) << "<annotation><size><width>640</width><height>abc</height></size></annotation>";
  std::ofstream(root / "VOC/Annotations/000000000072.xml") << "<annotation>\n<size><width>1</width></size>\n<object></annotation>";
  const std::string base = "type: VOCDataset\ndata_root: " + (root / "VOC").string() + "\nann_file: ImageSets/Main/train.txt\n";
  const std::string msg = error_of([&] { build_ds(base); });
  EXPECT_NE(msg.find("000000000030.xml:1: <height> must be a number, got 'abc'"), std::string::npos) << msg;
  auto skipped = build_ds(base + "on_bad_sample: skip");
  EXPECT_EQ(skipped->size(), 6u);
  EXPECT_EQ(skipped->bad_sample_count(), 2);
}

TEST(YoloDataset, MatchesCocoAfterConversion) {
  const fs::path root = convert();
  auto ref = coco();
  auto yolo = build_ds("type: YoloDataset\ndata_root: " + (root / "yolo").string() + "\nnames_file: names.txt");
  ASSERT_EQ(yolo->size(), ref->size());
  EXPECT_EQ(yolo->metainfo().classes, ref->metainfo().classes);
  for (size_t i = 0; i < ref->size(); ++i) {
    Sample s = yolo->raw_sample(i);
    Instances r = ref->raw_sample(i).instances.targets();
    EXPECT_EQ(s.meta.ori_width, ref->record(i).width);  // from the JPEG header
    EXPECT_EQ(s.meta.ori_height, ref->record(i).height);
    EXPECT_TRUE(torch::allclose(s.instances.boxes, r.boxes, 1e-3, 1e-2));
    EXPECT_TRUE(torch::equal(s.instances.labels, r.labels));
  }
}

TEST(YoloDataset, MalformedLabelsErrorOrSkip) {
  const fs::path root = convert();
  std::ofstream(root / "yolo/labels/000000000030.txt") << "0 0.5 0.5 0.1 0.1\n3 0.5 0.5\n";
  std::ofstream(root / "yolo/labels/000000000072.txt") << "99 0.5 0.5 0.1 0.1\n";
  std::ofstream(root / "yolo/labels/000000000086.txt") << "1 1.5 0.5 0.1 0.1\n";
  const std::string base = "type: YoloDataset\ndata_root: " + (root / "yolo").string() + "\nnames_file: names.txt\n";
  const std::string msg = error_of([&] { build_ds(base); });
  EXPECT_NE(msg.find("000000000030.txt:2: expected 'class cx cy w h'"), std::string::npos) << msg;
  auto skipped = build_ds(base + "on_bad_sample: skip");
  EXPECT_EQ(skipped->size(), 5u);
  EXPECT_EQ(skipped->bad_sample_count(), 3);
  EXPECT_NE(error_of([&] { build_ds("type: YoloDataset\ndata_root: " + (root / "yolo").string()); }).find("no class names"),
            std::string::npos);
  EXPECT_NE(error_of([&] { build_ds(base + "data_prefix: {img: nothere/}"); }).find("image folder not found"), std::string::npos);
}
