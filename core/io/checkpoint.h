// Reading and writing PyTorch checkpoint files (`torch.save` / `torch.load` zip format).
//
//   io::Value ckpt = io::read_checkpoint("detr-r50-e632da11.pth");
//   const io::Value& model = ckpt.at("model");          // dict name -> tensor
//   io::write_checkpoint("work_dirs/x/epoch_3.pth", ckpt);  // atomic, loads in Python torch.load
//
// The reader runs our own pickle interpreter over `data.pkl` (torch::pickle_load rejects real
// state dicts: OrderedDict, argparse.Namespace, ...). Tensors are rebuilt from the `data/<key>`
// storage records with their dtype, offset and strides; views of one storage share memory, as in
// Python. Objects of unknown Python types become Value::opaque and are skipped by the state-dict
// helpers. Every failure (missing file, truncated file, not a zip, legacy pre-1.6 format, missing
// record, unsupported pickle opcode) is one detseq::Error line naming the file and the problem.
//
// The writer produces a pickle (protocol 2) + zip archive that Python's torch.load reads into
// dicts / lists / tuples / tensors / str / int / float / bool / None / bytes. Opaque values cannot be
// written. The file appears atomically: written to a temp file in the same directory, fsync'ed,
// then renamed over the target, so a crash during a save leaves the previous file intact.
#pragma once
#include <functional>
#include <string>

#include "core/io/value.h"

namespace detseq::io {

// Reads a `torch.save` file. Tensors live on the CPU.
Value read_checkpoint(const std::string& path);
// Parses checkpoint bytes already in memory; `source` names them in error messages.
Value read_checkpoint_bytes(const std::string& bytes, const std::string& source);

// Serializes `root` into torch.save's zip format (returns the file bytes).
// Tensors are written from CPU copies; tensors sharing a storage are written once and stay views.
std::string serialize_checkpoint(const Value& root);
// serialize_checkpoint + write_file_atomic. Parent directories are created.
void write_checkpoint(const std::string& path, const Value& root);

}  // namespace detseq::io
