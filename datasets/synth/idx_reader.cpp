#include "datasets/synth/idx_reader.h"

#include <zlib.h>

#include <filesystem>
#include <memory>

#include "core/util/error.h"

namespace detseq::synth {
namespace {

// No MNIST-style file is near this; the bound keeps a corrupt header from allocating gigabytes.
constexpr int64_t kMaxBytes = int64_t{1} << 31;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

void read_exact(gzFile f, void* into, size_t n, const std::string& path, const char* what) {
  auto* out = static_cast<char*>(into);
  while (n > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    const int got = gzread(f, out, chunk);
    if (got <= 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw Error(path + ": truncated or corrupt IDX file while reading the " + what +
                  (err != Z_OK && err != Z_STREAM_END ? std::string(" (") + msg + ")" : std::string()));
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
}

}  // namespace

int64_t IdxArray::item_size() const {
  int64_t n = 1;
  for (size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  return n;
}

IdxArray read_idx(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": IDX file not found");
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));  // reads plain files too
  if (!f) throw Error(path + ": cannot open the IDX file");
  unsigned char magic[4];
  read_exact(f.get(), magic, 4, path, "header");
  if (magic[0] != 0 || magic[1] != 0) throw Error(path + ": not an IDX file (bad magic number)");
  if (magic[2] != 0x08) throw Error(path + ": IDX element type " + std::to_string(magic[2]) + " is not unsigned byte (8)");
  const int ndims = magic[3];
  if (ndims < 1 || ndims > 4) throw Error(path + ": IDX file declares " + std::to_string(ndims) + " dimensions (1-4 expected)");
  IdxArray out;
  int64_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    unsigned char be[4];
    read_exact(f.get(), be, 4, path, "header");
    const int64_t dim = (int64_t{be[0]} << 24) | (int64_t{be[1]} << 16) | (int64_t{be[2]} << 8) | int64_t{be[3]};
    if (dim <= 0) throw Error(path + ": IDX dimension " + std::to_string(d) + " is " + std::to_string(dim));
    total *= dim;
    if (total > kMaxBytes) throw Error(path + ": IDX header declares more than 2 GiB of data (corrupt file?)");
    out.dims.push_back(dim);
  }
  out.data.resize(static_cast<size_t>(total));
  read_exact(f.get(), out.data.data(), out.data.size(), path, "data");
  char extra;
  if (gzread(f.get(), &extra, 1) > 0) throw Error(path + ": IDX file has data past the size its header declares");
  return out;
}

}  // namespace detseq::synth
