// Writes generated scenes as a detection data set in one of the layouts detseq (and mmdetection)
// reads: COCO (images + instances JSON), Pascal VOC (JPEGImages/Annotations/ImageSets) or YOLO
// (images/labels txt). Scenes are rendered in parallel; the files do not depend on the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/synth/scene_generator.h"

namespace detseq::synth {

struct SplitSpec {
  std::string name;  // "train", "val", "test": folder and file names
  int64_t count = 0;
  ItemPool pool;     // the items this split may use (disjoint pools keep val/test unseen)
};

struct DatasetWriteOptions {
  std::string out_dir;
  std::string format = "coco";      // coco | voc | yolo
  std::string image_format = "png";  // png | jpg
  int jpeg_quality = 95;
  uint64_t seed = 0;
  SceneOptions scene;
  std::vector<std::string> classes;
  std::string source_description;  // recorded in the generation record
};

struct SplitSummary {
  std::string name;
  int64_t images = 0, objects = 0;
  std::string annotations;  // the file (COCO/VOC) or folder (YOLO) a config points at
  std::string images_dir;
};

// The generation record (`<out>/generation.json`) that a finished run leaves: the options that
// determine every byte. Written last, so an interrupted run has none.
std::string generation_record(const DatasetWriteOptions& options, const std::vector<SplitSpec>& splits);

// Renders and writes every split. Throws detseq::Error naming the file that could not be written.
std::vector<SplitSummary> write_scene_dataset(const DatasetWriteOptions& options, const std::vector<SplitSpec>& splits);

}  // namespace detseq::synth
