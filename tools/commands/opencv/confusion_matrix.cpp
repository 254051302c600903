// detseq confusion-matrix GT.json RESULTS.json --out D [--score-thr 0.3] [--tp-iou-thr 0.5]
//                         [--nms-iou-thr T]
// mmdetection's tools/analysis_tools/confusion_matrix.py on COCO files (the annotation file and a
// results file, e.g. from `detseq test CONFIG CKPT --out results.json`): writes
// D/confusion_matrix.png (row-normalised percentages) and D/confusion_matrix.csv (counts).
#include <cstdio>
#include <filesystem>

#include "core/evaluation/coco_json.h"
#include "core/evaluation/confusion_matrix.h"
#include "core/io/atomic_file.h"
#include "core/util/error.h"
#include "core/visualization/confusion_plot.h"
#include "core/visualization/draw.h"
#include "tools/command.h"

namespace fs = std::filesystem;

namespace detseq::cli {
namespace {

struct Options {
  std::string gt, results, out;
  coco::ConfusionOptions matrix;
  double nms_iou_thr = -1;
};

int run(Options o) {
  if (o.nms_iou_thr >= 0) o.matrix.nms_iou_thr = o.nms_iou_thr;
  const CocoGroundTruth gt = coco::load_ground_truth(o.gt);
  const auto results = coco::load_results(o.results);
  const coco::ConfusionMatrix cm = coco::confusion_matrix(gt, results, o.matrix);
  fs::create_directories(o.out);
  const std::string png = (fs::path(o.out) / "confusion_matrix.png").string();
  const std::string csv = (fs::path(o.out) / "confusion_matrix.csv").string();
  vis::save_image(png, vis::draw_confusion_matrix(cm));
  io::write_file_atomic(csv, cm.to_csv());
  int64_t total = 0;
  for (const auto& row : cm.counts)
    for (int64_t c : row) total += c;
  std::printf("%zu images, %zu annotations, %zu detections; %zu classes + background, %lld entries (score >= %g, "
              "IoU >= %g%s)\nwrote %s and %s\n",
              gt.images.size(), gt.annotations.size(), results.size(), cm.labels.size() - 1,
              static_cast<long long>(total), o.matrix.score_thr, o.matrix.tp_iou_thr,
              o.matrix.nms_iou_thr ? (", NMS IoU " + std::to_string(*o.matrix.nms_iou_thr)).c_str() : "",
              png.c_str(), csv.c_str());
  return 0;
}

}  // namespace

DETSEQ_COMMAND("confusion-matrix",
               "confusion matrix of a COCO results file (PNG, row-normalised, and CSV counts; mmdet confusion_matrix.py)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("gt", o->gt, "COCO annotation file")->required()->check(CLI::ExistingFile);
                 app.add_option("results", o->results, "COCO results file (detseq test --out results.json)")
                     ->required()
                     ->check(CLI::ExistingFile);
                 app.add_option("--out", o->out, "folder for confusion_matrix.png and confusion_matrix.csv")
                     ->required();
                 app.add_option("--score-thr", o->matrix.score_thr, "predictions below this score are ignored")
                     ->check(CLI::Range(0.0, 1.0))
                     ->capture_default_str();
                 app.add_option("--tp-iou-thr", o->matrix.tp_iou_thr, "IoU at which a prediction hits a box")
                     ->check(CLI::Range(0.0, 1.0))
                     ->capture_default_str();
                 app.add_option("--nms-iou-thr", o->nms_iou_thr, "per-class NMS of each image's predictions first")
                     ->check(CLI::Range(0.0, 1.0));
                 return [o] { return run(*o); };
               });

}  // namespace detseq::cli
