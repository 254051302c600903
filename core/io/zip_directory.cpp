#include "core/io/zip_directory.h"

#include <zlib.h>

#include <algorithm>

#include "core/util/error.h"

namespace detseq::io {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50, kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr size_t kEndRecordSize = 22, kLocatorSize = 20, kEntryHeaderSize = 46;
constexpr size_t kMaxCommentSize = 0xFFFF;

uint64_t le(const std::string& s, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(s[at + i])) << (8 * i);
  return v;
}

}  // namespace

uint32_t crc32_of(const void* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  while (size > 0) {  // zlib takes 32-bit lengths
    const uInt n = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, p, n);
    p += n, size -= n;
  }
  return static_cast<uint32_t>(crc);
}

std::unordered_map<std::string, ZipEntry> read_zip_directory(const ZipReadAt& read_at, uint64_t file_size,
                                                             const std::string& source) {
  const auto fail = [&](const std::string& what) -> void {
    throw Error(source + ": corrupt checkpoint archive: " + what);
  };
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  const uint64_t tail_size = std::min<uint64_t>(file_size, kEndRecordSize + kMaxCommentSize);
  const std::string tail = read_at(file_size - tail_size, tail_size);
  size_t end = std::string::npos;
  for (size_t i = tail.size() >= kEndRecordSize ? tail.size() - kEndRecordSize + 1 : 0; i-- > 0;) {
    if (le(tail, i, 4) == kEndOfDirectory) {
      end = i;
      break;
    }
  }
  if (end == std::string::npos) fail("no zip end-of-directory record (truncated file?)");
  uint64_t entries = le(tail, end + 10, 2), dir_size = le(tail, end + 12, 4), dir_offset = le(tail, end + 16, 4);
  if (entries == 0xFFFF || dir_size == 0xFFFFFFFF || dir_offset == 0xFFFFFFFF) {  // zip64
    const uint64_t end_at = file_size - tail_size + end;
    if (end_at < kLocatorSize) fail("zip64 locator missing");
    const std::string loc = read_at(end_at - kLocatorSize, kLocatorSize);
    if (loc.size() != kLocatorSize || le(loc, 0, 4) != kZip64Locator) fail("zip64 locator missing");
    const uint64_t rec_at = le(loc, 8, 8);
    const std::string rec = rec_at < file_size ? read_at(rec_at, 56) : std::string();
    if (rec.size() != 56 || le(rec, 0, 4) != kZip64End) fail("zip64 end-of-directory record missing");
    entries = le(rec, 32, 8), dir_size = le(rec, 40, 8), dir_offset = le(rec, 48, 8);
  }
  if (dir_offset > file_size || dir_size > file_size - dir_offset) fail("the zip directory lies outside the file");
  const std::string dir = read_at(dir_offset, static_cast<size_t>(dir_size));
  if (dir.size() != dir_size) fail("the zip directory is truncated");
  std::unordered_map<std::string, ZipEntry> out;
  size_t at = 0;
  for (uint64_t e = 0; e < entries; ++e) {
    if (dir.size() - at < kEntryHeaderSize || le(dir, at, 4) != kDirectoryEntry)
      fail("zip directory entry " + std::to_string(e) + " is malformed");
    const size_t name_len = le(dir, at + 28, 2), extra_len = le(dir, at + 30, 2), comment_len = le(dir, at + 32, 2);
    if (dir.size() - at - kEntryHeaderSize < name_len + extra_len + comment_len)
      fail("zip directory entry " + std::to_string(e) + " is truncated");
    std::string name = dir.substr(at + kEntryHeaderSize, name_len);
    const size_t slash = name.find('/');
    if (slash != std::string::npos) name = name.substr(slash + 1);
    ZipEntry entry;
    entry.crc32 = static_cast<uint32_t>(le(dir, at + 16, 4));
    out[name] = entry;
    at += kEntryHeaderSize + name_len + extra_len + comment_len;
  }
  return out;
}

}  // namespace detseq::io
