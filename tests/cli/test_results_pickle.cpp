// `detseq test --out results.pkl`: the plain pickle of per-image results loads with Python's
// pickle.load (Debian's python3-torch) into mmdetection 3.x's layout with real torch tensors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/io/results_pickle.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace detseq;

namespace {

bool python_torch_available() {
  return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
}

std::string run_python(const std::string& script, const std::string& arg) {
  const fs::path py = fs::temp_directory_path() / "detseq_results_pickle_check.py";
  std::ofstream(py) << script;
  const std::string cmd = "/usr/bin/python3 " + py.string() + " " + arg + " 2>&1";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while (pipe && (n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  if (pipe) pclose(pipe);
  return out;
}

// Loads the file with plain pickle.load and reports every tensor's type, dtype, shape and values.
const char* kDescribe = R"(
import json, pickle, sys, torch
with open(sys.argv[1], 'rb') as f:
    results = pickle.load(f)
def tensor(t):
    assert isinstance(t, torch.Tensor), type(t)
    return {'dtype': str(t.dtype), 'shape': list(t.shape), 'values': t.flatten().tolist()}
out = []
for r in results:
    assert isinstance(r, dict) and isinstance(r['ori_shape'], tuple)
    p = r['pred_instances']
    out.append({'keys': list(r.keys()), 'img_id': r['img_id'], 'ori_shape': list(r['ori_shape']),
                'pred_keys': list(p.keys()),
                'bboxes': tensor(p['bboxes']), 'scores': tensor(p['scores']), 'labels': tensor(p['labels'])})
print(json.dumps(out))
)";

TEST(ResultsPickle, LoadsInPythonAsMmdetDumpWithExactTensors) {
  if (!python_torch_available()) GTEST_SKIP() << "needs /usr/bin/python3 with torch (Debian python3-torch)";
  torch::manual_seed(3);
  io::DetResultRecord many;
  many.img_id = 139;
  many.ori_height = 426, many.ori_width = 640;
  many.detections.boxes = torch::rand({3, 4}) * 600;  // arbitrary float32 bits must survive
  many.detections.scores = torch::rand({3});
  many.detections.labels = torch::tensor({0, 79, 7}, torch::kLong);
  io::DetResultRecord none;  // an image without detections keeps the (0, 4) shape
  none.img_id = 5000000000LL;  // above 32 bits
  none.ori_height = 10, none.ori_width = 20;
  const fs::path path = fs::temp_directory_path() / "detseq_results.pkl";
  io::write_results_pickle(path.string(), {many, none});

  const std::string out = run_python(kDescribe, path.string());
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(out)) << out;
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["keys"], nlohmann::json({"img_id", "ori_shape", "pred_instances"}));
  EXPECT_EQ(j[0]["pred_keys"], nlohmann::json({"bboxes", "scores", "labels"}));
  EXPECT_EQ(j[0]["img_id"], 139);
  EXPECT_EQ(j[0]["ori_shape"], nlohmann::json({426, 640}));
  EXPECT_EQ(j[0]["bboxes"]["dtype"], "torch.float32");
  EXPECT_EQ(j[0]["bboxes"]["shape"], nlohmann::json({3, 4}));
  EXPECT_EQ(j[0]["scores"]["dtype"], "torch.float32");
  EXPECT_EQ(j[0]["labels"]["dtype"], "torch.int64");
  const auto boxes = many.detections.boxes.flatten();
  for (int64_t i = 0; i < 12; ++i)
    EXPECT_EQ(j[0]["bboxes"]["values"][i].get<double>(), static_cast<double>(boxes[i].item<float>())) << i;
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_EQ(j[0]["scores"]["values"][i].get<double>(), static_cast<double>(many.detections.scores[i].item<float>()));
  EXPECT_EQ(j[0]["labels"]["values"], nlohmann::json({0, 79, 7}));
  EXPECT_EQ(j[1]["img_id"], 5000000000LL);
  EXPECT_EQ(j[1]["bboxes"]["shape"], nlohmann::json({0, 4}));
  EXPECT_EQ(j[1]["scores"]["shape"], nlohmann::json({0}));
  EXPECT_EQ(j[1]["labels"]["dtype"], "torch.int64");
  fs::remove(path);
}

TEST(ResultsPickle, InconsistentDetectionsNameTheImage) {
  io::DetResultRecord bad;
  bad.img_id = 17;
  bad.detections.boxes = torch::zeros({2, 4});
  bad.detections.scores = torch::zeros({3});
  bad.detections.labels = torch::zeros({2}, torch::kLong);
  const std::string message = test::error_of(
      [&] { io::write_results_pickle((fs::temp_directory_path() / "detseq_bad.pkl").string(), {bad}); });
  EXPECT_NE(message.find("detections of image 17 must be boxes [N, 4], scores [N], labels [N]"), std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(fs::temp_directory_path() / "detseq_bad.pkl"));
}

}  // namespace
