// Shared by `detseq infer` and `detseq benchmark infer`: image files from paths/folders, the
// config's test pipeline without annotation loading, and class names for drawing.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/engine/runner.h"
#include "core/structures/detections.h"
#include "core/structures/sample.h"
#include "pipelines/compose.h"

namespace detseq::cli {

// Files as given, and the images inside folders (jpg, jpeg, png, bmp, webp, tif, tiff; sorted).
// Throws detseq::Error when a path does not exist or nothing is found.
std::vector<std::string> collect_images(const std::vector<std::string>& paths);

// test_dataloader.dataset.pipeline with LoadAnnotations removed (images without annotations),
// as mmdetection's inferencer does. `from_memory`: LoadImageFromFile becomes LoadImageFromNDArray
// (video frames already decoded); a pipeline without it is then an error.
Compose inference_pipeline(const Config& config, bool from_memory = false);

// The runner of infer-like commands: logs under <out_dir>/logs, no config copy, the checkpoint
// loaded with the model's mapping (strict unless allow_partial), the model in eval mode.
std::unique_ptr<Runner> inference_runner(const Config& config, const std::string& checkpoint,
                                         const std::string& out_dir, bool allow_partial);

// [{"bbox": [x1, y1, x2, y2], "score", "label", "class"}, ...] of one image's detections (CPU).
nlohmann::json detections_json(const Detections& d, const std::vector<std::string>& classes);

// Loads and transforms one file (image_id = `index`); throws when it cannot be read or the
// pipeline drops it.
Sample load_sample(const Compose& pipeline, const std::string& file, size_t index);
// One batch of loaded samples (collate may move their tensors); collate options come from test_dataloader (pad_value,
// pad_size_divisor).
Batch collate_samples(const Config& config, std::vector<Sample>& samples);
// load_sample over files[begin, end), then collate_samples.
Batch load_batch(const Config& config, const Compose& pipeline, const std::vector<std::string>& files, size_t begin,
                 size_t end);

// Class names: the checkpoint's meta.dataset_meta.classes, else the config's
// test_dataloader.dataset.metainfo.classes, else empty (labels print as numbers).
std::vector<std::string> class_names(const Config& config, const std::string& checkpoint);

}  // namespace detseq::cli
