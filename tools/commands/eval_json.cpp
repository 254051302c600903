// detseq eval-json GT.json RESULTS.json [--out metrics.json] [--classwise] [--max-dets 1 10 100]
// Evaluates a COCO results file against an annotation file, no model needed.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/evaluation/coco_eval.h"
#include "core/evaluation/coco_json.h"
#include "core/evaluation/coco_summary.h"
#include "core/util/error.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string gt, results, out;
  bool classwise = false;
  std::vector<int64_t> max_dets{1, 10, 100};
  std::vector<double> iou_thrs;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nlohmann::json number_or_null(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

int run(const Options& o) {
  auto t0 = std::chrono::steady_clock::now();
  const CocoGroundTruth gt = coco::load_ground_truth(o.gt);
  const std::vector<CocoResult> dets = coco::load_results(o.results);
  const double load_s = seconds_since(t0);
  coco::EvalParams params;
  params.max_dets = o.max_dets;
  if (!o.iou_thrs.empty()) params.iou_thrs = o.iou_thrs;
  t0 = std::chrono::steady_clock::now();
  const coco::EvalResult result = coco::evaluate(gt, dets, params);
  const auto stats = coco::summarize(result);
  const double eval_s = seconds_since(t0);
  std::printf("%zu images, %zu annotations, %zu detections (read %.2fs, evaluated %.2fs)\n", gt.images.size(),
              gt.annotations.size(), dets.size(), load_s, eval_s);
  std::fputs(coco::summary_text(result, stats).c_str(), stdout);

  nlohmann::json out;
  out["stats"] = coco::stats_values(stats);
  for (const auto& s : stats) out["bbox_" + s.name] = s.value;
  if (o.classwise) {
    std::map<int64_t, std::string> names;
    for (const auto& c : gt.categories) names[c.id] = c.name;
    const auto rows = coco::classwise(result, names);
    std::fputs(coco::classwise_table(rows).c_str(), stdout);
    nlohmann::json per = nlohmann::json::array();
    for (const auto& r : rows)
      per.push_back({{"category_id", r.category_id}, {"name", r.name}, {"mAP", number_or_null(r.ap)},
                     {"mAP_50", number_or_null(r.ap50)}, {"mAP_75", number_or_null(r.ap75)},
                     {"mAP_s", number_or_null(r.ap_s)}, {"mAP_m", number_or_null(r.ap_m)},
                     {"mAP_l", number_or_null(r.ap_l)}});
    out["classwise"] = per;
  }
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    if (!f) throw Error("cannot write metrics file '" + o.out + "' (is the folder writable?)");
    f << out.dump(2) << "\n";
    std::printf("metrics written to %s\n", o.out.c_str());
  }
  return 0;
}

DETSEQ_COMMAND("eval-json", "evaluate a COCO results JSON against a COCO annotation file (pycocotools' 12 stats)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("gt", o->gt, "COCO annotation file (ground truth)")->required();
                 app.add_option("results", o->results, "COCO results file: [{image_id, category_id, bbox, score}]")
                     ->required();
                 app.add_option("--out", o->out, "write the metrics as JSON here ({\"stats\": [12 values], \"bbox_mAP\": ...})");
                 app.add_flag("--classwise", o->classwise, "also print and write per-category AP");
                 app.add_option("--max-dets", o->max_dets, "three max-detections values (mmdetection proposals: 100 300 1000)")
                     ->expected(3);
                 app.add_option("--iou-thrs", o->iou_thrs, "IoU thresholds (default 0.50:0.05:0.95)");
                 return [o] { return run(*o); };
               });

}  // namespace
}  // namespace detseq::cli
