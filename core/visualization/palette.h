// Palette: one stable colour per class label. A dataset's own palette (DatasetMeta::palette) wins;
// labels it does not cover get a fixed, deterministic colour, so the same class always has the
// same colour across images, runs and machines.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace detseq::vis {

using Rgb = std::array<uint8_t, 3>;

class Palette {
 public:
  explicit Palette(std::vector<Rgb> dataset_palette = {}) : colors_(std::move(dataset_palette)) {}
  Rgb color(int64_t label) const;

 private:
  std::vector<Rgb> colors_;
};

// The fixed fallback colour of `label`: hues spread by the golden ratio (neighbouring labels far
// apart), saturation/value cycling so that labels 0..255 stay distinguishable.
Rgb default_color(int64_t label);

// Black or white, whichever contrasts more with `background` (WCAG relative luminance).
Rgb contrasting_text_color(const Rgb& background);

}  // namespace detseq::vis
