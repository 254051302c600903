// detseq make-dataset fashion-mnist --out DIR [--train N] [--val M] [--test K] [--size S]
//   [--objects LO-HI] [--scale LO-HI] [--seed S] [--format coco|voc|yolo] [--image-format png|jpg]
// Builds a detection data set from Fashion-MNIST items (Debian's dataset-fashion-mnist): train
// scenes use only the 60k train items, val scenes only t10k items 0-4999 and test scenes only t10k
// items 5000-9999, so val/test AP measures detection of objects the model never saw.
// Rerunning with the same options reuses a finished data set; an interrupted one is regenerated.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.h"
#include "datasets/synth/fashion_mnist.h"
#include "datasets/synth/scene_dataset_writer.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {
namespace fs = std::filesystem;

constexpr const char* kInProgress = ".make-dataset-in-progress";

struct Options {
  std::string out, source = synth::kFashionMnistDefaultDir, objects = "1-8", scale = "24-128", clutter = "3-10";
  int64_t train = 2000, val = 200, test = 0;
  synth::DatasetWriteOptions write;
  bool force = false;
};

void parse_range(const std::string& text, const char* flag, int& lo, int& hi) {
  const size_t dash = text.find('-');
  try {
    size_t used_lo = 0, used_hi = 0;
    if (dash == std::string::npos) {
      lo = hi = std::stoi(text, &used_lo);
      if (used_lo != text.size()) throw std::invalid_argument(text);
      return;
    }
    const std::string a = text.substr(0, dash), b = text.substr(dash + 1);
    lo = std::stoi(a, &used_lo);
    hi = std::stoi(b, &used_hi);
    if (used_lo != a.size() || used_hi != b.size()) throw std::invalid_argument(text);
  } catch (const std::logic_error&) {
    throw Error(std::string(flag) + " must be N or LO-HI (e.g. 1-8), got '" + text + "'");
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(Options o) {
  synth::SceneOptions& scene = o.write.scene;
  parse_range(o.objects, "--objects", scene.min_objects, scene.max_objects);
  parse_range(o.scale, "--scale", scene.min_scale, scene.max_scale);
  parse_range(o.clutter, "--clutter", scene.min_clutter, scene.max_clutter);
  scene.validate();
  if (o.train < 0 || o.val < 0 || o.test < 0) throw Error("--train, --val and --test must be >= 0");
  if (o.train + o.val + o.test == 0) throw Error("nothing to make: --train, --val and --test are all 0");
  o.write.out_dir = o.out;
  o.write.classes = synth::fashion_mnist_classes();
  o.write.source_description = "Fashion-MNIST (Zalando Research, MIT licence), " + o.source;

  const synth::FashionMnist fm = synth::load_fashion_mnist(o.source);
  const int64_t half = fm.test_images.count() / 2;
  const std::vector<synth::SplitSpec> splits = {
      {"train", o.train, {&fm.train_images, &fm.train_labels, 0, fm.train_images.count()}},
      {"val", o.val, {&fm.test_images, &fm.test_labels, 0, half}},
      {"test", o.test, {&fm.test_images, &fm.test_labels, half, fm.test_images.count()}}};

  const std::string record_path = o.out + "/generation.json", marker = o.out + "/" + kInProgress;
  const std::string record = synth::generation_record(o.write, splits);
  if (fs::exists(record_path) && !o.force) {
    if (read_text(record_path) == record) {
      std::printf("make-dataset: %s already holds this data set (same options); reusing it (--force regenerates)\n",
                  o.out.c_str());
      return 0;
    }
    throw Error(record_path + ": " + o.out + " holds a data set made with other options — pass --force to "
                "replace it, or choose another --out");
  }
  if (fs::exists(o.out) && !fs::is_directory(o.out)) throw Error(o.out + ": --out exists and is not a folder");
  if (fs::is_directory(o.out) && !fs::is_empty(o.out) && !fs::exists(marker) && !fs::exists(record_path) && !o.force)
    throw Error(o.out + ": the folder is not empty and was not made by make-dataset — choose another --out or pass --force");
  if (fs::exists(record_path) || fs::exists(marker)) {
    // Our own earlier output: clear it, so a smaller new set leaves no stale images behind.
    for (const char* entry : {"train", "val", "test", "annotations", "JPEGImages", "Annotations", "ImageSets", "images",
                              "labels", "classes.txt", "generation.json"})
      fs::remove_all(o.out + "/" + entry);
  }
  fs::create_directories(o.out);
  { std::ofstream(marker) << "make-dataset was interrupted here; rerun it to regenerate\n"; }

  const auto summaries = synth::write_scene_dataset(o.write, splits);
  fs::remove(marker);
  std::printf("make-dataset: Fashion-MNIST scenes (%d px, %d-%d objects, %s) in %s\n", scene.size, scene.min_objects,
              scene.max_objects, o.write.format.c_str(), o.out.c_str());
  for (const auto& s : summaries) {
    std::printf("  %-5s %6lld images %7lld objects  annotations %s\n", s.name.c_str(), static_cast<long long>(s.images),
                static_cast<long long>(s.objects), s.annotations.c_str());
  }
  return 0;
}

}  // namespace

DETSEQ_SUBCOMMAND("make-dataset", "fashion-mnist",
                  "detection scenes from Fashion-MNIST items (train items for train, unseen t10k items for val/test)",
                  [](CLI::App& app) {
                    auto o = std::make_shared<Options>();
                    app.add_option("--out", o->out, "output folder")->required();
                    app.add_option("--train", o->train, "train scenes (Fashion-MNIST train items)")->capture_default_str();
                    app.add_option("--val", o->val, "val scenes (t10k items 0-4999)")->capture_default_str();
                    app.add_option("--test", o->test, "test scenes (t10k items 5000-9999)")->capture_default_str();
                    app.add_option("--size", o->write.scene.size, "canvas side in px")->capture_default_str();
                    app.add_option("--objects", o->objects, "objects per scene, N or LO-HI")->capture_default_str();
                    app.add_option("--scale", o->scale, "item side in px, LO-HI")->capture_default_str();
                    app.add_option("--seed", o->write.seed, "random seed (same seed, same bytes)")->capture_default_str();
                    app.add_option("--format", o->write.format, "coco | voc | yolo")->capture_default_str();
                    app.add_option("--image-format", o->write.image_format, "png | jpg")->capture_default_str();
                    app.add_option("--max-iou", o->write.scene.max_iou, "largest IoU between two objects' boxes")
                        ->capture_default_str();
                    app.add_option("--min-visible", o->write.scene.min_visible,
                                   "fraction of each object that stays visible under later ones")
                        ->capture_default_str();
                    app.add_option("--noise", o->write.scene.noise, "per-pixel noise amplitude (grey levels)")
                        ->capture_default_str();
                    app.add_option("--clutter", o->clutter, "background clutter shapes, LO-HI")->capture_default_str();
                    app.add_option("--source", o->source, "folder with the Fashion-MNIST IDX .gz files")
                        ->capture_default_str();
                    app.add_flag("--force", o->force, "replace an existing data set in --out");
                    return [o] { return run(*o); };
                  });

}  // namespace detseq::cli
