#include "datasets/synth/fashion_mnist.h"

#include <filesystem>

#include "core/util/error.h"

namespace detseq::synth {
namespace {

IdxArray read_part(const std::string& dir, const std::string& stem) {
  const std::string path = dir + "/" + stem + ".gz";
  if (!std::filesystem::exists(path)) {
    throw Error(path + ": Fashion-MNIST file not found — install Debian's package dataset-fashion-mnist "
                "(apt-get install dataset-fashion-mnist, or bash tools/install_deps.sh) or pass --source DIR");
  }
  return read_idx(path);
}

void check_pair(const IdxArray& images, const IdxArray& labels, const std::string& what) {
  if (images.dims.size() != 3 || images.dims[1] != 28 || images.dims[2] != 28)
    throw Error(what + " images: expected {N, 28, 28} items, got " + std::to_string(images.dims.size()) + " dimensions");
  if (labels.dims.size() != 1 || labels.count() != images.count())
    throw Error(what + " labels: expected one label per image (" + std::to_string(images.count()) + ")");
  for (uint8_t l : labels.data) {
    if (l > 9) throw Error(what + " labels: label " + std::to_string(l) + " is outside 0..9");
  }
}

}  // namespace

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

FashionMnist load_fashion_mnist(const std::string& dir) {
  FashionMnist f;
  f.train_images = read_part(dir, "train-images-idx3-ubyte");
  f.train_labels = read_part(dir, "train-labels-idx1-ubyte");
  f.test_images = read_part(dir, "t10k-images-idx3-ubyte");
  f.test_labels = read_part(dir, "t10k-labels-idx1-ubyte");
  check_pair(f.train_images, f.train_labels, dir + "/train-*-ubyte.gz");
  check_pair(f.test_images, f.test_labels, dir + "/t10k-*-ubyte.gz");
  return f;
}

}  // namespace detseq::synth
