// Detection scenes composed from small grey item images (Fashion-MNIST): each scene is a colour
// canvas with a gradient background, clutter shapes and noise, and 1..N items pasted at random
// scales and positions, with bounded overlap and occlusion. Every random draw comes from a
// generator seeded by (seed, split, scene index) and the arithmetic is plain integer/float code,
// so a scene's bytes do not depend on the machine, the thread count or the order scenes are made.
#pragma once
#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/synth/idx_reader.h"

namespace detseq::synth {

struct SceneOptions {
  int size = 256;                     // canvas side (px)
  int min_objects = 1, max_objects = 8;
  int min_scale = 24, max_scale = 128;  // side of the scaled 28x28 item (px), before aspect jitter
  double max_iou = 0.3;               // largest IoU between two objects' boxes
  double min_visible = 0.6;           // each object keeps at least this fraction of its pixels visible
  int noise = 10;                     // amplitude of the per-pixel noise (grey levels)
  int min_clutter = 3, max_clutter = 10;  // clutter shapes drawn on the background
  // Checks the values; throws detseq::Error naming the offending flag.
  void validate() const;
};

// Items one split may draw from: indices [begin, end) of an IDX image/label pair.
struct ItemPool {
  const IdxArray* images = nullptr;  // {N, 28, 28}
  const IdxArray* labels = nullptr;  // {N}
  int64_t begin = 0, end = 0;
};

struct SceneObject {
  int64_t label = 0;           // 0-based class
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // tight box of the item's pixels, x1/y1 exclusive
  int64_t area = 0;            // visible pixels of the item's mask
  int64_t item_index = 0;      // index into the IDX arrays
};

struct Scene {
  cv::Mat image;  // CV_8UC3, BGR (OpenCV's order), size x size
  std::vector<SceneObject> objects;
};

// Renders one scene; `seed` fully determines it.
Scene render_scene(const ItemPool& pool, const SceneOptions& options, uint64_t seed);

}  // namespace detseq::synth
