// Value -> pickle (protocol 2 plus BINBYTES), laid out as torch.save lays out tensors so that
// Python's torch.load rebuilds them: _rebuild_tensor_v2(persistent storage id, offset, size, stride,
// requires_grad=False, OrderedDict()). Plain pickles (no zip, no persistent ids; for pickle.load)
// write each tensor as torch.reshape(partial(torch.tensor, dtype=D)([values...]), shape).
#include <cstring>
#include <functional>
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

// torch.<name> of each dtype a plain pickle can rebuild from a list of Python numbers.
const char* python_dtype_name(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kHalf: return "float16";
    case torch::kBFloat16: return "bfloat16";
    case torch::kLong: return "int64";
    case torch::kInt: return "int32";
    case torch::kShort: return "int16";
    case torch::kChar: return "int8";
    case torch::kByte: return "uint8";
    case torch::kBool: return "bool";
    default: throw Error(std::string("cannot write tensors of dtype ") + c10::toString(dtype) + " to a plain pickle");
  }
}

class Pickler {
 public:
  // `storages` null: a plain pickle (tensors as values, see plain_tensor).
  explicit Pickler(std::vector<PickledStorage>* storages) : storages_(storages) {}

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
      case Value::Kind::Tensor:
        if (storages_ != nullptr) tensor(v.as_tensor());
        else plain_tensor(v.as_tensor());
        return;
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
        throw Error("cannot write a Python '" + v.as_string() + "' object to a pickle (only values read as such)");
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
    std::vector<PickledStorage>& storages = *storages_;
    auto it = keys_.find(impl);
    if (it == keys_.end()) {
      const std::string key = std::to_string(storages.size());  // records data/0, data/1, ...
      const int64_t numel = static_cast<int64_t>(t.storage().nbytes() / elem);
      // A 1-D tensor over the whole storage, so views written later share it.
      torch::Tensor whole = torch::empty({0}, t.options()).set_(t.storage(), 0, {numel}, {1});
      storages.push_back({key, whole});
      it = keys_.emplace(impl, storages.size() - 1).first;
    }
    const PickledStorage& s = storages[it->second];
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

  // The object `emit` pushes, written once and fetched from the memo afterwards.
  void memoized(const std::string& key, const std::function<void()>& emit) {
    if (auto it = memo_.find(key); it != memo_.end()) {
      op('j');  // LONG_BINGET
      le(it->second, 4);
      return;
    }
    emit();
    const auto index = static_cast<uint32_t>(memo_.size());
    memo_.emplace(key, index);
    op('r');  // LONG_BINPUT
    le(index, 4);
  }

  // torch.reshape(partial(torch.tensor, dtype=torch.D)([v0, v1, ...]), shape): exact for every
  // dtype (float32 -> Python float -> float32 round-trips), and an empty (0, 4) keeps its shape.
  void plain_tensor(torch::Tensor t) {
    if (!t.defined()) {
      op('N');
      return;
    }
    if (t.layout() != torch::kStrided || t.is_quantized()) throw Error("cannot write sparse or quantized tensors to a pickle");
    const std::string dtype = python_dtype_name(t.scalar_type());
    const std::vector<int64_t> shape = t.sizes().vec();
    t = t.detach().cpu().contiguous().reshape({-1});
    memoized("torch.reshape", [&] { global("torch", "reshape"); });
    op('(');
    memoized("tensor." + dtype, [&] {
      global("functools", "partial");
      global("torch", "tensor");
      op('\x85');  // TUPLE1
      op('R');
      op('(');  // partial's state: (func, args, keywords, __dict__)
      global("torch", "tensor");
      op(')');
      op('}');
      text("dtype");
      global("torch", dtype);
      op('s');  // SETITEM
      op('N');
      op('t');
      op('b');  // BUILD
    });
    op(']');
    if (t.numel() > 0) {
      op('(');
      if (t.is_floating_point()) {
        const torch::Tensor d = t.to(torch::kDouble);
        for (const double x : c10::ArrayRef<double>(d.data_ptr<double>(), d.numel())) put(Value(x));
      } else if (t.scalar_type() == torch::kBool) {
        for (const bool x : c10::ArrayRef<bool>(t.data_ptr<bool>(), t.numel())) op(x ? '\x88' : '\x89');
      } else {
        const torch::Tensor l = t.to(torch::kLong);
        for (const int64_t x : c10::ArrayRef<int64_t>(l.data_ptr<int64_t>(), l.numel())) integer(x);
      }
      op('e');
    }
    op('\x85');
    op('R');
    int_tuple(shape);
    op('t');
    op('R');
  }

  std::vector<PickledStorage>* storages_;
  std::unordered_map<std::string, uint32_t> memo_;
  // Storage -> index in storages_ (which keeps each storage alive, so addresses stay unique).
  std::unordered_map<const c10::StorageImpl*, size_t> keys_;
  std::string out_;
};

}  // namespace

std::string pickle(const Value& root, std::vector<PickledStorage>& storages) {
  return Pickler(&storages).run(root);
}

std::string pickle_plain(const Value& root) { return Pickler(nullptr).run(root); }

}  // namespace detseq::io
