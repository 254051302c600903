// detseq analyze-logs cal-train-time LOG.json... [--include-outliers]
// mmdetection's tools/analysis_tools/analyze_logs.py cal_train_time on LoggerHook's JSON-lines
// logs: the training records (`time` per logged iteration) grouped by `epoch`; the first record of
// each epoch is left out (it carries data-loader start-up) unless --include-outliers.
#include <cmath>
#include <cstdio>
#include <map>

#include "core/util/error.h"
#include "tools/command.h"
#include "tools/commands/json_log.h"

namespace detseq::cli {
namespace {

struct Options {
  std::vector<std::string> logs;
  bool include_outliers = false;
};

struct TrainTimes {
  int64_t slowest_epoch = 0, fastest_epoch = 0;
  double slowest = 0, fastest = 0, std_over_epochs = 0, average = 0;
  int64_t records = 0;
};

TrainTimes train_times(const std::string& path, bool include_outliers) {
  std::map<int64_t, std::vector<double>> by_epoch;
  for (const auto& line : read_json_log(path)) {
    if (!is_train_record(line)) continue;
    const int64_t epoch = line.contains("epoch") && line["epoch"].is_number() ? line["epoch"].get<int64_t>() : 1;
    by_epoch[epoch].push_back(line["time"].get<double>());
  }
  TrainTimes t;
  std::vector<std::pair<int64_t, double>> means;
  double sum = 0;
  for (auto& [epoch, times] : by_epoch) {
    if (!include_outliers) times.erase(times.begin());
    if (times.empty()) continue;
    double s = 0;
    for (double x : times) s += x;
    means.emplace_back(epoch, s / static_cast<double>(times.size()));
    sum += s;
    t.records += static_cast<int64_t>(times.size());
  }
  if (means.empty()) {
    throw Error(path + ": no training iteration times" +
                (by_epoch.empty() ? std::string(" (no line with `time` and no metric key)")
                                  : std::string(" besides each epoch's first record; lower default_hooks.logger."
                                                "interval below the iterations of an epoch, or pass "
                                                "--include-outliers")));
  }
  double mean_of_means = 0;
  for (size_t i = 0; i < means.size(); ++i) {
    mean_of_means += means[i].second;
    if (i == 0 || means[i].second > t.slowest) t.slowest_epoch = means[i].first, t.slowest = means[i].second;
    if (i == 0 || means[i].second < t.fastest) t.fastest_epoch = means[i].first, t.fastest = means[i].second;
  }
  mean_of_means /= static_cast<double>(means.size());
  double var = 0;
  for (const auto& m : means) var += (m.second - mean_of_means) * (m.second - mean_of_means);
  t.std_over_epochs = std::sqrt(var / static_cast<double>(means.size()));  // numpy's std (ddof 0)
  t.average = sum / static_cast<double>(t.records);
  return t;
}

int run(const Options& o) {
  for (const auto& path : o.logs) {
    const TrainTimes t = train_times(path, o.include_outliers);
    std::printf("-----Analyze train time of %s-----\n", path.c_str());
    std::printf("slowest epoch %lld, average time is %.4f s/iter\n", static_cast<long long>(t.slowest_epoch),
                t.slowest);
    std::printf("fastest epoch %lld, average time is %.4f s/iter\n", static_cast<long long>(t.fastest_epoch),
                t.fastest);
    std::printf("time std over epochs is %.4f\n", t.std_over_epochs);
    std::printf("average iter time: %.4f s/iter (%lld record%s)\n", t.average, static_cast<long long>(t.records),
                t.records == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace

DETSEQ_SUBCOMMAND("analyze-logs", "cal-train-time",
                  "average, slowest and fastest iteration times per epoch of JSON-lines logs (mmdet analyze_logs.py)",
                  [](CLI::App& app) {
                    auto o = std::make_shared<Options>();
                    app.add_option("logs", o->logs, "JSON-lines logs (<work_dir>/<time>/vis_data/scalars.json)")
                        ->required()
                        ->check(CLI::ExistingFile);
                    app.add_flag("--include-outliers", o->include_outliers,
                                 "keep each epoch's first record (left out by default, as mmdet)");
                    return [o] { return run(*o); };
                  });

}  // namespace detseq::cli
