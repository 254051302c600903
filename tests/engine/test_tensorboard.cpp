// TensorboardVisBackend: the event file of a short training run parses back record by record
// (both CRCs checked, Events decoded with the generated classes) with the tags, steps and values
// of scalars.json; CRC-32C's check value; a damaged file is rejected; TensorBoard's own
// EventAccumulator reads the scalars (in a venv made by tools/make_tensorboard_venv.sh).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/config/yaml_io.h"
#include "core/engine/config_keys.h"
#include "core/engine/runner.h"
#include "core/engine/vis_backends/tfevents_writer.h"
#include "core/engine/visualizer.h"
#include "core/util/error.h"
#include "tests/engine/toy.h"
#include "tests/test_util.h"
#include "tests/tfevents_reader.h"

namespace fs = std::filesystem;

namespace detseq::test {
namespace {

const char* kBothBackends = "visualizer: {vis_backends: [{type: LocalVisBackend}, {type: TensorboardVisBackend}]}\n";

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("detseq_tb_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

// scalars.json as (tag -> [(step, value)]), in file order; `step` is the step, not a tag.
using Series = std::map<std::string, std::vector<std::pair<int64_t, double>>>;
Series series_of_scalars_json(const fs::path& file, std::vector<nlohmann::json>* lines = nullptr) {
  Series out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (lines) lines->push_back(j);
    for (const auto& [k, v] : j.items())
      if (k != "step") out[k].emplace_back(j["step"].get<int64_t>(), v.get<double>());
  }
  return out;
}

// A run of the toy config with both backends; returns its vis_data folder.
fs::path train_with_tensorboard(const std::string& name) {
  auto runner = Runner::from_config(toy_config(temp_dir(name), kBothBackends));
  runner->train();
  return fs::path(runner->log_dir()) / "vis_data";
}

TEST(TensorboardVisBackend, EventFileHoldsTheScalarsOfScalarsJson) {
  const fs::path vis = train_with_tensorboard("scalars");
  const auto files = event_files_in(vis.string());
  ASSERT_EQ(files.size(), 1u) << vis;
  const auto events = read_event_file(files[0]);
  std::vector<nlohmann::json> lines;
  series_of_scalars_json(vis / "scalars.json", &lines);
  ASSERT_EQ(lines.size(), 9u);  // LocalVisBackend's file is unchanged: 6 training rows + 3 validations
  ASSERT_EQ(events.size(), 1 + lines.size());
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_GT(events[0].wall_time(), 1.6e9);
  // One Event per row: same step, the row's keys as tags in the same order, the values as floats.
  for (size_t i = 0; i < lines.size(); ++i) {
    const tfevents::Event& e = events[i + 1];
    ASSERT_TRUE(e.has_summary()) << i;
    EXPECT_EQ(e.step(), lines[i]["step"].get<int64_t>()) << i;
    std::vector<std::string> keys;
    for (const auto& [k, v] : lines[i].items())
      if (k != "step") keys.push_back(k);
    ASSERT_EQ(e.summary().value_size(), static_cast<int>(keys.size())) << i;
    for (int k = 0; k < e.summary().value_size(); ++k) {
      const auto& value = e.summary().value(k);
      ASSERT_TRUE(value.has_simple_value()) << value.tag();
      EXPECT_FLOAT_EQ(value.simple_value(), static_cast<float>(lines[i][value.tag()].get<double>())) << value.tag();
    }
  }
  // nlohmann sorts keys; the order of the tags is the logger's (lr first, the metrics of a validation).
  EXPECT_EQ(events[1].summary().value(0).tag(), "lr");
  EXPECT_EQ(events[1].step(), 2);
  EXPECT_EQ(events[3].summary().value(0).tag(), "toy/count");
  EXPECT_EQ(events[3].step(), 1);  // validation metrics are logged against the epoch
}

TEST(TensorboardVisBackend, WithoutLocalVisBackendThereIsNoScalarsJson) {
  // mmengine: the scalars go to the configured backends only.
  auto runner =
      Runner::from_config(toy_config(temp_dir("only"),
                                     "visualizer: {type: Visualizer, vis_backends: [{type: TensorboardVisBackend}]}\n"
                                     "train_cfg: {max_epochs: 1}\n"));
  runner->train();
  const fs::path vis = fs::path(runner->log_dir()) / "vis_data";
  EXPECT_FALSE(fs::exists(vis / "scalars.json"));
  const auto files = event_files_in(vis.string());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(read_event_file(files[0]).size(), 1u + 2u + 1u);  // version, 2 training rows, 1 validation
}

TEST(TensorboardVisBackend, Crc32cCheckValueAndDamagedFilesAreRejected) {
  EXPECT_EQ(tfevents::crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(reader_crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(tfevents::mask_crc(0), 0xa282ead8u);

  const std::string dir = temp_dir("crc");
  std::string path;
  {
    tfevents::EventFileWriter writer(dir);
    tfevents::Event e;
    e.set_step(3);
    auto* v = e.mutable_summary()->add_value();
    v->set_tag("loss");
    v->set_simple_value(0.5f);
    writer.write_record(e.SerializeAsString());
    path = writer.path();
  }
  EXPECT_NE(fs::path(path).filename().string().find("events.out.tfevents."), std::string::npos);
  const auto events = read_event_file(path);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].summary().value(0).simple_value(), 0.5f);

  std::ifstream in(path, std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t second = good.size() - (12 + events[1].ByteSizeLong() + 4);
  auto damaged = [&](size_t at, const std::string& name) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    const std::string p = dir + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  };
  auto error_of_read = [](const std::string& p) {
    try {
      read_event_file(p);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(error_of_read(damaged(second + 14, "data"))
                .find("record 1 at byte " + std::to_string(second) + ": data CRC mismatch"),
            std::string::npos);
  EXPECT_NE(error_of_read(damaged(second + 1, "length")).find("length CRC mismatch"), std::string::npos);
  EXPECT_NE(error_of_read(damaged(good.size() - 1, "footer")).find("data CRC mismatch"), std::string::npos);
  const std::string cut = dir + "/cut";
  std::ofstream(cut, std::ios::binary) << good.substr(0, good.size() - 2);
  EXPECT_NE(error_of_read(cut).find("truncated data"), std::string::npos);
}

TEST(TensorboardVisBackend, UnwritableEventFileIsAnError) {
  const std::string dir = temp_dir("unwritable");
  fs::create_directories(dir);
  std::ofstream(dir + "/file") << "x";  // vis_data under a regular file cannot be created
  auto backend = build<VisBackend>(parse_yaml_string("{type: TensorboardVisBackend}", "<t>"), "vis");
  backend->open(dir + "/file/vis_data", "t");
  const std::string msg = error_of([&] { backend->add_scalars({{"loss", 1.0}}, 1); });
  EXPECT_NE(msg.find("TensorboardVisBackend: cannot create event file " + dir + "/file/vis_data/events.out.tfevents."),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(TensorboardVisBackend, UnknownBackendsAndOptionsAreOneLineErrors) {
  auto check = [](const std::string& yaml) {
    return error_of([&] { check_visualizer(parse_yaml_string("visualizer: " + yaml, "vis.yaml")); });
  };
  EXPECT_EQ(check("{vis_backends: [{type: LocalVisBackend}, {type: TensorboardVisBackend}]}"), "<no error>");
  const std::string typo = check("{vis_backends: [{type: LocalVisBackend}, {type: TensorbordVisBackend}]}");
  EXPECT_NE(typo.find("visualizer.vis_backends.1.type (vis.yaml:1)"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean 'TensorboardVisBackend'"), std::string::npos) << typo;
  const std::string key = check("{vis_backends: [{type: TensorboardVisBackend, log_dir: x}]}");
  EXPECT_NE(key.find("unknown key 'log_dir'"), std::string::npos) << key;
  EXPECT_NE(key.find("visualizer.vis_backends.0"), std::string::npos) << key;
  for (const auto& msg : {typo, key}) EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(TensorboardVisBackend, TensorBoardEventAccumulatorReadsTheScalars) {
  // The venv lives beside the build (build/venv-tb), made once and reused.
  const fs::path venv = fs::path(DETSEQ_BINARY).parent_path() / "venv-tb";
  const std::string make = std::string(DETSEQ_SOURCE_DIR) + "/tools/make_tensorboard_venv.sh " + venv.string() + " > " +
                           venv.string() + ".log 2>&1";
  if (std::system(make.c_str()) != 0) {
    GTEST_SKIP() << "could not create a Python venv with tensorboard (offline?); see " << venv.string() << ".log";
  }
  const fs::path vis = train_with_tensorboard("accumulator");
  const std::string script = (vis / "read.py").string();
  std::ofstream(script) << "import json, sys\n"
                           "from tensorboard.backend.event_processing import event_accumulator as ea\n"
                           "acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.SCALARS: 0})\n"
                           "acc.Reload()\n"
                           "out = {t: [[s.step, s.value] for s in acc.Scalars(t)] for t in acc.Tags()['scalars']}\n"
                           "json.dump(out, open(sys.argv[2], 'w'))\n";
  const std::string out = (vis / "read.json").string();
  const std::string cmd = (venv / "bin" / "python").string() + " " + script + " " + vis.string() + " " + out + " > " +
                          vis.string() + "/py.out 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << std::ifstream(vis / "py.out").rdbuf();
  const Series expected = series_of_scalars_json(vis / "scalars.json");
  const auto got = nlohmann::json::parse(std::ifstream(out));
  ASSERT_EQ(got.size(), expected.size()) << got.dump();
  for (const auto& [tag, points] : expected) {
    ASSERT_TRUE(got.contains(tag)) << tag;
    ASSERT_EQ(got[tag].size(), points.size()) << tag;
    for (size_t i = 0; i < points.size(); ++i) {
      EXPECT_EQ(got[tag][i][0].get<int64_t>(), points[i].first) << tag << " " << i;
      EXPECT_FLOAT_EQ(static_cast<float>(got[tag][i][1].get<double>()), static_cast<float>(points[i].second))
          << tag << " " << i;
    }
  }
  EXPECT_TRUE(got.contains("loss") && got.contains("toy/mae")) << got.dump();
}

}  // namespace
}  // namespace detseq::test
