// TensorBoard event files: a sequence of length-prefixed, CRC-checked records, each one
// serialized `Event` (tfevents.proto). A record is
//   uint64 length (little endian) | uint32 masked CRC-32C of those 8 bytes |
//   data (length bytes)          | uint32 masked CRC-32C of data
// and the first one carries file_version "brain.Event:2". Readers skip a file whose CRCs do not
// match, so a torn last record (killed run) loses only that record.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace detseq::tfevents {

// CRC-32C (Castagnoli), as Boost.CRC computes it: crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void* data, size_t size);
// The record format stores CRCs rotated and offset so that a CRC of data holding CRCs stays strong.
uint32_t mask_crc(uint32_t crc);

// Appends records to one event file, flushed after each so that TensorBoard sees a live run.
class EventFileWriter {
 public:
  // Creates <dir>/events.out.tfevents.<unix time>.<hostname>.<pid> (and dir) and writes the
  // file_version record. Throws detseq::Error naming the path when it cannot.
  explicit EventFileWriter(const std::string& dir);
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // One record holding `event_bytes` (a serialized Event). Throws on a failed write.
  void write_record(const std::string& event_bytes);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace detseq::tfevents
