#include "core/evaluation/error_analysis.h"

#include <algorithm>
#include <functional>

#include "core/io/json_array_stream.h"
#include "core/util/error.h"

namespace detseq::coco {

const std::vector<std::string>& error_type_names() {
  static const std::vector<std::string> names = {"C75", "C50", "Loc", "Sim", "Oth", "BG", "FN"};
  return names;
}

namespace {

EvalParams breakdown_params(std::vector<double> iou_thrs) {
  EvalParams p;
  p.iou_thrs = std::move(iou_thrs);
  p.max_dets = {100};
  return p;
}

// The ground truth with every box of `confused` categories turned into a crowd region of `cat`:
// detections of `cat` on them are then neither hits nor false positives.
CocoGroundTruth forgiving(const CocoGroundTruth& gt, int64_t cat, const std::function<bool(int64_t)>& confused) {
  CocoGroundTruth out;
  out.images = gt.images;
  out.categories = gt.categories;
  out.annotations = gt.annotations;
  for (auto& a : out.annotations) {
    if (a.category_id == cat || !confused(a.category_id)) continue;
    a.iscrowd = true;
    a.ignore = true;
    a.category_id = cat;
  }
  return out;
}

}  // namespace

std::vector<double> ErrorBreakdown::curve(int type, int64_t k, int64_t a) const {
  std::vector<double> out(rec_thrs.size(), 0.0);
  for (size_t r = 0; r < rec_thrs.size(); ++r) {
    if (k >= 0) {
      out[r] = at(type, r, k, a);
    } else {
      double s = 0;
      for (size_t c = 0; c < cat_ids.size(); ++c) s += at(type, r, c, a);
      out[r] = cat_ids.empty() ? 0.0 : s / static_cast<double>(cat_ids.size());
    }
  }
  return out;
}

double ErrorBreakdown::mean(int type, int64_t k, int64_t a) const {
  const auto c = curve(type, k, a);
  double s = 0;
  for (double v : c) s += v;
  return c.empty() ? 0.0 : s / static_cast<double>(c.size());
}

std::map<int64_t, std::string> load_supercategories(const std::string& annotation_file) {
  std::map<int64_t, std::string> out;
  stream_json_arrays(
      annotation_file, [](std::string_view key) { return key == "categories"; },
      [&](JsonArrayBatch& batch) {
        for (simdjson::dom::element item : batch.items) {
          simdjson::dom::object obj;
          int64_t id = 0;
          if (item.get_object().get(obj) != simdjson::SUCCESS || obj["id"].get_int64().get(id) != simdjson::SUCCESS)
            throw Error(annotation_file + ": categories: expected objects with an integer 'id'");
          std::string_view super;
          out[id] = obj["supercategory"].get_string().get(super) == simdjson::SUCCESS ? std::string(super) : "";
        }
      });
  return out;
}

ErrorBreakdown analyze_errors(const CocoGroundTruth& gt, const std::vector<CocoResult>& results,
                              const std::map<int64_t, std::string>& supercategory) {
  // C75, C50, Loc in one evaluation over all categories.
  const EvalResult base = evaluate(gt, results, breakdown_params({0.75, 0.5, 0.1}));
  ErrorBreakdown b;
  b.cat_ids = base.params.cat_ids;
  b.area_ranges = base.params.area_ranges;
  b.rec_thrs = base.params.rec_thrs;
  std::map<int64_t, std::string> names;
  for (const auto& c : gt.categories) names[c.id] = c.name;
  for (int64_t id : b.cat_ids) b.cat_names.push_back(names[id]);
  const int64_t R = base.R, K = base.K, A = base.A;
  b.precision.assign(static_cast<size_t>(kErrorTypes * R * K * A), 0.0);
  auto cell = [&](int type, int64_t r, int64_t k, int64_t a) -> double& {
    return b.precision[((static_cast<size_t>(type) * R + r) * K + k) * A + a];
  };
  for (int t = 0; t < 3; ++t)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t a = 0; a < A; ++a) cell(t, r, k, a) = std::max(0.0, base.prec(t, r, k, a, 0));

  auto super_of = [&](int64_t id) {
    auto it = supercategory.find(id);
    return it == supercategory.end() ? std::string() : it->second;
  };
  for (int64_t k = 0; k < K; ++k) {
    const int64_t cat = b.cat_ids[k];
    std::vector<CocoResult> own;
    for (const auto& r : results)
      if (r.category_id == cat) own.push_back(r);
    EvalParams p = breakdown_params({0.1});
    p.cat_ids = {cat};
    const std::string super = super_of(cat);
    const EvalResult sim =
        evaluate(forgiving(gt, cat, [&](int64_t other) { return super_of(other) == super; }), own, p);
    const EvalResult oth = evaluate(forgiving(gt, cat, [](int64_t) { return true; }), own, p);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t a = 0; a < A; ++a) {
        cell(3, r, k, a) = std::max(0.0, sim.prec(0, r, 0, a, 0));
        cell(4, r, k, a) = std::max(0.0, oth.prec(0, r, 0, a, 0));
        cell(5, r, k, a) = cell(4, r, k, a) > 0 ? 1.0 : 0.0;
        cell(6, r, k, a) = 1.0;
      }
  }
  return b;
}

}  // namespace detseq::coco
