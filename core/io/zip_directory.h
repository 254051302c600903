// The central directory of a zip archive (the file list at its end), read independently of
// LibTorch's reader, which does not verify record checksums (PyTorch builds miniz with its CRC
// checks disabled). The checkpoint reader compares each record it uses with the CRC-32 stored here.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace detseq::io {

struct ZipEntry {
  uint32_t crc32 = 0;
};

// Reads `n` bytes at `offset` (fewer at the end of the file).
using ZipReadAt = std::function<std::string(uint64_t offset, size_t n)>;

// Entries by record name *below the archive folder* ("archive/data.pkl" -> "data.pkl"), as
// PyTorchStreamReader names them. Throws detseq::Error naming `source` when the directory is
// missing, truncated or inconsistent with the file size.
std::unordered_map<std::string, ZipEntry> read_zip_directory(const ZipReadAt& read_at, uint64_t file_size,
                                                             const std::string& source);

// CRC-32 (zlib's polynomial) of `size` bytes.
uint32_t crc32_of(const void* data, size_t size);

}  // namespace detseq::io
