#include "core/evaluation/coco_eval.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "core/util/error.h"

namespace detseq::coco {

std::vector<double> EvalParams::linspace(double start, double stop, int num) {
  // numpy: y[i] = i * ((stop - start) / (num - 1)) + start, and y[-1] = stop exactly.
  std::vector<double> y(num);
  const double step = num > 1 ? (stop - start) / (num - 1) : 0.0;
  for (int i = 0; i < num; ++i) y[i] = static_cast<double>(i) * step + start;
  if (num > 1) y[num - 1] = stop;
  if (num == 1) y[0] = start;
  return y;
}

std::vector<AreaRange> EvalParams::default_area_ranges() {
  return {{"all", 0, 1e10}, {"small", 0, 1024}, {"medium", 1024, 9216}, {"large", 9216, 1e10}};
}

namespace {

// Per (category, image) evaluation, for every area range: detections ranked by score (top
// max_dets.back()), and per IoU threshold a code for each: 0 false positive, 1 true positive,
// 2 ignored.
struct Cell {
  int64_t k = 0;
  std::vector<double> scores;               // D, descending, stable
  std::vector<std::vector<uint8_t>> codes;  // [A][T * D]
  std::vector<int64_t> npig;                // [A] ground truth not ignored
};

enum Code : uint8_t { kFalsePositive = 0, kTruePositive = 1, kIgnored = 2 };

// pycocotools' bbIou (maskApi.c): boxes xywh; against a crowd box the union is the detection area.
double box_iou(const std::array<double, 4>& d, const std::array<double, 4>& g, bool crowd) {
  const double ga = g[2] * g[3], da = d[2] * d[3];
  const double w = std::fmin(d[2] + d[0], g[2] + g[0]) - std::fmax(d[0], g[0]);
  if (w <= 0) return 0;
  const double h = std::fmin(d[3] + d[1], g[3] + g[1]) - std::fmax(d[1], g[1]);
  if (h <= 0) return 0;
  const double i = w * h;
  const double u = crowd ? da : da + ga - i;
  return i / u;
}

// Groups item indices by key (counting sort, stable: each group keeps file order).
struct Groups {
  std::vector<int64_t> offsets, items;
  Groups(const std::vector<int64_t>& keys, int64_t num_keys) : offsets(num_keys + 1, 0) {
    for (int64_t key : keys)
      if (key >= 0) ++offsets[key + 1];
    for (int64_t i = 0; i < num_keys; ++i) offsets[i + 1] += offsets[i];
    items.resize(offsets[num_keys]);
    std::vector<int64_t> fill(offsets.begin(), offsets.end() - 1);
    for (int64_t i = 0; i < static_cast<int64_t>(keys.size()); ++i)
      if (keys[i] >= 0) items[fill[keys[i]]++] = i;
  }
  int64_t size(int64_t key) const { return offsets[key + 1] - offsets[key]; }
  const int64_t* begin(int64_t key) const { return items.data() + offsets[key]; }
};

std::vector<int64_t> sorted_unique(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

void evaluate_cell(Cell& cell, const CocoGroundTruth& gt, const std::vector<CocoResult>& dts, const int64_t* gi,
                   int64_t G, const int64_t* di, int64_t D_all, const EvalParams& p) {
  const int64_t T = p.iou_thrs.size(), A = p.area_ranges.size();
  const int64_t max_det = p.max_dets.back();
  // Rank detections: stable sort on descending score, keep the top max_det.
  std::vector<int64_t> order(di, di + D_all);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return dts[a].score > dts[b].score; });
  if (static_cast<int64_t>(order.size()) > max_det) order.resize(max_det);
  const int64_t D = order.size();
  cell.scores.resize(D);
  for (int64_t d = 0; d < D; ++d) cell.scores[d] = dts[order[d]].score;

  std::vector<double> ious(D * G);
  for (int64_t d = 0; d < D; ++d)
    for (int64_t g = 0; g < G; ++g) {
      const CocoAnnotation& a = gt.annotations[gi[g]];
      ious[d * G + g] = box_iou(dts[order[d]].bbox, a.bbox, a.iscrowd);
    }

  cell.codes.assign(A, {});
  cell.npig.assign(A, 0);
  std::vector<int64_t> gsorted(G);
  std::vector<uint8_t> gt_ignore(G), gt_matched(T * G), dt_matched(T * D), dt_ignore(T * D);
  for (int64_t a = 0; a < A; ++a) {
    const AreaRange& range = p.area_ranges[a];
    std::vector<uint8_t> ig(G);
    for (int64_t g = 0; g < G; ++g) {
      const CocoAnnotation& ann = gt.annotations[gi[g]];
      const bool flagged = ann.iscrowd || (p.use_ignore_flag && ann.ignore);
      ig[g] = flagged || ann.area < range.lo || ann.area > range.hi;
    }
    // Ground truth not ignored first, each group in original order (stable).
    std::iota(gsorted.begin(), gsorted.end(), 0);
    std::stable_sort(gsorted.begin(), gsorted.end(), [&](int64_t x, int64_t y) { return ig[x] < ig[y]; });
    for (int64_t g = 0; g < G; ++g) gt_ignore[g] = ig[gsorted[g]];
    std::fill(gt_matched.begin(), gt_matched.end(), 0);
    std::fill(dt_matched.begin(), dt_matched.end(), 0);
    std::fill(dt_ignore.begin(), dt_ignore.end(), 0);
    if (D > 0 && G > 0) {
      for (int64_t t = 0; t < T; ++t) {
        for (int64_t d = 0; d < D; ++d) {
          double best = std::min(p.iou_thrs[t], 1 - 1e-10);
          int64_t m = -1;
          for (int64_t g = 0; g < G; ++g) {
            const bool crowd = gt.annotations[gi[gsorted[g]]].iscrowd;
            if (gt_matched[t * G + g] && !crowd) continue;
            // Once matched to a regular ground truth, ignored ones (sorted last) cannot win.
            if (m > -1 && !gt_ignore[m] && gt_ignore[g]) break;
            const double iou = ious[d * G + gsorted[g]];
            if (iou < best) continue;
            best = iou;
            m = g;
          }
          if (m == -1) continue;
          dt_ignore[t * D + d] = gt_ignore[m];
          dt_matched[t * D + d] = 1;
          gt_matched[t * G + m] = 1;
        }
      }
    }
    std::vector<uint8_t>& codes = cell.codes[a];
    codes.resize(T * D);
    for (int64_t d = 0; d < D; ++d) {
      const auto& bb = dts[order[d]].bbox;
      const double area = bb[2] * bb[3];
      const bool outside = area < range.lo || area > range.hi;
      for (int64_t t = 0; t < T; ++t) {
        const bool matched = dt_matched[t * D + d];
        const bool ignored = dt_ignore[t * D + d] || (!matched && outside);
        codes[t * D + d] = ignored ? kIgnored : (matched ? kTruePositive : kFalsePositive);
      }
    }
    cell.npig[a] = std::count(gt_ignore.begin(), gt_ignore.end(), 0);
  }
}

// One (category, area, max_dets) entry of accumulate(): precision at the recall thresholds on
// the precision envelope, and the final recall, per IoU threshold.
void accumulate_cell(EvalResult& res, const std::vector<Cell>& cells, int64_t first, int64_t last, int64_t k,
                     int64_t a, int64_t m) {
  const EvalParams& p = res.params;
  const int64_t T = res.T, R = res.R;
  const int64_t max_det = p.max_dets[m];
  int64_t npig = 0, total = 0;
  for (int64_t c = first; c < last; ++c) {
    npig += cells[c].npig[a];
    total += std::min<int64_t>(cells[c].scores.size(), max_det);
  }
  if (npig == 0) return;
  // Concatenate per image (image order), then a stable sort on descending score.
  std::vector<double> scores;
  std::vector<std::pair<int64_t, int64_t>> src;  // (cell, detection)
  scores.reserve(total);
  src.reserve(total);
  for (int64_t c = first; c < last; ++c) {
    const int64_t n = std::min<int64_t>(cells[c].scores.size(), max_det);
    for (int64_t d = 0; d < n; ++d) {
      scores.push_back(cells[c].scores[d]);
      src.emplace_back(c, d);
    }
  }
  std::vector<int64_t> order(total);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return scores[x] > scores[y]; });

  const double eps = 2.220446049250313e-16;  // np.spacing(1)
  std::vector<double> rc(total), pr(total);
  for (int64_t t = 0; t < T; ++t) {
    double tp = 0, fp = 0;
    for (int64_t i = 0; i < total; ++i) {
      const auto& [c, d] = src[order[i]];
      const Cell& cell = cells[c];
      const uint8_t code = cell.codes[a][t * cell.scores.size() + d];
      if (code == kTruePositive) tp += 1;
      if (code == kFalsePositive) fp += 1;
      rc[i] = tp / static_cast<double>(npig);
      pr[i] = tp / (fp + tp + eps);
    }
    res.rec(t, k, a, m) = total > 0 ? rc[total - 1] : 0.0;
    for (int64_t i = total - 1; i > 0; --i)
      if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
    int64_t pos = 0;  // searchsorted(rc, thr, 'left'); thresholds ascend so pos only moves forward
    for (int64_t r = 0; r < R; ++r) {
      const double thr = p.rec_thrs[r];
      while (pos < total && rc[pos] < thr) ++pos;
      res.prec(t, r, k, a, m) = pos < total ? pr[pos] : 0.0;
    }
  }
}

}  // namespace

EvalResult evaluate(const CocoGroundTruth& gt, const std::vector<CocoResult>& dts, const EvalParams& params) {
  EvalResult res;
  res.params = params;
  EvalParams& p = res.params;
  if (p.iou_thrs.empty() || p.rec_thrs.empty() || p.max_dets.empty() || p.area_ranges.empty())
    throw Error("COCO evaluation: iou_thrs, rec_thrs, max_dets and area ranges must not be empty");
  std::sort(p.max_dets.begin(), p.max_dets.end());
  if (p.max_dets.front() <= 0) throw Error("COCO evaluation: max_dets must be positive");

  std::unordered_map<int64_t, int64_t> all_images;
  for (const CocoImage& im : gt.images) all_images.emplace(im.id, 0);
  if (p.img_ids.empty())
    for (const CocoImage& im : gt.images) p.img_ids.push_back(im.id);
  if (p.cat_ids.empty())
    for (const CocoCategory& c : gt.categories) p.cat_ids.push_back(c.id);
  p.img_ids = sorted_unique(p.img_ids);
  p.cat_ids = sorted_unique(p.cat_ids);
  std::unordered_map<int64_t, int64_t> img_index, cat_index;
  for (size_t i = 0; i < p.img_ids.size(); ++i) img_index.emplace(p.img_ids[i], i);
  for (size_t k = 0; k < p.cat_ids.size(); ++k) cat_index.emplace(p.cat_ids[k], k);

  const int64_t I = p.img_ids.size(), K = p.cat_ids.size();
  res.T = p.iou_thrs.size();
  res.R = p.rec_thrs.size();
  res.K = K;
  res.A = p.area_ranges.size();
  res.M = p.max_dets.size();
  res.precision.assign(res.T * res.R * K * res.A * res.M, -1.0);
  res.recall.assign(res.T * K * res.A * res.M, -1.0);

  auto key_of = [&](int64_t image_id, int64_t category_id) -> int64_t {
    const auto i = img_index.find(image_id);
    const auto k = cat_index.find(category_id);
    if (i == img_index.end() || k == cat_index.end()) return -1;
    return k->second * I + i->second;
  };
  std::vector<int64_t> gt_keys(gt.annotations.size()), dt_keys(dts.size());
  for (size_t j = 0; j < gt.annotations.size(); ++j)
    gt_keys[j] = key_of(gt.annotations[j].image_id, gt.annotations[j].category_id);
  for (size_t j = 0; j < dts.size(); ++j) {
    if (!all_images.count(dts[j].image_id))
      throw Error("COCO evaluation: detection " + std::to_string(j) + " is on image_id " +
                  std::to_string(dts[j].image_id) +
                  ", which the ground truth does not have (results and annotation file do not match?)");
    dt_keys[j] = key_of(dts[j].image_id, dts[j].category_id);
  }
  const Groups gts_by(gt_keys, K * I), dts_by(dt_keys, K * I);

  // Cells with ground truth or detections, ordered by (category, image) like evalImgs.
  std::vector<Cell> cells;
  std::vector<int64_t> cell_keys;
  for (int64_t key = 0; key < K * I; ++key)
    if (gts_by.size(key) > 0 || dts_by.size(key) > 0) cell_keys.push_back(key);
  cells.resize(cell_keys.size());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, cells.size(), 64), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t c = r.begin(); c < r.end(); ++c) {
      const int64_t key = cell_keys[c];
      cells[c].k = key / I;
      evaluate_cell(cells[c], gt, dts, gts_by.begin(key), gts_by.size(key), dts_by.begin(key), dts_by.size(key), p);
    }
  });

  // Cells of one category are contiguous.
  std::vector<int64_t> cat_begin(K + 1, static_cast<int64_t>(cells.size()));
  for (int64_t c = static_cast<int64_t>(cells.size()) - 1; c >= 0; --c) cat_begin[cells[c].k] = c;
  for (int64_t k = K - 1; k >= 0; --k) cat_begin[k] = std::min(cat_begin[k], cat_begin[k + 1]);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, K * res.A), [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t ka = r.begin(); ka < r.end(); ++ka) {
      const int64_t k = ka / res.A, a = ka % res.A;
      for (int64_t m = 0; m < res.M; ++m) accumulate_cell(res, cells, cat_begin[k], cat_begin[k + 1], k, a, m);
    }
  });
  return res;
}

}  // namespace detseq::coco
