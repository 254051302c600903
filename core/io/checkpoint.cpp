#include "core/io/checkpoint.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/io/atomic_file.h"
#include "core/io/pickle.h"
#include "core/io/zip_directory.h"
#include "core/util/error.h"

namespace detseq::io {
namespace {

using caffe2::serialize::PyTorchStreamReader;
using caffe2::serialize::PyTorchStreamWriter;

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// Classifies a file by its first bytes so that non-zip inputs get a precise message.
void check_signature(const std::string& head, const std::string& source) {
  if (head.empty()) throw Error(source + ": empty file, not a PyTorch checkpoint");
  if (head.rfind("PK\x03\x04", 0) == 0 || head.rfind("PK\x05\x06", 0) == 0) return;
  if (static_cast<uint8_t>(head[0]) == 0x80) {
    throw Error(source + ": legacy (non-zip) torch.save format from PyTorch < 1.6 or "
                         "_use_new_zipfile_serialization=False; re-save it in Python with torch.save(torch.load(f), f)");
  }
  throw Error(source + ": not a PyTorch checkpoint (no zip signature; expected a file written by torch.save)");
}

// Swaps each element's bytes (files written on big-endian machines say so in `byteorder`).
void swap_bytes(torch::Tensor& t) {
  const size_t n = t.element_size();
  if (n <= 1) return;
  auto* p = static_cast<uint8_t*>(t.data_ptr());
  for (int64_t i = 0; i < t.numel(); ++i, p += n) std::reverse(p, p + n);
}

// A record's bytes, checked against the CRC-32 of the zip directory (flipped bytes in a stored
// record are otherwise loaded silently).
std::pair<at::DataPtr, size_t> checked_record(PyTorchStreamReader& reader, const std::string& name,
                                              const std::unordered_map<std::string, ZipEntry>& directory,
                                              const std::string& source) {
  const auto entry = directory.find(name);
  if (entry == directory.end()) throw Error(source + ": record " + name + " is missing from the zip directory");
  auto [ptr, size] = reader.getRecord(name);
  const uint32_t crc = crc32_of(ptr.get(), size);
  if (crc != entry->second.crc32) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "CRC-32 %08x, the zip directory says %08x", crc, entry->second.crc32);
    throw Error(source + ": record " + name + " is corrupt (" + buf + "); the file was damaged after it was written");
  }
  return {std::move(ptr), size};
}

Value read_archive(PyTorchStreamReader& reader, const std::unordered_map<std::string, ZipEntry>& directory,
                   const std::string& source) {
  if (!reader.hasRecord("data.pkl")) {
    throw Error(source + ": missing record data.pkl (a zip, but not written by torch.save" +
                (reader.hasRecord("constants.pkl") ? std::string("; a TorchScript module?)") : std::string(")")));
  }
  bool big_endian = false;
  if (reader.hasRecord("byteorder")) {
    auto [ptr, size] = checked_record(reader, "byteorder", directory, source);
    big_endian = std::string(static_cast<const char*>(ptr.get()), size) == "big";
  }
  std::unordered_map<std::string, torch::Tensor> storages;  // by key: views share one storage
  PersistentLoader load = [&](const Value& pid) -> torch::Tensor {
    if (!pid.is_tuple() || pid.size() < 5 || !pid.elements()[0].is_string() || pid.elements()[0].as_string() != "storage") {
      throw Error(source + ": unsupported persistent id " + pid.describe() + " in data.pkl");
    }
    const auto& e = pid.elements();
    const std::string type = e[1].is_opaque() ? e[1].as_string() : e[1].describe();
    const std::optional<torch::ScalarType> dtype = storage_dtype(type);
    if (!dtype) throw Error(source + ": unsupported storage type '" + type + "'");
    const std::string key = e[2].as_string();
    const int64_t numel = e[4].as_int();
    if (auto it = storages.find(key); it != storages.end()) return it->second;
    const std::string record = "data/" + key;
    if (!reader.hasRecord(record)) throw Error(source + ": missing record " + record);
    auto [ptr, size] = checked_record(reader, record, directory, source);
    const size_t expected = static_cast<size_t>(numel) * c10::elementSize(*dtype);
    if (numel < 0 || size < expected) {
      throw Error(source + ": record " + record + " has " + std::to_string(size) + " bytes, expected " +
                  std::to_string(expected) + " (truncated or corrupt file)");
    }
    c10::Storage storage(c10::Storage::use_byte_size_t(), size, std::move(ptr), nullptr, false);
    torch::Tensor t = torch::empty({0}, torch::TensorOptions().dtype(*dtype)).set_(storage, 0, {numel}, {1});
    if (big_endian) swap_bytes(t);
    storages.emplace(key, t);
    return t;
  };
  auto [ptr, size] = checked_record(reader, "data.pkl", directory, source);
  Value root = unpickle(std::string(static_cast<const char*>(ptr.get()), size), load, source);
  if (!root.is_dict())
    throw Error(source + ": the checkpoint holds a " + root.describe() + ", expected a dict (of weights, or a "
                "checkpoint with 'state_dict'/'model')");
  return root;
}

// Runs `body`, turning LibTorch's errors (corrupt zip, failed reads) into one-line detseq errors.
template <class F>
Value guarded(const std::string& source, F&& body) {
  try {
    return body();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(source + ": corrupt or truncated checkpoint archive (" + first_line(e.what_without_backtrace()) + ")");
  } catch (const std::exception& e) {
    throw Error(source + ": cannot read checkpoint: " + first_line(e.what()));
  }
}

}  // namespace

Value read_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open checkpoint (no such file or not readable)");
  std::string head(8, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  in.close();
  check_signature(head, path);
  return guarded(path, [&] {
    std::ifstream file(path, std::ios::binary | std::ios::ate);
    const uint64_t file_size = static_cast<uint64_t>(file.tellg());
    const auto directory = read_zip_directory(
        [&](uint64_t offset, size_t n) {
          std::string buf(n, '\0');
          file.clear();
          file.seekg(static_cast<std::streamoff>(offset));
          file.read(buf.data(), static_cast<std::streamsize>(n));
          buf.resize(static_cast<size_t>(std::max<std::streamsize>(file.gcount(), 0)));
          return buf;
        },
        file_size, path);
    PyTorchStreamReader reader(path);
    return read_archive(reader, directory, path);
  });
}

Value read_checkpoint_bytes(const std::string& bytes, const std::string& source) {
  check_signature(bytes.substr(0, 8), source);
  return guarded(source, [&] {
    const auto directory = read_zip_directory(
        [&](uint64_t offset, size_t n) { return offset < bytes.size() ? bytes.substr(offset, n) : std::string(); },
        bytes.size(), source);
    std::istringstream in(bytes);
    PyTorchStreamReader reader(&in);
    return read_archive(reader, directory, source);
  });
}

namespace {
void write_archive(const Value& root, const std::function<size_t(const void*, size_t)>& sink) {
  std::vector<PickledStorage> storages;
  const std::string pkl = pickle(root, storages);
  PyTorchStreamWriter writer(sink);
  writer.writeRecord("data.pkl", pkl.data(), pkl.size());
  writer.writeRecord("byteorder", "little", 6);  // read by PyTorch >= 2.1; this host is little-endian
  for (const PickledStorage& s : storages) {
    writer.writeRecord("data/" + s.key, s.storage.data_ptr(), s.storage.numel() * s.storage.element_size());
  }
  writer.writeEndOfFile();
}
}  // namespace

std::string serialize_checkpoint(const Value& root) {
  std::string out;
  try {
    write_archive(root, [&](const void* buf, size_t n) {
      out.append(static_cast<const char*>(buf), n);
      return n;
    });
  } catch (const c10::Error& e) {
    throw Error("cannot serialize checkpoint: " + first_line(e.what_without_backtrace()));
  }
  return out;
}

void write_checkpoint(const std::string& path, const Value& root) {
  try {
    write_file_atomic(path, [&](std::ostream& os) {
      // Always report success to the zip writer: a short write makes it throw, and again from its
      // destructor (std::terminate). write_file_atomic reports the failed write with its errno.
      write_archive(root, [&](const void* buf, size_t n) {
        os.write(static_cast<const char*>(buf), static_cast<std::streamsize>(n));
        return n;
      });
    });
  } catch (const c10::Error& e) {  // the zip writer reports short writes this way
    throw Error(path + ": writing the checkpoint failed: " + first_line(e.what_without_backtrace()));
  }
}

}  // namespace detseq::io
