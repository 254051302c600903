// TensorboardVisBackend (mmengine's): scalars and drawn images as TensorBoard summaries in one
// event file, <log_dir>/vis_data/events.out.tfevents.<time>.<host>.<pid>, created at the first
// write. Each row of scalars becomes one Event at its step with a simple_value per key (the tags
// and steps of scalars.json); each image one Event with a PNG image summary. Open with
// `tensorboard --logdir <work_dir>`.
#include <chrono>
#include <memory>

#include "core/engine/vis_backends/tfevents.pb.h"
#include "core/engine/vis_backends/tfevents_writer.h"
#include "core/engine/visualizer.h"

namespace detseq {
namespace {

struct TensorboardVisBackendOptions {
  template <class V>
  void visit(V&) {}
};

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class TensorboardVisBackend : public VisBackend {
 public:
  explicit TensorboardVisBackend(const TensorboardVisBackendOptions&) {}

  void open(const std::string& save_dir, const std::string&) override { save_dir_ = save_dir; }

  void add_scalars(const ScalarRow& row, int64_t step) override {
    if (save_dir_.empty() || row.empty()) return;
    tfevents::Event event = new_event(step);
    for (const auto& [key, value] : row) {
      auto* v = event.mutable_summary()->add_value();
      v->set_tag(key);
      v->set_simple_value(static_cast<float>(value));
    }
    write(event);
  }

  bool takes_images() const override { return true; }

  void add_image(const std::string& tag, const EncodedImage& image, int64_t step) override {
    if (save_dir_.empty()) return;
    tfevents::Event event = new_event(step);
    auto* v = event.mutable_summary()->add_value();
    v->set_tag(tag);
    auto* img = v->mutable_image();
    img->set_height(static_cast<int32_t>(image.height));
    img->set_width(static_cast<int32_t>(image.width));
    img->set_colorspace(static_cast<int32_t>(image.channels));
    img->set_encoded_image_string(image.png);
    write(event);
  }

 private:
  static tfevents::Event new_event(int64_t step) {
    tfevents::Event event;
    event.set_wall_time(unix_seconds());
    event.set_step(step);
    return event;
  }
  void write(const tfevents::Event& event) {
    if (!writer_) writer_ = std::make_unique<tfevents::EventFileWriter>(save_dir_);
    writer_->write_record(event.SerializeAsString());
  }

  std::string save_dir_;
  std::unique_ptr<tfevents::EventFileWriter> writer_;
};

}  // namespace
DETSEQ_REGISTER_AS(VisBackend, TensorboardVisBackend, TensorboardVisBackendOptions, "TensorboardVisBackend",
                   "scalars and val images as TensorBoard summaries in vis_data/events.out.tfevents.*");
}  // namespace detseq
