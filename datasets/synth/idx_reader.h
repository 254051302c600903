// Reader for the IDX files of MNIST-style data sets (Fashion-MNIST ships them gzip-compressed in
// Debian's dataset-fashion-mnist). Only unsigned-byte tensors (type 0x08) are supported, which is
// what those data sets use.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace detseq::synth {

struct IdxArray {
  std::vector<int64_t> dims;  // e.g. {60000, 28, 28} for images, {60000} for labels
  std::vector<uint8_t> data;  // row-major, product(dims) bytes
  int64_t count() const { return dims.empty() ? 0 : dims[0]; }
  int64_t item_size() const;  // product of dims[1:]
};

// Reads a `.gz` or uncompressed IDX file. Throws detseq::Error naming the file on a missing file,
// a bad magic number, a non-ubyte type, or a size that does not match the header (the header is
// checked against a bound before anything is allocated).
IdxArray read_idx(const std::string& path);

}  // namespace detseq::synth
