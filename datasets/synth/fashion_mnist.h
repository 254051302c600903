// Fashion-MNIST (Zalando, MIT licence) as Debian's dataset-fashion-mnist installs it: 60k train and
// 10k test (t10k) 28x28 grey item images of 10 clothing classes, gzip-compressed IDX files.
#pragma once
#include <string>
#include <vector>

#include "datasets/synth/idx_reader.h"

namespace detseq::synth {

inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnist {
  IdxArray train_images, train_labels;  // {60000, 28, 28}, {60000}
  IdxArray test_images, test_labels;    // {10000, 28, 28}, {10000}
};

// The class names in label order (Fashion-MNIST's own names).
const std::vector<std::string>& fashion_mnist_classes();

// Reads the four files from `dir`. A missing file is an error that names it and the Debian
// package to install; inconsistent shapes or labels out of 0..9 are errors naming the file.
FashionMnist load_fashion_mnist(const std::string& dir = kFashionMnistDefaultDir);

}  // namespace detseq::synth
