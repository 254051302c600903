// Value: the tree a PyTorch checkpoint holds (what Python's pickle produced), and what we write.
//
//   Value ckpt = Value::dict();
//   ckpt.set("epoch", 3).set("state_dict", state_dict_to_value(sd));
//   ckpt.set("meta", Value::dict().set("config", yaml_text).set("classes", Value::list({"cat"})));
//
// Kinds mirror the Python types torch.save stores: None, bool, int, float, str, bytes, tensor,
// list, tuple, dict (insertion-ordered, keys are str or int: optimizer `state` uses int keys) and
// Opaque -- any other Python object (argparse.Namespace, numpy scalars, torch.device...), kept
// only by its type name so that reading a real checkpoint never fails on what we do not need.
//
// Copies share containers (like Python references): the unpickler's memo relies on it. Use
// `clone()` for an independent container tree (tensors are still shared).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace detseq::io {

class Value {
 public:
  enum class Kind { None, Bool, Int, Float, String, Bytes, Tensor, List, Tuple, Dict, Opaque };
  using Item = std::pair<Value, Value>;

  Value() = default;  // None
  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;
  // Iterative: a container nested a million deep (a hostile file) must not overflow the stack.
  ~Value();
  Value(bool v);
  Value(int v) : Value(static_cast<int64_t>(v)) {}
  Value(int64_t v);
  Value(uint64_t v);  // size_t counters; above INT64_MAX is a detseq::Error
  Value(double v);
  Value(const char* v) : Value(std::string(v)) {}
  Value(std::string v);
  Value(torch::Tensor v);
  static Value none() { return Value(); }
  static Value bytes(std::string data);
  static Value list();
  static Value list(std::vector<Value> elements);
  static Value tuple();
  static Value tuple(std::vector<Value> elements);
  static Value dict();
  // An object of a Python type we do not model, e.g. "argparse.Namespace". `state` is what
  // pickle's BUILD gave it (for Namespace: a dict of its attributes), None when none.
  static Value opaque(std::string type_name);
  static Value opaque(std::string type_name, Value state);

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_bytes() const { return kind_ == Kind::Bytes; }
  bool is_tensor() const { return kind_ == Kind::Tensor; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::Tuple; }
  bool is_sequence() const { return is_list() || is_tuple(); }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_opaque() const { return kind_ == Kind::Opaque; }
  // "dict", "tensor", "int", ... or the Python type name of an opaque object.
  std::string type_name() const;
  static const char* kind_name(Kind kind);

  // Typed access; a wrong kind throws detseq::Error ("expected int, got str").
  bool as_bool() const;
  int64_t as_int() const;      // also bool
  double as_double() const;    // also int and bool
  const std::string& as_string() const;  // str, bytes, or an opaque's type name
  const torch::Tensor& as_tensor() const;

  // List / tuple elements.
  const std::vector<Value>& elements() const;
  std::vector<Value>& elements();
  void push_back(Value v);
  size_t size() const;  // elements of a sequence, items of a dict

  // Dict items in insertion order; keys are usually str, sometimes int.
  const std::vector<Item>& items() const;
  std::vector<Item>& items();
  const Value* find(const std::string& key) const;
  const Value* find(int64_t key) const;
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  // Child by str key; missing -> detseq::Error listing the keys (with did-you-mean).
  const Value& at(const std::string& key) const;
  // Inserts or replaces (keeps the original position, as Python dicts do). Returns *this.
  Value& set(Value key, Value value);
  // Str keys of a dict (int keys printed as numbers).
  std::vector<std::string> keys() const;

  // The state of an opaque object (None when it had none); set_opaque_state is pickle's BUILD.
  const Value& opaque_state() const;
  void set_opaque_state(Value state);

  Value clone() const;
  // Drops this container's children (elements, items, opaque state). The unpickler calls it on
  // every container it mutated before discarding a rejected tree: that breaks reference cycles,
  // which shared ownership alone would leak.
  void clear_children();
  // Identity of the container this value shares (list/tuple/dict/opaque state), null for scalars:
  // two values with the same id are the same Python object.
  const void* container_id() const;
  // Short human description for messages and `detseq` inspection, e.g.
  // "dict(3)", "tensor float32 [64, 3, 7, 7]", "argparse.Namespace".
  std::string describe() const;

 private:
  Kind kind_ = Kind::None;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0.0;
  std::string s_;  // str, bytes, opaque type name
  torch::Tensor t_;
  std::shared_ptr<std::vector<Value>> seq_;
  std::shared_ptr<std::vector<Item>> dict_;
  std::shared_ptr<Value> state_;  // opaque state
};

// Bounds every tree read from a file must meet (see check_tree); real checkpoints are far below
// them (nesting < 20, a few hundred thousand values).
struct TreeLimits {
  size_t max_depth = 256;
  uint64_t max_expanded = uint64_t{1} << 22;  // values counted once per path from the root (~0.5 GB)
};

// Throws detseq::Error (naming the path, e.g. "['model']['a'][0]") when a tree reachable from any
// of `roots` contains itself, nests deeper than max_depth, or would expand to more than
// max_expanded values (shared containers counted once per path: what clone() or a recursive walk
// would visit). Each shared container is examined once, so the check is linear in the file.
// Every other walk (clone, flatten, pickle, describe) relies on a tree having passed it.
void check_tree(const std::vector<const Value*>& roots, const TreeLimits& limits = {});

}  // namespace detseq::io
