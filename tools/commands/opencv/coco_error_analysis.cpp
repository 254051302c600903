// detseq coco-error-analysis GT.json RESULTS.json --out D
// cocoapi's analyze() as mmdetection's tools/analysis_tools/coco_error_analysis.py runs it
// (core/evaluation/error_analysis.*): D/bbox/bbox-<class>-<area>.png for every category and
// D/bbox/bbox-allclass-<area>.png, areas allarea, small, medium, large; the all-class numbers are
// printed.
#include <cstdio>
#include <filesystem>

#include "core/evaluation/coco_json.h"
#include "core/evaluation/error_analysis.h"
#include "core/util/error.h"
#include "core/visualization/draw.h"
#include "core/visualization/error_breakdown_plot.h"
#include "tools/command.h"

namespace fs = std::filesystem;

namespace detseq::cli {
namespace {

struct Options {
  std::string gt, results, out;
};

const char* kAreaNames[] = {"allarea", "small", "medium", "large"};

// mmdet writes class names as they are; a '/' would make a folder.
std::string file_safe(std::string s) {
  for (char& c : s)
    if (c == '/' || c == '\\') c = '_';
  return s;
}

int run(const Options& o) {
  const CocoGroundTruth gt = coco::load_ground_truth(o.gt);
  const auto results = coco::load_results(o.results);
  const coco::ErrorBreakdown b = coco::analyze_errors(gt, results, coco::load_supercategories(o.gt));
  const fs::path dir = fs::path(o.out) / "bbox";
  fs::create_directories(dir);
  const auto& names = coco::error_type_names();
  int64_t written = 0;
  auto plot = [&](int64_t k, const std::string& class_name) {
    for (size_t a = 0; a < b.area_ranges.size() && a < 4; ++a) {
      std::vector<std::vector<double>> curves;
      std::vector<double> means;
      for (int t = 0; t < coco::kErrorTypes; ++t) {
        curves.push_back(b.curve(t, k, static_cast<int64_t>(a)));
        means.push_back(b.mean(t, k, static_cast<int64_t>(a)));
      }
      const std::string title = "bbox-" + class_name + "-" + kAreaNames[a];
      vis::save_image((dir / (file_safe(title) + ".png")).string(),
                      vis::draw_error_breakdown(curves, means, names, b.rec_thrs, title));
      ++written;
    }
  };
  for (size_t k = 0; k < b.cat_ids.size(); ++k) plot(static_cast<int64_t>(k), b.cat_names[k]);
  plot(-1, "allclass");
  std::printf("%zu images, %zu annotations, %zu detections, %zu categories\n", gt.images.size(),
              gt.annotations.size(), results.size(), b.cat_ids.size());
  std::printf("%-8s", "area");
  for (const auto& n : names) std::printf(" %6s", n.c_str());
  std::printf("\n");
  for (size_t a = 0; a < b.area_ranges.size() && a < 4; ++a) {
    std::printf("%-8s", kAreaNames[a]);
    for (int t = 0; t < coco::kErrorTypes; ++t) std::printf(" %6.3f", b.mean(t, -1, static_cast<int64_t>(a)));
    std::printf("\n");
  }
  std::printf("wrote %lld plot%s to %s\n", static_cast<long long>(written), written == 1 ? "" : "s",
              dir.string().c_str());
  return 0;
}

}  // namespace

DETSEQ_COMMAND("coco-error-analysis",
               "COCO error breakdown (C75, C50, Loc, Sim, Oth, BG, FN) as PR-curve PNGs, overall and per class "
               "(cocoapi analyze, mmdet coco_error_analysis.py)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("gt", o->gt, "COCO annotation file")->required()->check(CLI::ExistingFile);
                 app.add_option("results", o->results, "COCO results file (detseq test --out results.json)")
                     ->required()
                     ->check(CLI::ExistingFile);
                 app.add_option("--out", o->out, "folder; the plots go to <out>/bbox/")->required();
                 return [o] { return run(*o); };
               });

}  // namespace detseq::cli
