#include "core/visualization/palette.h"

#include <cmath>

namespace detseq::vis {

Rgb Palette::color(int64_t label) const {
  if (label >= 0 && label < static_cast<int64_t>(colors_.size())) return colors_[label];
  return default_color(label);
}

Rgb default_color(int64_t label) {
  if (label < 0) return {255, 255, 255};
  const double golden = 0.618033988749895;
  const double h = std::fmod(0.11 + golden * static_cast<double>(label), 1.0) * 6.0;
  const double s = 0.95 - 0.25 * static_cast<double>((label / 7) % 3) / 2.0;
  const double v = 1.0 - 0.2 * static_cast<double>((label / 3) % 3) / 2.0;
  // HSV -> RGB.
  const int sector = static_cast<int>(h) % 6;
  const double f = h - std::floor(h);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = 0, g = 0, b = 0;
  switch (sector) {
    case 0: r = v, g = t, b = p; break;
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    default: r = v, g = p, b = q; break;
  }
  auto to8 = [](double x) { return static_cast<uint8_t>(std::lround(x * 255.0)); };
  return {to8(r), to8(g), to8(b)};
}

Rgb contrasting_text_color(const Rgb& bg) {
  auto lin = [](uint8_t c) {
    const double x = c / 255.0;
    return x <= 0.03928 ? x / 12.92 : std::pow((x + 0.055) / 1.055, 2.4);
  };
  const double lum = 0.2126 * lin(bg[0]) + 0.7152 * lin(bg[1]) + 0.0722 * lin(bg[2]);
  // Contrast ratio against white is 1.05/(lum+0.05), against black (lum+0.05)/0.05.
  return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? Rgb{255, 255, 255} : Rgb{0, 0, 0};
}

}  // namespace detseq::vis
