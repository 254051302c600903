// The stacked precision-recall picture of the COCO error breakdown (cocoapi analyze(), mmdet's
// coco_error_analysis.py): one filled band per error type between its curve and the one below,
// black curve lines, the legend "[0.512] C75" ... beside the plot (never over the curves).
#pragma once
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace detseq::vis {

// curves[t][r]: precision of error type t at recall rec_thrs[r] (non-decreasing in t); means[t]:
// the legend values; names[t]: the legend labels. The returned image is RGB.
cv::Mat draw_error_breakdown(const std::vector<std::vector<double>>& curves, const std::vector<double>& means,
                             const std::vector<std::string>& names, const std::vector<double>& rec_thrs,
                             const std::string& title);

// The band colours (RGB), mmdet's: C75 and C50 white, Loc blue, Sim red, Oth green, BG purple, FN orange.
const std::vector<cv::Vec3b>& error_band_colors();

}  // namespace detseq::vis
