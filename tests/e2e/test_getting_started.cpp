// docs/getting_started.md runs as written: every ```sh block not marked
// `<!-- doc-test: skip (reason) -->` runs from the repository root in one bash script (work_dirs/
// moved to a temp folder, `$PWD/build` pointed at this build's binary, `python3` at Debian's,
// which has torch; skipped without it). Then the outputs the page promises are checked, and
// tools/dist_test.sh evaluates the same checkpoint with two processes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace fs = std::filesystem;

namespace {

using Shell = detseq::test::CommandResult;

Shell shell(const std::string& cmd) { return detseq::test::run_shell(cmd + " 2>&1"); }

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

struct Block {
  std::string text;
  bool skipped = false;
};

// The ```sh blocks of a Markdown file; a block is skipped when the last non-blank line before its
// fence is a `<!-- doc-test: skip ... -->` comment.
std::vector<Block> sh_blocks(const std::string& path) {
  std::ifstream in(path);
  std::vector<Block> blocks;
  std::string line, previous;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```sh") {
      inside = true;
      blocks.push_back({"", previous.rfind("<!-- doc-test: skip", 0) == 0});
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      blocks.back().text += line + "\n";
    }
    if (!line.empty()) previous = line;
  }
  return blocks;
}

std::vector<fs::path> files_named(const fs::path& root, const std::string& name) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == name) out.push_back(e.path());
  return out;
}

std::vector<nlohmann::json> json_lines(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(nlohmann::json::parse(l));
  return out;
}

bool python_torch_available() { return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0; }

// img_id and ori_shape of every record of a results pickle, as JSON.
nlohmann::json pickle_index(const fs::path& pkl) {
  const Shell r = shell("/usr/bin/python3 -c \"import json, pickle, sys; r = pickle.load(open(sys.argv[1], 'rb')); "
                        "print(json.dumps([[x['img_id'], list(x['ori_shape']), list(x['pred_instances']['bboxes'].shape)] "
                        "for x in r]))\" " + pkl.string());
  return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json(r.out);
}

TEST(GettingStarted, DocumentedCommandsRunAsWritten) {
  const fs::path tmp = fs::temp_directory_path() / ("detseq_getting_started_" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  const bool python = python_torch_available();

  std::string script = "set -euo pipefail\n";
  int run_blocks = 0;
  for (const Block& b : sh_blocks(std::string(DETSEQ_SOURCE_DIR) + "/docs/getting_started.md")) {
    if (b.skipped) continue;
    std::string text = b.text;
    if (text.rfind("python3 ", 0) == 0) {  // needs torch: Debian's python3-torch
      if (!python) continue;
      text = "/usr/bin/" + text;
    }
    replace_all(text, "work_dirs/", (tmp / "work_dirs").string() + "/");
    replace_all(text, "$PWD/build", fs::path(DETSEQ_BINARY).parent_path().string());
    script += text;
    ++run_blocks;
  }
  ASSERT_GE(run_blocks, 3) << "the page lost its runnable blocks (PATH, first run, print-config)";
  std::ofstream(tmp / "doc.sh") << script;
  const Shell doc = shell("cd " DETSEQ_SOURCE_DIR " && timeout 1500 bash " + (tmp / "doc.sh").string());
  ASSERT_EQ(doc.code, 0) << script << "\n---\n" << doc.out;

  const fs::path run = tmp / "work_dirs" / "first_run";
  ASSERT_TRUE(fs::exists(run / "epoch_2.pth"));
  EXPECT_GT(fs::file_size(run / "curves.png"), 1000u);  // plot-logs --keys loss found training scalars
  EXPECT_TRUE(fs::exists(run / "infer" / "predictions.json"));
  size_t drawn = 0;
  for (const auto& e : fs::directory_iterator(run / "show")) drawn += e.is_regular_file();
  EXPECT_EQ(drawn, 8u);

  // Two iterations per epoch, fewer than LoggerHook.interval (50): still one line per epoch.
  std::vector<nlohmann::json> train_lines;
  for (const fs::path& p : files_named(run, "scalars.json")) {
    if (p.string().find("/test/") != std::string::npos) continue;
    for (const auto& j : json_lines(p))
      if (j.contains("loss") && j.contains("lr")) train_lines.push_back(j);
  }
  ASSERT_EQ(train_lines.size(), 2u) << doc.out;
  EXPECT_EQ(train_lines[1]["iter"], 4);
  // mmengine's key order in the text log: lr, eta, time, data_time, memory, then the losses.
  const auto at = doc.out.find("Epoch(train) [2][2/2]  lr: ");
  ASSERT_NE(at, std::string::npos) << doc.out;
  const std::string line = doc.out.substr(at, doc.out.find('\n', at) - at);
  size_t last = 0;
  for (const char* key : {"  lr: ", "  eta: ", "  time: ", "  data_time: ", "  memory: ", "  loss: "}) {
    const size_t pos = line.find(key);
    ASSERT_NE(pos, std::string::npos) << key << " in " << line;
    EXPECT_GT(pos + 1, last) << key << " out of order in " << line;
    last = pos + 1;
  }

  // The same checkpoint on two processes through tools/dist_test.sh; --out gathers every rank.
  const fs::path dist_pkl = tmp / "dist_results.pkl";
  const std::string port = std::to_string(20000 + ::getpid() % 20000);
  const Shell dist = shell("cd " DETSEQ_SOURCE_DIR " && DETSEQ=" DETSEQ_BINARY " MASTER_PORT=" + port +
                           " timeout 600 tools/dist_test.sh 2 configs/pix2seq/pix2seq_r18_320_tiny8_cpu.yaml " +
                           (run / "epoch_2.pth").string() + " --work-dir " + (tmp / "dist_test").string() +
                           " --out " + dist_pkl.string());
  ASSERT_EQ(dist.code, 0) << dist.out;
  EXPECT_NE(dist.out.find("world size 2"), std::string::npos) << dist.out;
  EXPECT_NE(dist.out.find("OMP_NUM_THREADS="), std::string::npos) << dist.out;
  EXPECT_NE(dist.out.find("coco/bbox_mAP"), std::string::npos) << dist.out;
  if (python) {
    const nlohmann::json single = pickle_index(run / "results.pkl"), gathered = pickle_index(dist_pkl);
    ASSERT_TRUE(single.is_array()) << single;
    EXPECT_EQ(single.size(), 8u);
    // Every image once, in dataset order, whichever rank predicted it.
    ASSERT_TRUE(gathered.is_array()) << gathered;
    ASSERT_EQ(gathered.size(), single.size());
    for (size_t i = 0; i < single.size(); ++i) {
      EXPECT_EQ(gathered[i][0], single[i][0]);
      EXPECT_EQ(gathered[i][1], single[i][1]);
    }
  }
  fs::remove_all(tmp);
}

}  // namespace
