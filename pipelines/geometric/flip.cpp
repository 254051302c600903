// RandomFlip: horizontal (x' = W - x, so scale_x changes sign), vertical or diagonal (both).
#include <torch/torch.h>

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/geometry.h"

namespace detseq {

struct RandomFlipOptions {
  double prob = 0.5;
  std::string direction = "horizontal";
  template <class V>
  void visit(V& v) {
    v("prob", prob, "probability of flipping").range(0.0, 1.0);
    v("direction", direction, "which axes flip").one_of({"horizontal", "vertical", "diagonal"});
  }
};

class RandomFlip : public Transform {
 public:
  explicit RandomFlip(const RandomFlipOptions& o) : o_(o) {
  }
  bool apply(Sample& s, Rng& rng) override {
    // Always draw, so later transforms see the same random stream whether or not this one flips.
    if (uniform(rng, 0, 1) >= o_.prob) return true;
    const bool hflip = o_.direction != "vertical", vflip = o_.direction != "horizontal";
    const int64_t w = pipe::image_width(s), h = pipe::image_height(s);
    std::vector<int64_t> dims;
    if (vflip) dims.push_back(0);
    if (hflip) dims.push_back(1);
    s.image = s.image.flip(dims).contiguous();
    if (s.instances.masks.defined()) {  // [N, H, W]: the image's H, W dims shifted by one
      std::vector<int64_t> mask_dims;
      for (int64_t d : dims) mask_dims.push_back(d + 1);
      s.instances.masks = s.instances.masks.flip(mask_dims).contiguous();
    }
    pipe::AxisMap map;
    if (hflip) map.sx = -1, map.ox = double(w);
    if (vflip) map.sy = -1, map.oy = double(h);
    pipe::apply_map(s, map, w, h);
    if (hflip) s.meta.flipped = !s.meta.flipped;
    return true;
  }

 private:
  RandomFlipOptions o_;
};
DETSEQ_REGISTER_AS(Transform, RandomFlip, RandomFlipOptions, "RandomFlip", "flip image, boxes and meta with a probability");

}  // namespace detseq
