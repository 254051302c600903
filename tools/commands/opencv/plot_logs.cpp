// detseq plot-logs LOG.jsonl... --keys loss lr bbox_mAP [--x iter] --out curves.png
// One panel per key, one line per log file (LoggerHook's vis_data/scalars.json: a JSON object per
// line with "step"/"iter"/"epoch" and scalar keys; a key may be missing from some lines).
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/strings.h"
#include "core/visualization/draw.h"
#include "core/visualization/line_plot.h"
#include "tools/command.h"
#include "tools/commands/json_log.h"

namespace detseq::cli {
namespace {
namespace fs = std::filesystem;

struct Options {
  std::vector<std::string> logs, keys;
  std::string out, x_key = "iter";  // out: empty = curves.png next to the first log
  int width = 1000, panel_height = 320;
};

using Line = nlohmann::json;

// The log key that `wanted` names: itself, or a key ending in "/<wanted>" (e.g. bbox_mAP ->
// coco/bbox_mAP).
const Line* find_value(const Line& line, const std::string& wanted) {
  if (auto it = line.find(wanted); it != line.end()) return &*it;
  for (auto it = line.begin(); it != line.end(); ++it) {
    const std::string& k = it.key();
    if (k.size() > wanted.size() && k.compare(k.size() - wanted.size(), wanted.size(), wanted) == 0 &&
        k[k.size() - wanted.size() - 1] == '/')
      return &*it;
  }
  return nullptr;
}

// Shortest path suffixes that tell the files apart ("run_a/.../scalars.json" vs "run_b/...").
std::vector<std::string> run_names(const std::vector<std::string>& paths) {
  std::vector<std::vector<std::string>> parts;
  for (const auto& p : paths) {
    std::vector<std::string> v;
    for (const auto& c : fs::path(p).lexically_normal()) v.push_back(c.string());
    parts.push_back(v);
  }
  for (size_t depth = 1;; ++depth) {
    std::vector<std::string> names;
    bool more = false;
    for (const auto& v : parts) {
      std::string name;
      const size_t n = std::min(depth, v.size());
      more = more || v.size() > depth;
      for (size_t i = v.size() - n; i < v.size(); ++i) name += (name.empty() ? "" : "/") + v[i];
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) name.resize(name.size() - 5);
      if (name.size() > 6 && name.compare(name.size() - 6, 6, ".jsonl") == 0) name.resize(name.size() - 6);
      names.push_back(name);
    }
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end() || !more) return names;
  }
}

// mmengine's validation lines carry no `iter`, only `step` (the epoch when validating by epoch):
// epoch -> the last training iteration logged in it, so they land on the iteration axis.
std::map<int64_t, double> last_iter_of_epoch(const std::vector<Line>& log) {
  std::map<int64_t, double> out;
  for (const auto& line : log) {
    if (!is_train_record(line)) continue;
    const auto e = line.find("epoch"), i = line.find("iter");
    if (e == line.end() || i == line.end() || !e->is_number() || !i->is_number()) continue;
    double& last = out[e->get<int64_t>()];
    last = std::max(last, i->get<double>());
  }
  return out;
}

std::string plural(size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

int run(const Options& o) {
  if (o.keys.empty()) throw Error("plot-logs: give at least one key with --keys (e.g. --keys loss lr bbox_mAP)");
  std::vector<std::vector<Line>> logs;
  for (const auto& p : o.logs) logs.push_back(read_json_log(p));
  const auto names = run_names(o.logs);
  std::vector<vis::PlotPanel> panels;
  for (const auto& key : o.keys) {
    vis::PlotPanel panel;
    panel.title = key;
    panel.y_label = key;
    panel.x_label = o.x_key;
    size_t found = 0;
    for (size_t r = 0; r < logs.size(); ++r) {
      const auto epoch_end = o.x_key == "iter" ? last_iter_of_epoch(logs[r]) : std::map<int64_t, double>{};
      vis::Series s;
      s.name = names[r];
      s.color = vis::default_color(static_cast<int64_t>(r));
      for (const auto& line : logs[r]) {
        const Line* y = find_value(line, key);
        if (y == nullptr || !y->is_number()) continue;  // missing here, or null (NaN)
        const Line* x = find_value(line, o.x_key);
        if (x != nullptr && x->is_number()) {
          s.points.emplace_back(x->get<double>(), y->get<double>());
          continue;
        }
        const Line* step = find_value(line, "step");
        if (step == nullptr || !step->is_number()) continue;
        const auto it = epoch_end.find(step->get<int64_t>());
        s.points.emplace_back(it != epoch_end.end() ? it->second : step->get<double>(), y->get<double>());
      }
      found += s.points.size();
      panel.series.push_back(std::move(s));
    }
    if (found == 0) {
      std::vector<std::string> known;
      for (const auto& log : logs)
        for (const auto& line : log)
          for (auto it = line.begin(); it != line.end(); ++it)
            if (std::find(known.begin(), known.end(), it.key()) == known.end()) known.push_back(it.key());
      throw Error("plot-logs: key '" + key + "' is in none of the logs" + did_you_mean(key, known) +
                  " (keys: " + join(known, ", ") + ")");
    }
    panels.push_back(std::move(panel));
  }
  vis::PlotLayout layout;
  layout.width = o.width;
  layout.panel_height = o.panel_height;
  const std::string out =
      o.out.empty() ? (std::filesystem::path(o.logs.front()).parent_path() / "curves.png").string() : o.out;
  vis::save_image(out, vis::render_plot(panels, layout));
  std::printf("wrote %s (%s, %s)\n", out.c_str(), plural(panels.size(), "panel", "panels").c_str(),
              plural(logs.size(), "run", "runs").c_str());
  return 0;
}

DETSEQ_COMMAND("plot-logs", "plot scalar curves (loss, lr, bbox_mAP, ...) of one or more JSON-lines logs to a PNG",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("logs", o->logs, "JSON-lines logs (vis_data/scalars.json), one line per run")
                     ->required()
                     ->check(CLI::ExistingFile);
                 app.add_option("--keys", o->keys, "keys to plot, one panel each; 'bbox_mAP' also finds 'coco/bbox_mAP'")
                     ->required();
                 app.add_option("--out", o->out, "output image (.png); default: curves.png beside the first log");
                 app.add_option("--x", o->x_key, "x-axis key (lines without it use 'step')");
                 app.add_option("--width", o->width, "image width in pixels");
                 app.add_option("--panel-height", o->panel_height, "height of each panel in pixels");
                 return [o] { return run(*o); };
               });

}  // namespace
}  // namespace detseq::cli
