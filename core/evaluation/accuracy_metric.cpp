// Accuracy (mmpretrain's name): top-1 classification accuracy in percent, for whole-image
// classifiers (LinearClsHead). Each image's true class is its one target instance; its predicted
// class is the label of its highest-scoring detection (none counts as wrong).
#include <sstream>

#include "core/interfaces/metric.h"
#include "core/logging/logging.h"
#include "core/registry/options.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct AccuracyOptions {
  std::string prefix = "accuracy";
  template <class V>
  void visit(V& v) {
    v("prefix", prefix, "name prefix of the score: <prefix>/top1");
  }
};

class Accuracy : public Metric {
 public:
  explicit Accuracy(const AccuracyOptions& o) : o_(o) {}

  void reset(const Dataset&) override { correct_ = total_ = 0; }

  void process(const Batch& batch, const std::vector<Detections>& detections) override {
    if (detections.size() != static_cast<size_t>(batch.size()))
      throw Error("Accuracy: " + std::to_string(detections.size()) + " predictions for " + std::to_string(batch.size()) + " images");
    for (int64_t i = 0; i < batch.size(); ++i) {
      const Instances t = batch.instances.at(static_cast<size_t>(i)).targets();
      if (t.size() != 1) {
        throw Error("Accuracy: image " + std::to_string(batch.metas[static_cast<size_t>(i)].image_id) + " has " +
                    std::to_string(t.size()) + " target objects; classification accuracy needs exactly one per image "
                    "(and LoadAnnotations in the test pipeline)");
      }
      const Detections& d = detections[static_cast<size_t>(i)];
      ++total_;
      if (d.size() == 0) continue;
      const int64_t best = d.scores.argmax().item<int64_t>();
      if (d.labels[best].item<int64_t>() == t.labels[0].item<int64_t>()) ++correct_;
    }
  }

  std::string serialize_results() const override { return std::to_string(correct_) + " " + std::to_string(total_); }

  void merge_results(const std::string& bytes) override {
    std::istringstream in(bytes);
    int64_t c = 0, t = 0;
    if (!(in >> c >> t)) throw Error("Accuracy: malformed results from another rank: '" + bytes + "'");
    correct_ += c, total_ += t;
  }

  std::map<std::string, double> compute() override {
    if (total_ == 0) throw Error("Accuracy: no images were evaluated");
    const double top1 = 100.0 * static_cast<double>(correct_) / static_cast<double>(total_);
    DETSEQ_INFO("Accuracy: top-1 {:.2f} % ({} of {} images)", top1, correct_, total_);
    return {{o_.prefix + "/top1", top1}};
  }

 private:
  AccuracyOptions o_;
  int64_t correct_ = 0, total_ = 0;
};

}  // namespace

DETSEQ_REGISTER_AS(Metric, Accuracy, AccuracyOptions, "Accuracy",
                   "top-1 accuracy (%) of whole-image classifiers, one target object per image");

}  // namespace detseq
