// A pickle virtual machine producing Value trees (see pickle.h). Opcode semantics follow Python's
// Lib/pickle.py; every read is bounds-checked so a corrupt file is an error, never a crash.
// Hostile programs are bounded too: the number of values pushed is capped, nested tensor rebuilds
// are limited, and the result must pass check_tree (no cycles, bounded depth and expanded size).
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "core/io/pickle.h"
#include "core/util/error.h"

namespace detseq::io {
namespace {

// Values a pickle program may push (~120 bytes each): real checkpoints push well under a million.
constexpr size_t kMaxPushedValues = size_t(1) << 22;
// A tensor subclass record wraps a plain rebuild; deeper wrapping is hostile.
constexpr int kMaxRebuildNesting = 4;

class Unpickler {
 public:
  Unpickler(const std::string& data, const PersistentLoader& load, const std::string& source)
      : d_(data), load_(load), source_(source) {}
  ~Unpickler() {
    // Every reference cycle runs through a container some opcode mutated: emptying those breaks
    // all cycles of a rejected program, so nothing leaks.
    if (!accepted_)
      for (Value& v : mutated_) v.clear_children();
  }

  Value run() {
    while (true) {
      const size_t at = pos_;
      const uint8_t op = u8();
      if (op == '.') {
        if (stack_.empty()) fail("pickle stopped with an empty stack");
        Value root = stack_.back();  // as Python: the top value; anything below it is ignored
        std::vector<const Value*> roots{&root};
        for (const Value& v : mutated_) roots.push_back(&v);
        try {
          check_tree(roots);
        } catch (const Error& e) {
          fail_at(at, e.what());
        }
        accepted_ = true;
        return root;
      }
      if (!step(op)) fail_at(at, "unsupported pickle opcode 0x" + hex(op));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }
  [[noreturn]] void fail_at(size_t at, const std::string& what) const {
    throw Error(source_ + ": " + what + " (data.pkl byte " + std::to_string(at) + ")");
  }
  static std::string hex(uint8_t b) {
    const char* digits = "0123456789abcdef";
    return {digits[b >> 4], digits[b & 15]};
  }

  // ---- reading the byte stream ----------------------------------------------------------------
  void need(size_t n) const {
    if (n > d_.size() - pos_) fail("truncated pickle data");
  }
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(d_[pos_++]);
  }
  uint64_t le(size_t n) {  // unsigned little-endian integer of n bytes
    need(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(d_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }
  std::string take(uint64_t n) {
    if (n > d_.size() - pos_) fail("truncated pickle data");
    std::string s = d_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string line() {
    const size_t end = d_.find('\n', pos_);
    if (end == std::string::npos) fail("truncated pickle data (no end of line)");
    std::string s = d_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  // Python's two's-complement little-endian long (LONG1/LONG4).
  Value long_value(uint64_t n) {
    const std::string b = take(n);
    if (n == 0) return Value(int64_t{0});
    if (n > 8) return Value::opaque("int");  // too large for int64: kept opaque, skipped
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
    if (n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return Value(static_cast<int64_t>(v));
  }
  Value text_int(const std::string& s) {
    if (s == "01") return Value(true);  // protocol 0 spells booleans this way
    if (s == "00") return Value(false);
    std::string digits = s;
    if (!digits.empty() && digits.back() == 'L') digits.pop_back();
    try {
      size_t used = 0;
      const int64_t v = std::stoll(digits, &used);
      if (used != digits.size()) fail("bad integer literal '" + s + "'");
      return Value(v);
    } catch (const std::out_of_range&) {
      return Value::opaque("int");
    } catch (const std::invalid_argument&) {
      fail("bad integer literal '" + s + "'");
    }
  }

  // ---- the stack ------------------------------------------------------------------------------
  Value pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("pickle stack underflow");
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value& top() {
    if (stack_.empty()) fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<Value> pop_mark() {
    if (marks_.empty()) fail("pickle MARK missing");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value> out(stack_.begin() + m, stack_.end());
    stack_.resize(m);
    return out;
  }
  void push(Value v) {
    if (++pushed_ > kMaxPushedValues)
      fail("pickle program creates more than " + std::to_string(kMaxPushedValues) + " values (not a checkpoint?)");
    stack_.push_back(std::move(v));
  }
  // Remembers a container an opcode changed in place (see ~Unpickler and check_tree).
  void mutated(const Value& target) {
    if (mutated_ids_.insert(target.container_id()).second) mutated_.push_back(target);
  }
  uint64_t memo_index_line() {
    const std::string s = line();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
      fail("bad memo index '" + s.substr(0, 20) + "'");
    return std::stoull(s);
  }
  void memo_put(uint64_t index) { memo_[index] = top(); }
  void memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("pickle memo entry " + std::to_string(index) + " missing");
    push(it->second);
  }

  void set_items(Value& target, const std::vector<Value>& kv) {
    if (!target.is_dict()) return;  // e.g. a dict subclass we keep opaque: contents skipped
    mutated(target);
    for (size_t i = 0; i + 1 < kv.size(); i += 2) target.set(kv[i], kv[i + 1]);
  }
  void append_items(Value& target, const std::vector<Value>& xs) {
    if (!target.is_list()) return;
    mutated(target);
    for (const Value& x : xs) target.push_back(x);
  }

  // ---- calling globals ------------------------------------------------------------------------
  static int64_t int_arg(const std::vector<Value>& a, size_t i) { return a.at(i).as_int(); }
  std::vector<int64_t> int_list(const Value& v) {
    if (!v.is_sequence()) fail("expected a tuple of ints in a tensor rebuild, got " + v.describe());
    std::vector<int64_t> out;
    for (const Value& x : v.elements()) out.push_back(x.as_int());
    return out;
  }

  Value rebuild_tensor(const std::vector<Value>& a) {
    if (a.size() < 4 || !a[0].is_tensor()) fail("malformed tensor record (expected storage, offset, size, stride)");
    const torch::Tensor& storage = a[0].as_tensor();
    const int64_t offset = int_arg(a, 1);
    const std::vector<int64_t> size = int_list(a[2]);
    const std::vector<int64_t> stride = int_list(a[3]);
    if (size.size() != stride.size() || offset < 0) fail("malformed tensor record (size/stride/offset)");
    int64_t last = offset;  // highest element index the view touches
    bool empty = false;
    for (size_t i = 0; i < size.size(); ++i) {
      if (size[i] < 0 || stride[i] < 0) fail("malformed tensor record (negative size or stride)");
      if (size[i] == 0) empty = true;
      int64_t span = 0;
      if (__builtin_mul_overflow(size[i] > 0 ? size[i] - 1 : 0, stride[i], &span) ||
          __builtin_add_overflow(last, span, &last)) {
        fail("malformed tensor record (size/stride overflow)");
      }
    }
    if (!empty && last >= storage.numel()) {
      fail("tensor of size " + c10::str(c10::IntArrayRef(size)) +
           " at offset " + std::to_string(offset) + " does not fit its storage of " +
           std::to_string(storage.numel()) + " elements");
    }
    torch::Tensor t = torch::empty({0}, storage.options());
    t.set_(storage.storage(), offset, size, stride);
    return Value(t);
  }

  Value call(const std::string& fn, const Value& args_value, int nesting = 0) {
    static const std::vector<Value> kNoArgs;
    const std::vector<Value>& a = args_value.is_sequence() ? args_value.elements() : kNoArgs;
    if (fn == "collections.OrderedDict" || fn == "builtins.dict" || fn == "collections.defaultdict") {
      Value d = Value::dict();
      if (fn != "collections.defaultdict" && !a.empty() && a[0].is_sequence()) {
        for (const Value& pair : a[0].elements()) {
          if (pair.is_sequence() && pair.size() == 2) d.set(pair.elements()[0], pair.elements()[1]);
        }
      }
      return d;
    }
    if (fn == "torch._utils._rebuild_tensor_v2" || fn == "torch._utils._rebuild_tensor") return rebuild_tensor(a);
    if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
      if (a.empty() || !a[0].is_tensor()) fail("malformed parameter record");
      return a[0];
    }
    if (fn == "torch._tensor._rebuild_from_type_v2" || fn == "torch._tensor._rebuild_from_type") {
      // (func, new_type, args, state): a tensor subclass; we keep the plain tensor.
      if (a.size() < 3 || !a[0].is_opaque()) fail("malformed tensor subclass record");
      if (nesting >= kMaxRebuildNesting) fail("tensor subclass records nested too deep (self-referential arguments?)");
      return call(a[0].as_string(), a[2], nesting + 1);
    }
    if (fn == "torch.Size" || fn == "builtins.tuple") return Value::tuple(a.empty() ? std::vector<Value>{} : a[0].elements());
    if (fn == "builtins.set" || fn == "builtins.frozenset" || fn == "builtins.list" ||
        fn.rfind("torch.jit._pickle.build_", 0) == 0) {
      return Value::list(a.empty() || !a[0].is_sequence() ? std::vector<Value>{} : a[0].elements());
    }
    if (fn == "torch.jit._pickle.restore_type_tag" && !a.empty()) return a[0];
    if (fn == "_codecs.encode" && !a.empty() && a[0].is_string()) return latin1_bytes(a[0].as_string());
    if (fn == "builtins.bytearray" || fn == "builtins.bytes") {
      return Value::bytes(a.empty() ? std::string() : a[0].is_string() ? latin1_bytes(a[0].as_string()).as_string() : a[0].as_string());
    }
    if (fn == "copyreg._reconstructor" && !a.empty() && a[0].is_opaque()) return Value::opaque(a[0].as_string());
    return Value::opaque(fn);  // argparse.Namespace, numpy scalars, torch.device, ...
  }

  // Protocol 2 stores bytes as _codecs.encode(text, 'latin1'): code points 0-255 back to bytes.
  Value latin1_bytes(const std::string& utf8) {
    std::string out;
    for (size_t i = 0; i < utf8.size(); ++i) {
      const auto c = static_cast<uint8_t>(utf8[i]);
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
        out.push_back(static_cast<char>(((c & 0x1F) << 6) | (static_cast<uint8_t>(utf8[++i]) & 0x3F)));
      } else {
        fail("bytes object with a code point above 255");
      }
    }
    return Value::bytes(out);
  }

  // Protocols < 3 spell Python 3 modules by their Python 2 names (pickle's fix_imports).
  Value global(const std::string& module, const std::string& name) {
    const std::string m = module == "__builtin__" ? "builtins" : module == "copy_reg" ? "copyreg" : module;
    return Value::opaque(m + "." + name);
  }

  // ---- one opcode -----------------------------------------------------------------------------
  bool step(uint8_t op) {
    switch (op) {
      case 0x80: u8(); return true;          // PROTO
      case 0x95: le(8); return true;         // FRAME: framing is only a read-ahead hint
      case '(': marks_.push_back(stack_.size()); return true;
      case '0': pop(); return true;
      case '1': pop_mark(); return true;
      case '2': push(top()); return true;
      // ---- scalars
      case 'N': push(Value()); return true;
      case 0x88: push(Value(true)); return true;
      case 0x89: push(Value(false)); return true;
      case 'J': push(Value(static_cast<int64_t>(static_cast<int32_t>(le(4))))); return true;
      case 'K': push(Value(static_cast<int64_t>(le(1)))); return true;
      case 'M': push(Value(static_cast<int64_t>(le(2)))); return true;
      case 0x8a: push(long_value(le(1))); return true;
      case 0x8b: push(long_value(le(4))); return true;
      case 'I': case 'L': push(text_int(line())); return true;
      case 'G': {
        uint64_t bits = 0;
        const std::string b = take(8);
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(b[i]);  // big-endian
        double v;
        std::memcpy(&v, &bits, 8);
        push(Value(v));
        return true;
      }
      case 'F': {
        const std::string s = line();
        try { push(Value(std::stod(s))); } catch (const std::exception&) { fail("bad float literal '" + s + "'"); }
        return true;
      }
      // ---- strings and bytes
      case 0x8c: push(Value(take(le(1)))); return true;
      case 'X': push(Value(take(le(4)))); return true;
      case 0x8d: push(Value(take(le(8)))); return true;
      case 'V': push(Value(line())); return true;  // raw-unicode-escape; ASCII in practice
      case 'C': push(Value::bytes(take(le(1)))); return true;
      case 'B': push(Value::bytes(take(le(4)))); return true;
      case 0x8e: case 0x96: push(Value::bytes(take(le(8)))); return true;
      case 'U': push(Value::bytes(take(le(1)))); return true;  // py2 str: bytes
      case 'T': push(Value::bytes(take(le(4)))); return true;
      case 'S': {
        std::string s = line();
        if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"')) s = s.substr(1, s.size() - 2);
        push(Value::bytes(s));
        return true;
      }
      // ---- containers
      case '}': push(Value::dict()); return true;
      case ']': push(Value::list()); return true;
      case ')': push(Value::tuple()); return true;
      case 0x8f: push(Value::list()); return true;  // EMPTY_SET: sets become lists
      case 'd': { auto kv = pop_mark(); Value d = Value::dict(); set_items(d, kv); push(d); return true; }
      case 'l': push(Value::list(pop_mark())); return true;
      case 't': push(Value::tuple(pop_mark())); return true;
      case 0x91: push(Value::list(pop_mark())); return true;  // FROZENSET
      case 0x85: { Value a = pop(); push(Value::tuple({a})); return true; }
      case 0x86: { Value b = pop(), a = pop(); push(Value::tuple({a, b})); return true; }
      case 0x87: { Value c = pop(), b = pop(), a = pop(); push(Value::tuple({a, b, c})); return true; }
      case 'a': { Value x = pop(); append_items(top(), {x}); return true; }
      case 'e': case 0x90: { auto xs = pop_mark(); append_items(top(), xs); return true; }
      case 's': { Value v = pop(), k = pop(); set_items(top(), {k, v}); return true; }
      case 'u': { auto kv = pop_mark(); set_items(top(), kv); return true; }
      // ---- memo
      case 'q': memo_put(le(1)); return true;
      case 'r': memo_put(le(4)); return true;
      case 0x94: memo_put(memo_.size()); return true;
      case 'p': memo_put(memo_index_line()); return true;
      case 'h': memo_get(le(1)); return true;
      case 'j': memo_get(le(4)); return true;
      case 'g': memo_get(memo_index_line()); return true;
      // ---- objects
      case 'c': { std::string module = line(); push(global(module, line())); return true; }
      case 0x93: {
        Value name = pop(), module = pop();
        if (!name.is_string() || !module.is_string()) fail("STACK_GLOBAL expects two strings");
        push(global(module.as_string(), name.as_string()));
        return true;
      }
      case 'R': case 0x81: {  // REDUCE f(*args) / NEWOBJ cls.__new__(cls, *args)
        Value args = pop(), callable = pop();
        if (!callable.is_opaque()) fail("cannot call a " + callable.type_name());
        push(call(callable.as_string(), args));
        return true;
      }
      case 0x92: {  // NEWOBJ_EX cls, args, kwargs
        pop();
        Value args = pop(), cls = pop();
        if (!cls.is_opaque()) fail("cannot instantiate a " + cls.type_name());
        push(call(cls.as_string(), args));
        return true;
      }
      case 'i': {  // INST module name: instance from the marked args
        std::string module = line();
        std::string name = line();
        push(call(module + "." + name, Value::tuple(pop_mark())));
        return true;
      }
      case 'o': {  // OBJ: marked cls, args...
        auto items = pop_mark();
        if (items.empty() || !items[0].is_opaque()) fail("OBJ without a class");
        push(call(items[0].as_string(), Value::tuple(std::vector<Value>(items.begin() + 1, items.end()))));
        return true;
      }
      case 'b': {  // BUILD: __setstate__; only opaque objects keep it (OrderedDict _metadata is dropped)
        Value state = pop();
        if (top().is_opaque()) {
          mutated(top());
          top().set_opaque_state(state);
        }
        return true;
      }
      case 'Q': { Value pid = pop(); push(Value(load_(pid))); return true; }
      case 'P': push(Value(load_(Value(line())))); return true;
      default: return false;  // EXT1/2/4, NEXT_BUFFER, READONLY_BUFFER, unknown
    }
  }

  const std::string& d_;
  const PersistentLoader& load_;
  const std::string& source_;
  size_t pos_ = 0;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value> memo_;
  size_t pushed_ = 0;
  std::vector<Value> mutated_;
  std::unordered_set<const void*> mutated_ids_;
  bool accepted_ = false;
};

}  // namespace

Value unpickle(const std::string& data, const PersistentLoader& load_persistent, const std::string& source) {
  try {
    return Unpickler(data, load_persistent, source).run();
  } catch (const Error& e) {
    // Value's typed accessors do not know the file; name it once.
    const std::string what = e.what();
    if (what.rfind(source + ":", 0) == 0) throw;
    throw Error(source + ": malformed pickle data: " + what);
  }
}

}  // namespace detseq::io
