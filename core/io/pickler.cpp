// Value -> pickle (protocol 2 plus BINBYTES), laid out as torch.save lays out tensors so that
// Python's torch.load rebuilds them: _rebuild_tensor_v2(persistent storage id, offset, size, stride,
// requires_grad=False, OrderedDict()).
#include <cstring>
#include <unordered_map>

#include "core/io/pickle.h"
#include "core/util/error.h"

namespace detseq::io {

namespace {
const std::vector<std::pair<torch::ScalarType, const char*>>& storage_names() {
  static const std::vector<std::pair<torch::ScalarType, const char*>> names = {
      {torch::kFloat, "FloatStorage"},   {torch::kDouble, "DoubleStorage"},
      {torch::kHalf, "HalfStorage"},     {torch::kBFloat16, "BFloat16Storage"},
      {torch::kLong, "LongStorage"},     {torch::kInt, "IntStorage"},
      {torch::kShort, "ShortStorage"},   {torch::kChar, "CharStorage"},
      {torch::kByte, "ByteStorage"},     {torch::kBool, "BoolStorage"},
      {torch::kComplexFloat, "ComplexFloatStorage"}, {torch::kComplexDouble, "ComplexDoubleStorage"},
  };
  return names;
}
}  // namespace

std::optional<torch::ScalarType> storage_dtype(const std::string& name) {
  std::string bare = name;
  if (bare.rfind("torch.", 0) == 0) bare = bare.substr(6);
  for (const auto& [dtype, n] : storage_names()) {
    if (bare == n) return dtype;
  }
  return std::nullopt;
}

std::string storage_type_name(torch::ScalarType dtype) {
  for (const auto& [d, n] : storage_names()) {
    if (d == dtype) return n;
  }
  throw Error(std::string("cannot write tensors of dtype ") + c10::toString(dtype) + " to a checkpoint");
}

namespace {

class Pickler {
 public:
  explicit Pickler(std::vector<PickledStorage>& storages) : storages_(storages) {}

  std::string run(const Value& root) {
    out_ += "\x80\x02";
    put(root);
    out_ += '.';
    return std::move(out_);
  }

 private:
  void op(char c) { out_ += c; }
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  void integer(int64_t v) {
    if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      le(static_cast<uint32_t>(static_cast<int32_t>(v)), 4);
    } else {
      op('\x8a');  // LONG1, 8 bytes two's complement
      out_ += '\x08';
      le(static_cast<uint64_t>(v), 8);
    }
  }
  void text(const std::string& s) {
    op('X');
    le(s.size(), 4);
    out_ += s;
  }
  void global(const char* module, const std::string& name) {
    op('c');
    out_ += module;
    out_ += '\n';
    out_ += name;
    out_ += '\n';
  }
  void int_tuple(c10::IntArrayRef xs) {
    op('(');
    for (int64_t x : xs) integer(x);
    op('t');
  }

  void put(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::None: op('N'); return;
      case Value::Kind::Bool: op(v.as_bool() ? '\x88' : '\x89'); return;
      case Value::Kind::Int: integer(v.as_int()); return;
      case Value::Kind::Float: {
        const double d = v.as_double();
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        op('G');
        for (int i = 7; i >= 0; --i) out_ += static_cast<char>((bits >> (8 * i)) & 0xFF);  // big-endian
        return;
      }
      case Value::Kind::String: text(v.as_string()); return;
      case Value::Kind::Bytes:
        op('B');
        le(v.as_string().size(), 4);
        out_ += v.as_string();
        return;
      case Value::Kind::Tensor: tensor(v.as_tensor()); return;
      case Value::Kind::List:
        op(']');
        if (v.size() > 0) {
          op('(');
          for (const Value& x : v.elements()) put(x);
          op('e');
        }
        return;
      case Value::Kind::Tuple:
        op('(');
        for (const Value& x : v.elements()) put(x);
        op('t');
        return;
      case Value::Kind::Dict:
        op('}');
        if (v.size() > 0) {
          op('(');
          for (const auto& [k, x] : v.items()) {
            put(k);
            put(x);
          }
          op('u');
        }
        return;
      case Value::Kind::Opaque:
        throw Error("cannot write a Python '" + v.as_string() + "' object to a checkpoint (only values read as such)");
    }
  }

  void tensor(torch::Tensor t) {
    if (!t.defined()) {
      op('N');
      return;
    }
    if (t.layout() != torch::kStrided || t.is_quantized()) throw Error("cannot write sparse or quantized tensors to a checkpoint");
    t = t.detach();
    if (!t.device().is_cpu()) t = t.cpu();
    const c10::StorageImpl* impl = t.storage().unsafeGetStorageImpl();
    const size_t elem = t.element_size();
    auto it = keys_.find(impl);
    if (it == keys_.end()) {
      const std::string key = std::to_string(storages_.size());  // records data/0, data/1, ...
      const int64_t numel = static_cast<int64_t>(t.storage().nbytes() / elem);
      // A 1-D tensor over the whole storage, so views written later share it.
      torch::Tensor whole = torch::empty({0}, t.options()).set_(t.storage(), 0, {numel}, {1});
      storages_.push_back({key, whole});
      it = keys_.emplace(impl, storages_.size() - 1).first;
    }
    const PickledStorage& s = storages_[it->second];
    if (s.storage.scalar_type() != t.scalar_type()) throw Error("cannot write two dtypes viewing one storage");
    global("torch._utils", "_rebuild_tensor_v2");
    op('(');
    op('(');  // persistent id ('storage', torch.<Type>Storage, key, 'cpu', numel)
    text("storage");
    global("torch", storage_type_name(t.scalar_type()));
    text(s.key);
    text("cpu");
    integer(s.storage.numel());
    op('t');
    op('Q');
    integer(t.storage_offset());
    int_tuple(t.sizes());
    int_tuple(t.strides());
    op('\x89');  // requires_grad
    global("collections", "OrderedDict");
    op(')');
    op('R');
    op('t');
    op('R');
  }

  std::vector<PickledStorage>& storages_;
  // Storage -> index in storages_ (which keeps each storage alive, so addresses stay unique).
  std::unordered_map<const c10::StorageImpl*, size_t> keys_;
  std::string out_;
};

}  // namespace

std::string pickle(const Value& root, std::vector<PickledStorage>& storages) {
  return Pickler(storages).run(root);
}

}  // namespace detseq::io
