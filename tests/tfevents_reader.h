// A reader of TensorBoard event files for the tests, written independently of the writer
// (core/engine/vis_backends/tfevents_writer.cpp): it checks both masked CRC-32Cs of every record
// with its own Boost.CRC and decodes each record into the generated Event class.
#pragma once
#include <boost/crc.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/engine/vis_backends/tfevents.pb.h"

namespace detseq::test {

inline uint32_t reader_crc32c(const void* data, size_t size) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

inline uint32_t reader_masked_crc(const void* data, size_t size) {
  const uint32_t crc = reader_crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

inline uint64_t read_le(const std::string& bytes, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

// Every record of the file, decoded; throws std::runtime_error naming the record on a bad CRC, a
// truncated record or bytes that are not an Event.
inline std::vector<tfevents::Event> read_event_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<tfevents::Event> events;
  size_t at = 0;
  while (at < bytes.size()) {
    const std::string where = path + ": record " + std::to_string(events.size()) + " at byte " + std::to_string(at);
    if (bytes.size() - at < 12) throw std::runtime_error(where + ": truncated header");
    const uint64_t length = read_le(bytes, at, 8);
    if (read_le(bytes, at + 8, 4) != reader_masked_crc(bytes.data() + at, 8))
      throw std::runtime_error(where + ": length CRC mismatch");
    if (bytes.size() - at - 12 < length + 4) throw std::runtime_error(where + ": truncated data");
    const std::string data = bytes.substr(at + 12, length);
    if (read_le(bytes, at + 12 + length, 4) != reader_masked_crc(data.data(), data.size()))
      throw std::runtime_error(where + ": data CRC mismatch");
    tfevents::Event event;
    if (!event.ParseFromString(data)) throw std::runtime_error(where + ": not an Event");
    events.push_back(std::move(event));
    at += 12 + length + 4;
  }
  return events;
}

// The event files (events.out.tfevents.*) directly in `dir`.
inline std::vector<std::string> event_files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) out.push_back(e.path().string());
  return out;
}

}  // namespace detseq::test
