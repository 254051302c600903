#include "core/evaluation/coco_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/util/error.h"

namespace detseq::coco {
namespace {

int64_t find_index(const std::vector<double>& values, double v) {
  for (size_t i = 0; i < values.size(); ++i)
    if (std::fabs(values[i] - v) < 1e-12) return i;
  return -1;
}

int64_t area_index(const EvalParams& p, const std::string& label) {
  for (size_t i = 0; i < p.area_ranges.size(); ++i)
    if (p.area_ranges[i].label == label) return i;
  return -1;
}

// Mean of the entries > -1 (numpy's s[s > -1].mean()), or -1 when there are none.
template <class Fn>
double mean_valid(int64_t n, Fn value_at) {
  long double sum = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = value_at(i);
    if (v > -1) {
      sum += v;
      ++count;
    }
  }
  return count == 0 ? -1.0 : static_cast<double>(sum / count);
}

double stat_value(const EvalResult& r, bool is_ap, double iou, const std::string& area, int64_t max_dets) {
  const int64_t a = area_index(r.params, area);
  const int64_t m = find_index(std::vector<double>(r.params.max_dets.begin(), r.params.max_dets.end()),
                               static_cast<double>(max_dets));
  int64_t t0 = 0, t1 = r.T;
  if (iou >= 0) {
    t0 = find_index(r.params.iou_thrs, iou);
    t1 = t0 + 1;
  }
  if (a < 0 || m < 0 || t0 < 0) return -1;
  const int64_t nt = t1 - t0;
  if (is_ap) {
    return mean_valid(nt * r.R * r.K, [&](int64_t i) {
      const int64_t k = i % r.K, rr = (i / r.K) % r.R, t = t0 + i / (r.K * r.R);
      return r.prec(t, rr, k, a, m);
    });
  }
  return mean_valid(nt * r.K, [&](int64_t i) { return r.rec(t0 + i / r.K, i % r.K, a, m); });
}

// Mean precision of category k over IoU thresholds [t0, t1) at area a and the largest max_dets.
double class_ap(const EvalResult& r, int64_t k, int64_t t0, int64_t t1, int64_t a) {
  if (t0 < 0 || a < 0) return std::numeric_limits<double>::quiet_NaN();
  const double v = mean_valid((t1 - t0) * r.R, [&](int64_t i) { return r.prec(t0 + i / r.R, i % r.R, k, a, r.M - 1); });
  return v == -1 ? std::numeric_limits<double>::quiet_NaN() : v;
}

}  // namespace

std::vector<SummaryStat> summarize(const EvalResult& r) {
  const auto& md = r.params.max_dets;
  if (md.size() != 3)
    throw Error("COCO summary needs exactly 3 max_dets values (pycocotools [1, 10, 100] or mmdetection's [100, 300, 1000]), got " +
                std::to_string(md.size()));
  const int64_t ap_dets = std::find(md.begin(), md.end(), 100) != md.end() ? 100 : md.back();
  const std::string m2 = std::to_string(md[2]);
  std::vector<SummaryStat> s = {
      {true, -1, "all", ap_dets, -1, "mAP"},
      {true, 0.5, "all", md[2], -1, "mAP_50"},
      {true, 0.75, "all", md[2], -1, "mAP_75"},
      {true, -1, "small", md[2], -1, "mAP_s"},
      {true, -1, "medium", md[2], -1, "mAP_m"},
      {true, -1, "large", md[2], -1, "mAP_l"},
      {false, -1, "all", md[0], -1, "AR@" + std::to_string(md[0])},
      {false, -1, "all", md[1], -1, "AR@" + std::to_string(md[1])},
      {false, -1, "all", md[2], -1, "AR@" + m2},
      {false, -1, "small", md[2], -1, "AR_s@" + m2},
      {false, -1, "medium", md[2], -1, "AR_m@" + m2},
      {false, -1, "large", md[2], -1, "AR_l@" + m2},
  };
  for (auto& st : s) st.value = stat_value(r, st.is_ap, st.iou, st.area, st.max_dets);
  return s;
}

std::vector<double> stats_values(const std::vector<SummaryStat>& stats) {
  std::vector<double> v;
  for (const auto& s : stats) v.push_back(s.value);
  return v;
}

std::string summary_line(const EvalResult& r, const SummaryStat& s) {
  char iou[32];
  if (s.iou < 0)
    std::snprintf(iou, sizeof(iou), "%0.2f:%0.2f", r.params.iou_thrs.front(), r.params.iou_thrs.back());
  else
    std::snprintf(iou, sizeof(iou), "%0.2f", s.iou);
  char line[160];
  std::snprintf(line, sizeof(line), " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3lld ] = %0.3f",
                s.is_ap ? "Average Precision" : "Average Recall", s.is_ap ? "(AP)" : "(AR)", iou, s.area.c_str(),
                static_cast<long long>(s.max_dets), s.value);
  return line;
}

std::string summary_text(const EvalResult& r, const std::vector<SummaryStat>& stats) {
  std::string out;
  for (const auto& s : stats) out += summary_line(r, s) + "\n";
  return out;
}

std::vector<ClasswiseRow> classwise(const EvalResult& r, const std::map<int64_t, std::string>& names) {
  const int64_t t50 = find_index(r.params.iou_thrs, 0.5), t75 = find_index(r.params.iou_thrs, 0.75);
  const int64_t a_all = area_index(r.params, "all"), a_s = area_index(r.params, "small"),
                a_m = area_index(r.params, "medium"), a_l = area_index(r.params, "large");
  std::vector<ClasswiseRow> rows;
  for (int64_t k = 0; k < r.K; ++k) {
    ClasswiseRow row;
    row.category_id = r.params.cat_ids[k];
    const auto it = names.find(row.category_id);
    row.name = it != names.end() ? it->second : std::to_string(row.category_id);
    row.ap = class_ap(r, k, 0, r.T, a_all);
    row.ap50 = class_ap(r, k, t50, t50 + 1, a_all);
    row.ap75 = class_ap(r, k, t75, t75 + 1, a_all);
    row.ap_s = class_ap(r, k, 0, r.T, a_s);
    row.ap_m = class_ap(r, k, 0, r.T, a_m);
    row.ap_l = class_ap(r, k, 0, r.T, a_l);
    rows.push_back(row);
  }
  return rows;
}

std::string classwise_table(const std::vector<ClasswiseRow>& rows) {
  size_t width = 8;
  for (const auto& r : rows) width = std::max(width, r.name.size());
  auto cell = [](double v) {
    char b[16];
    if (std::isnan(v))
      std::snprintf(b, sizeof(b), "%7s", "nan");
    else
      std::snprintf(b, sizeof(b), "%7.3f", v);
    return std::string(b);
  };
  char head[256];
  std::snprintf(head, sizeof(head), "%-*s %7s %7s %7s %7s %7s %7s\n", static_cast<int>(width), "category", "mAP",
                "mAP_50", "mAP_75", "mAP_s", "mAP_m", "mAP_l");
  std::string out = head;
  out += std::string(width + 48, '-') + "\n";
  for (const auto& r : rows) {
    std::string name = r.name;
    name.resize(width, ' ');
    out += name + " " + cell(r.ap) + " " + cell(r.ap50) + " " + cell(r.ap75) + " " + cell(r.ap_s) + " " +
           cell(r.ap_m) + " " + cell(r.ap_l) + "\n";
  }
  return out;
}

}  // namespace detseq::coco
