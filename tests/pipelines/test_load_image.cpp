// LoadImageFromFile on broken images: truncated or corrupt JPEGs are errors (libjpeg's warnings),
// a header declaring too many pixels is refused before decoding, and a dataset with
// on_bad_sample: skip counts such samples instead of training on them.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>

#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"
#include "datasets/base/det_dataset.h"
#include "pipelines/common/image_size.h"
#include "tests/test_util.h"

using namespace detseq;
namespace fs = std::filesystem;
using test::error_of;

namespace {

const std::string kImages = std::string(DETSEQ_TEST_DATA) + "/coco_tiny8/images/";

std::shared_ptr<Transform> loader(const std::string& extra = "") {
  return build<Transform>(parse_yaml_string("type: LoadImageFromFile\n" + extra, "<test>"), "pipeline.0");
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

fs::path temp_dir(const std::string& tag) {
  const fs::path d = fs::temp_directory_path() / ("detseq_load_image_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

torch::Tensor load(const std::shared_ptr<Transform>& t, const std::string& path) {
  Sample s;
  s.meta.file_path = path;
  Rng rng(0);
  t->apply(s, rng);
  return s.image;
}

}  // namespace

TEST(LoadImage, IntactJpegMatchesOpenCv) {
  const std::string path = kImages + "000000000030.jpg";
  const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  const torch::Tensor ours = load(loader(), path);
  ASSERT_EQ(ours.size(0), rgb.rows);
  ASSERT_EQ(ours.size(1), rgb.cols);
  const torch::Tensor ref = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8);
  EXPECT_TRUE(torch::equal(ours, ref));  // the same libjpeg with the same settings
  const torch::Tensor as_bgr = load(loader("channel_order: bgr"), path);
  EXPECT_TRUE(torch::equal(as_bgr.flip(2), ours));
  const torch::Tensor gray = load(loader("color_type: grayscale"), path);
  EXPECT_TRUE(torch::equal(gray.select(2, 0), gray.select(2, 2)));
}

// An EXIF orientation is applied as OpenCV applies it (the loader used cv::imread before).
TEST(LoadImage, ExifOrientationMatchesOpenCv) {
  cv::Mat gradient(6, 10, CV_8UC3);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 10; ++x) gradient.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(25 * x), uchar(40 * y), 128);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", gradient, jpeg, {cv::IMWRITE_JPEG_QUALITY, 100});
  const fs::path dir = temp_dir("exif");
  for (const int orientation : {1, 3, 6, 8}) {
    // APP1: "Exif\0\0", little-endian TIFF header, one IFD entry 0x0112 (SHORT) = orientation.
    std::string app1 = std::string("Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0", 24) +
                       char(orientation) + std::string(7, '\0');
    const size_t len = app1.size() + 2;
    std::string bytes(jpeg.begin(), jpeg.begin() + 2);
    bytes += std::string("\xFF\xE1", 2) + char(len >> 8) + char(len & 0xFF) + app1;
    bytes.append(jpeg.begin() + 2, jpeg.end());
    const std::string path = write_file(dir / ("o" + std::to_string(orientation) + ".jpg"), bytes);
    cv::Mat ref = cv::imread(path, cv::IMREAD_COLOR);
    ASSERT_EQ(ref.rows, orientation >= 5 ? 10 : 6) << "OpenCV did not see the EXIF tag";
    cv::cvtColor(ref, ref, cv::COLOR_BGR2RGB);
    const torch::Tensor ours = load(loader(), path);
    ASSERT_EQ(ours.size(0), ref.rows) << orientation;
    ASSERT_EQ(ours.size(1), ref.cols) << orientation;
    EXPECT_TRUE(torch::equal(ours, torch::from_blob(ref.data, {ref.rows, ref.cols, 3}, torch::kUInt8))) << orientation;
  }
}

TEST(LoadImage, TruncatedJpegIsAnError) {
  const fs::path dir = temp_dir("trunc");
  const std::string bytes = read_all(kImages + "000000000030.jpg");
  const std::string path = write_file(dir / "cut.jpg", bytes.substr(0, bytes.size() * 6 / 10));
  const cv::Mat opencv = cv::imread(path);  // OpenCV only warns and returns the grey-filled image
  EXPECT_FALSE(opencv.empty());
  const std::string msg = error_of([&] { load(loader(), path); });
  EXPECT_EQ(msg, path + ": corrupt JPEG: Premature end of JPEG file");
}

TEST(LoadImage, CorruptJpegDataIsAnError) {
  const fs::path dir = temp_dir("corrupt");
  std::string bytes = read_all(kImages + "000000000072.jpg");
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bytes[i] = '\xFF';  // markers in the scan data
  const std::string path = write_file(dir / "bad.jpg", bytes);
  const std::string msg = error_of([&] { load(loader(), path); });
  EXPECT_EQ(msg.rfind(path + ": corrupt JPEG: ", 0), 0u) << msg;
}

TEST(LoadImage, HugeDeclaredSizeIsRefusedBeforeDecoding) {
  const fs::path dir = temp_dir("huge");
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), png);
  std::string bytes(png.begin(), png.end());
  for (int i = 0; i < 2; ++i) {  // IHDR width and height: 16000 = 0x3E80
    bytes[16 + 4 * i] = 0, bytes[17 + 4 * i] = 0, bytes[18 + 4 * i] = '\x3E', bytes[19 + 4 * i] = '\x80';
  }
  const std::string path = write_file(dir / "huge.png", bytes);
  const auto header = read_image_header(bytes);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->width, 16000);
  EXPECT_EQ(error_of([&] { load(loader(), path); }),
            path + ": image header declares 16000x16000 pixels, more than max_pixels 50000000 (raise "
                   "LoadImageFromFile's max_pixels if such images are intended)");
  // A JPEG over the limit is refused too (the limit is the user's to set).
  const std::string jpeg = kImages + "000000000030.jpg";
  EXPECT_NE(error_of([&] { load(loader("max_pixels: 1000"), jpeg); }).find("more than max_pixels 1000"), std::string::npos);
  EXPECT_NE(error_of([] { loader("max_pixels: -1"); }).find("pipeline.0.max_pixels (<test>:2): expected a value >= 0, got -1"), std::string::npos);
}

TEST(LoadImage, TruncatedPngIsAnError) {
  const fs::path dir = temp_dir("png");
  std::vector<uchar> png;
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  cv::imencode(".png", noise, png);
  const std::string path = write_file(dir / "cut.png", std::string(png.begin(), png.begin() + png.size() / 2));
  EXPECT_NE(error_of([&] { load(loader(), path); }).find(path + ": cannot decode image"), std::string::npos);
}

TEST(LoadImage, DatasetSkipsAndCountsTruncatedImages) {
  const fs::path dir = temp_dir("dataset");
  fs::copy(std::string(DETSEQ_TEST_DATA) + "/coco_tiny8", dir / "coco", fs::copy_options::recursive);
  const fs::path cut = dir / "coco/images/000000000030.jpg";
  const std::string bytes = read_all(cut.string());
  write_file(cut, bytes.substr(0, bytes.size() / 2));
  const std::string yaml = "type: CocoDataset\ndata_root: " + (dir / "coco").string() +
                           "\nann_file: annotations/instances.json\ndata_prefix: {img: images/}\n"
                           "pipeline: [{type: LoadImageFromFile}]\ntest_mode: true\n";
  auto strict = build<Dataset>(parse_yaml_string(yaml, "<test>"), "dataset");
  std::string msg;
  for (size_t i = 0; i < strict->size() && msg.empty(); ++i) {
    Rng rng(0);
    msg = error_of([&] { strict->get(i, rng); });
    if (msg == "<no error>") msg.clear();
  }
  EXPECT_NE(msg.find(cut.string() + ": corrupt JPEG: Premature end of JPEG file (set on_bad_sample: skip"), std::string::npos) << msg;

  auto skipping = build<Dataset>(parse_yaml_string(yaml + "on_bad_sample: skip\n", "<test>"), "dataset");
  size_t loaded = 0;
  for (size_t i = 0; i < skipping->size(); ++i) {
    Rng rng(0);
    if (skipping->get(i, rng)) ++loaded;
  }
  EXPECT_EQ(loaded, skipping->size() - 1);
  EXPECT_EQ(std::dynamic_pointer_cast<DetDataset>(skipping)->bad_sample_count(), 1);
}
