#include "core/evaluation/confusion_matrix.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "core/evaluation/bbox_overlaps.h"
#include "core/util/error.h"

namespace detseq::coco {
namespace {

// Greedy NMS over one class's predictions: the kept indices, best score first.
std::vector<size_t> nms(const std::vector<const CocoResult*>& dets, double iou_thr) {
  std::vector<size_t> order(dets.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return dets[a]->score > dets[b]->score; });
  std::vector<size_t> kept;
  for (size_t i : order) {
    bool suppressed = false;
    for (size_t k : kept) {
      if (bbox_overlap_xyxy(xywh_to_xyxy(dets[i]->bbox), xywh_to_xyxy(dets[k]->bbox)) > iou_thr) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push_back(i);
  }
  return kept;
}

}  // namespace

ConfusionMatrix confusion_matrix(const CocoGroundTruth& gt, const std::vector<CocoResult>& results,
                                 const ConfusionOptions& o) {
  std::vector<CocoCategory> cats = gt.categories;
  std::sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::map<int64_t, size_t> class_of;
  ConfusionMatrix cm;
  for (const auto& c : cats) {
    class_of[c.id] = cm.labels.size();
    cm.labels.push_back(c.name);
  }
  const size_t bg = cm.labels.size();
  cm.labels.push_back("background");
  cm.counts.assign(cm.labels.size(), std::vector<int64_t>(cm.labels.size(), 0));

  std::map<int64_t, std::vector<const CocoAnnotation*>> gts_of;
  std::set<int64_t> images;
  for (const auto& im : gt.images) images.insert(im.id);
  for (const auto& a : gt.annotations) {
    if (!class_of.count(a.category_id))
      throw Error("confusion-matrix: annotation " + std::to_string(a.id) + " has category_id " +
                  std::to_string(a.category_id) + ", which is not in the annotation file's categories");
    gts_of[a.image_id].push_back(&a);
  }
  // Predictions per image, per class (classes ascending, file order inside a class, as mmdet).
  std::map<int64_t, std::map<size_t, std::vector<const CocoResult*>>> dets_of;
  for (const auto& r : results) {
    if (!images.count(r.image_id))
      throw Error("confusion-matrix: a result has image_id " + std::to_string(r.image_id) +
                  ", which the annotation file does not have (results of another data set?)");
    auto it = class_of.find(r.category_id);
    if (it == class_of.end())
      throw Error("confusion-matrix: a result has category_id " + std::to_string(r.category_id) +
                  ", which is not in the annotation file's categories");
    dets_of[r.image_id][it->second].push_back(&r);
  }

  for (int64_t image : images) {
    const auto& gts = gts_of[image];
    std::vector<int64_t> true_positives(gts.size(), 0);
    for (auto& [det_class, dets] : dets_of[image]) {
      std::vector<const CocoResult*> scored;
      for (const CocoResult* d : dets)
        if (d->score >= o.score_thr) scored.push_back(d);
      // mmcv's nms with score_threshold: boxes under the threshold suppress nothing.
      std::vector<size_t> keep(scored.size());
      std::iota(keep.begin(), keep.end(), 0);
      if (o.nms_iou_thr) keep = nms(scored, *o.nms_iou_thr);
      for (size_t i : keep) {
        const CocoResult& d = *scored[i];
        int64_t matched = 0;
        for (size_t j = 0; j < gts.size(); ++j) {
          if (bbox_overlap_xyxy(xywh_to_xyxy(d.bbox), xywh_to_xyxy(gts[j]->bbox)) < o.tp_iou_thr) continue;
          ++matched;
          const size_t gt_class = class_of.at(gts[j]->category_id);
          if (gt_class == det_class) ++true_positives[j];
          ++cm.counts[gt_class][det_class];
        }
        if (matched == 0) ++cm.counts[bg][det_class];
      }
    }
    for (size_t j = 0; j < gts.size(); ++j)
      if (true_positives[j] == 0) ++cm.counts[class_of.at(gts[j]->category_id)][bg];
  }
  return cm;
}

std::vector<std::vector<double>> ConfusionMatrix::row_normalized() const {
  std::vector<std::vector<double>> out(counts.size(), std::vector<double>(counts.size(), 0.0));
  for (size_t i = 0; i < counts.size(); ++i) {
    const int64_t sum = std::accumulate(counts[i].begin(), counts[i].end(), int64_t{0});
    if (sum == 0) continue;
    for (size_t j = 0; j < counts.size(); ++j) out[i][j] = 100.0 * static_cast<double>(counts[i][j]) / sum;
  }
  return out;
}

std::string ConfusionMatrix::to_csv() const {
  auto quoted = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::ostringstream out;
  out << "gt \\ pred";
  for (const auto& l : labels) out << "," << quoted(l);
  out << "\n";
  for (size_t i = 0; i < labels.size(); ++i) {
    out << quoted(labels[i]);
    for (int64_t c : counts[i]) out << "," << c;
    out << "\n";
  }
  return out.str();
}

}  // namespace detseq::coco
