// detseq analyze-results CONFIG RESULTS.json --show-dir D [--topk 20] [--show-score-thr 0]
//                        [--phase test]
// mmdetection's tools/analysis_tools/analyze_results.py: scores every image of a phase's dataset
// by its own mAP (coco::image_map: mmdet's eval_map over IoU 0.50:0.95) against a COCO results
// file, then draws the `topk` best into D/good and the `topk` worst into D/bad, ground truth left |
// predictions right, named <image>_<mAP>.jpg. The dataset is read with its loading steps only
// (mmdet's get_loading_pipeline), so boxes are in original pixels as the results are.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/evaluation/bbox_overlaps.h"
#include "core/evaluation/coco_json.h"
#include "core/evaluation/image_map.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "core/visualization/draw.h"
#include "datasets/base/det_dataset.h"
#include "tools/command.h"
#include "tools/commands/opencv/phase_dataset.h"

namespace fs = std::filesystem;

namespace detseq::cli {
namespace {

struct Options {
  std::string config, results, show_dir;
  std::vector<std::string> cfg_options;
  std::string phase = "test";
  int64_t topk = 20;
  double show_score_thr = 0.0;
};

struct Scored {
  size_t index = 0;
  int64_t image_id = 0;
  double map = 0;
};

// The sample's meta and instances without decoding its image where the dataset allows it.
Sample annotations_of(Dataset& dataset, size_t index, int64_t seed) {
  if (auto* det = dynamic_cast<DetDataset*>(&dataset)) return det->raw_sample(index);
  Rng rng = sample_rng(static_cast<uint64_t>(seed), 0, index, 0);
  std::optional<Sample> s = dataset.get(index, rng);
  if (!s) throw Error("analyze-results: dataset item " + std::to_string(index) + " could not be loaded");
  return std::move(*s);
}

std::string round3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

int run(const Options& o) {
  torch::set_num_threads(1);
  if (o.topk < 1) throw Error("--topk must be >= 1, got " + std::to_string(o.topk));
  const Config config = load_config(o.config, o.cfg_options);
  auto dataset = build_phase_dataset(config, o.phase, [](const std::string& type) { return starts_with(type, "Load"); });
  const int64_t seed = phase_seed(config, o.phase);
  const size_t num_classes = dataset->metainfo().classes.size();
  std::map<int64_t, int64_t> label_of;
  for (size_t l = 0; l < num_classes; ++l) label_of[dataset->label_to_category(static_cast<int64_t>(l))] = l;

  // Predictions per image, per label (xyxy); detections of categories the dataset lacks are an error.
  std::map<int64_t, std::vector<std::vector<coco::ScoredBox>>> dets_of;
  std::map<int64_t, Detections> drawn_of;
  const auto results = coco::load_results(o.results);
  for (const auto& r : results) {
    auto it = label_of.find(r.category_id);
    if (it == label_of.end())
      throw Error(o.results + ": a result has category_id " + std::to_string(r.category_id) +
                  ", which is not a class of " + o.phase + "_dataloader.dataset");
    auto& per_class = dets_of[r.image_id];
    per_class.resize(num_classes);
    per_class[it->second].push_back({coco::xywh_to_xyxy(r.bbox), r.score});
  }

  std::vector<Scored> scored;
  size_t matched_images = 0;
  for (size_t i = 0; i < dataset->size(); ++i) {
    const Sample s = annotations_of(*dataset, i, seed);
    std::vector<std::vector<std::array<double, 4>>> gt(num_classes);
    const Instances& inst = s.instances;
    for (int64_t k = 0; k < inst.size(); ++k) {
      const auto b = inst.boxes[k];
      gt.at(static_cast<size_t>(inst.labels[k].item<int64_t>()))
          .push_back({b[0].item<double>(), b[1].item<double>(), b[2].item<double>(), b[3].item<double>()});
    }
    auto it = dets_of.find(s.meta.image_id);
    matched_images += it != dets_of.end();
    const std::vector<std::vector<coco::ScoredBox>> none(num_classes);
    scored.push_back({i, s.meta.image_id, coco::image_map(gt, it == dets_of.end() ? none : it->second)});
  }
  if (!results.empty() && matched_images == 0)
    throw Error(o.results + ": no result has an image_id of " + o.phase +
                "_dataloader.dataset (results of another data set?)");

  // Ascending by mAP (ties by dataset order): the worst first, the best last, as mmdet.
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) { return a.map < b.map; });
  const size_t k = std::min<size_t>(static_cast<size_t>(o.topk), scored.size());
  std::vector<Scored> bad(scored.begin(), scored.begin() + k), good(scored.end() - k, scored.end());
  std::reverse(good.begin(), good.end());

  vis::ClassStyle style;
  style.classes = dataset->metainfo().classes;
  style.palette = vis::Palette(dataset->metainfo().palette);
  vis::DrawOptions draw;
  draw.score_thr = o.show_score_thr;
  auto write = [&](const std::vector<Scored>& list, const std::string& folder) {
    for (const Scored& item : list) {
      Rng rng = sample_rng(static_cast<uint64_t>(seed), 0, item.index, 0);
      std::optional<Sample> s = dataset->get(item.index, rng);
      if (!s) throw Error("analyze-results: dataset item " + std::to_string(item.index) + " could not be loaded");
      torch::Tensor image = s->image;
      if (image.scalar_type() != torch::kUInt8) image = image.clamp(0, 255).to(torch::kUInt8);
      Detections pred;
      std::vector<float> boxes, scores;
      std::vector<int64_t> labels;
      if (auto it = dets_of.find(item.image_id); it != dets_of.end()) {
        for (size_t c = 0; c < it->second.size(); ++c)
          for (const auto& d : it->second[c]) {
            for (double v : d.xyxy) boxes.push_back(static_cast<float>(v));
            scores.push_back(static_cast<float>(d.score));
            labels.push_back(static_cast<int64_t>(c));
          }
      }
      const int64_t n = static_cast<int64_t>(scores.size());
      pred.boxes = torch::tensor(boxes, torch::kFloat).reshape({n, 4});
      pred.scores = torch::tensor(scores, torch::kFloat);
      pred.labels = torch::tensor(labels, torch::kLong);
      const vis::BoxSet gt_set = vis::BoxSet::from(s->instances), pred_set = vis::BoxSet::from(pred);
      const cv::Mat canvas = vis::draw_gt_and_predictions(vis::tensor_to_mat(image), &gt_set, &pred_set, style, draw);
      const std::string stem = fs::path(s->meta.file_path).stem().string();
      vis::save_image((fs::path(o.show_dir) / folder / (stem + "_" + round3(item.map) + ".jpg")).string(), canvas);
    }
  };
  write(good, "good");
  write(bad, "bad");
  double mean = 0;
  for (const auto& s : scored) mean += s.map;
  mean /= std::max<size_t>(scored.size(), 1);
  std::printf("%zu images scored (mean per-image mAP %.3f; %zu with predictions); best %s, worst %s\n"
              "wrote the %zu best to %s and the %zu worst to %s\n",
              scored.size(), mean, matched_images, good.empty() ? "-" : round3(good.front().map).c_str(),
              bad.empty() ? "-" : round3(bad.front().map).c_str(), good.size(),
              (fs::path(o.show_dir) / "good").string().c_str(), bad.size(),
              (fs::path(o.show_dir) / "bad").string().c_str());
  return 0;
}

}  // namespace

DETSEQ_COMMAND("analyze-results",
               "draw the top-k best and worst images by per-image mAP of a COCO results file (mmdet analyze_results.py)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("config", o->config, "config file (YAML); its <phase>_dataloader.dataset is scored")
                     ->required();
                 app.add_option("results", o->results, "COCO results file (detseq test --out results.json)")
                     ->required()
                     ->check(CLI::ExistingFile);
                 app.add_option("--show-dir", o->show_dir, "folder for good/ and bad/")->required();
                 app.add_option("--topk", o->topk, "images drawn per folder")->capture_default_str();
                 app.add_option("--show-score-thr", o->show_score_thr, "predictions drawn from this score")
                     ->check(CLI::Range(0.0, 1.0))
                     ->capture_default_str();
                 app.add_option("--phase", o->phase, "train | val | test")->capture_default_str();
                 add_cfg_options(app, o->cfg_options);
                 return [o] { return run(*o); };
               });

}  // namespace detseq::cli
