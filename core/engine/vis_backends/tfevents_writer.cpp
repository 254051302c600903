#include "core/engine/vis_backends/tfevents_writer.h"

#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "core/engine/vis_backends/tfevents.pb.h"
#include "core/util/error.h"

namespace detseq::tfevents {
namespace {

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

void put_u32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

EventFileWriter::EventFileWriter(const std::string& dir) {
  namespace fs = std::filesystem;
  const double now = unix_seconds();
  path_ = (fs::path(dir) / ("events.out.tfevents." + std::to_string(static_cast<int64_t>(now)) + "." + host_name() +
                            "." + std::to_string(::getpid())))
              .string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  // "x": never append to (and corrupt) another writer's file of the same second and process.
  file_ = std::fopen(path_.c_str(), "wbx");
  if (!file_) {
    throw Error("TensorboardVisBackend: cannot create event file " + path_ + ": " + std::strerror(errno));
  }
  Event first;
  first.set_wall_time(now);
  first.set_file_version("brain.Event:2");
  write_record(first.SerializeAsString());
}

EventFileWriter::~EventFileWriter() {
  if (file_) std::fclose(file_);
}

void EventFileWriter::write_record(const std::string& event_bytes) {
  char header[12];
  put_u64(header, event_bytes.size());
  put_u32(header + 8, mask_crc(crc32c(header, 8)));
  char footer[4];
  put_u32(footer, mask_crc(crc32c(event_bytes.data(), event_bytes.size())));
  const bool ok = std::fwrite(header, 1, sizeof(header), file_) == sizeof(header) &&
                  std::fwrite(event_bytes.data(), 1, event_bytes.size(), file_) == event_bytes.size() &&
                  std::fwrite(footer, 1, sizeof(footer), file_) == sizeof(footer) && std::fflush(file_) == 0;
  if (!ok) throw Error("TensorboardVisBackend: cannot write to event file " + path_ + ": " + std::strerror(errno));
}

}  // namespace detseq::tfevents
