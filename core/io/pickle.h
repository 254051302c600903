// Our pickle interpreter and writer (internal to core/io; use checkpoint.h).
//
// The unpickler covers the opcodes of protocols 0-5 that torch.save and plain Python data produce.
// Globals become Value::opaque("module.name"); REDUCE/NEWOBJ on a known callable (OrderedDict,
// torch._utils._rebuild_tensor_v2, _rebuild_parameter, torch.Size, set, _codecs.encode, ...)
// builds the real value, on anything else an opaque object named after the callable.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/io/value.h"

namespace detseq::io {

// Turns a persistent id (torch.save: ('storage', torch.FloatStorage, key, location, numel)) into
// a 1-D tensor viewing the whole storage with its dtype.
using PersistentLoader = std::function<torch::Tensor(const Value& pid)>;

// Runs the pickle program in `data`. `source` names the file in errors.
Value unpickle(const std::string& data, const PersistentLoader& load_persistent, const std::string& source);

// Storage written by the pickler: `key` is its record name under data/.
struct PickledStorage {
  std::string key;
  torch::Tensor storage;  // 1-D CPU tensor over the whole storage (dtype = storage dtype)
};

// Pickles `root` (protocol 2, torch.save's tensor layout); storages to write are appended to
// `storages` (each distinct storage once).
std::string pickle(const Value& root, std::vector<PickledStorage>& storages);

// Pickles `root` as a plain pickle that Python's pickle.load reads without torch.load: tensors are
// rebuilt from lists of numbers by torch.tensor (exact, shape and dtype kept), so reading needs
// `import torch` to work but nothing else. For result dumps (`detseq test --out x.pkl`), not weights.
std::string pickle_plain(const Value& root);

// "FloatStorage" <-> kFloat, ...; unknown name -> nullopt.
std::optional<torch::ScalarType> storage_dtype(const std::string& storage_type_name);
std::string storage_type_name(torch::ScalarType dtype);

}  // namespace detseq::io
