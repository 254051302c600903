// A confusion matrix as a heat map (mmdet's confusion_matrix.py plot): rows ground truth, columns
// predictions, each cell the row-normalised percentage in the plasma colour map with its value
// written in it, class names on both axes, a colour bar, and a title.
#pragma once
#include <opencv2/core.hpp>

#include <string>

#include "core/evaluation/confusion_matrix.h"

namespace detseq::vis {

// The returned image is RGB.
cv::Mat draw_confusion_matrix(const coco::ConfusionMatrix& cm, const std::string& title = "Normalized Confusion Matrix");

// The RGB colour of `percent` (0..100) in the map the plot uses (for tests and legends).
cv::Vec3b confusion_color(double percent);

}  // namespace detseq::vis
