#include "core/io/value.h"

#include <sstream>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace detseq::io {

Value::Value(bool v) : kind_(Kind::Bool), b_(v) {}
Value::Value(int64_t v) : kind_(Kind::Int), i_(v) {}
Value::Value(uint64_t v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {
  if (v > static_cast<uint64_t>(INT64_MAX)) throw Error("checkpoint value: integer " + std::to_string(v) + " exceeds int64");
}
Value::Value(double v) : kind_(Kind::Float), f_(v) {}
Value::Value(std::string v) : kind_(Kind::String), s_(std::move(v)) {}
Value::Value(torch::Tensor v) : kind_(Kind::Tensor), t_(std::move(v)) {}

Value::~Value() {
  if (!seq_ && !dict_ && !state_) return;
  // Children whose last owner we are are moved onto a work list instead of being destroyed
  // recursively; each is emptied in turn, so the stack depth stays constant.
  std::vector<Value> pending;
  const auto take_children = [&pending](Value& v) {
    if (v.seq_ && v.seq_.use_count() == 1) {
      for (Value& x : *v.seq_) pending.push_back(std::move(x));
      v.seq_->clear();
    }
    if (v.dict_ && v.dict_.use_count() == 1) {
      for (Item& kv : *v.dict_) pending.push_back(std::move(kv.second));
      v.dict_->clear();
    }
    if (v.state_ && v.state_.use_count() == 1) pending.push_back(std::move(*v.state_));
  };
  take_children(*this);
  while (!pending.empty()) {
    Value v = std::move(pending.back());
    pending.pop_back();
    take_children(v);
  }
}

void Value::clear_children() {
  if (seq_) seq_->clear();
  if (dict_) dict_->clear();
  if (state_) *state_ = Value();
}

const void* Value::container_id() const {
  if (seq_) return seq_.get();
  if (dict_) return dict_.get();
  return state_.get();
}

Value Value::bytes(std::string data) {
  Value v(std::move(data));
  v.kind_ = Kind::Bytes;
  return v;
}

Value Value::list() { return list(std::vector<Value>()); }
Value Value::tuple() { return tuple(std::vector<Value>()); }

Value Value::list(std::vector<Value> elements) {
  Value v;
  v.kind_ = Kind::List;
  v.seq_ = std::make_shared<std::vector<Value>>(std::move(elements));
  return v;
}

Value Value::tuple(std::vector<Value> elements) {
  Value v = list(std::move(elements));
  v.kind_ = Kind::Tuple;
  return v;
}

Value Value::dict() {
  Value v;
  v.kind_ = Kind::Dict;
  v.dict_ = std::make_shared<std::vector<Item>>();
  return v;
}

Value Value::opaque(std::string type_name) { return opaque(std::move(type_name), Value()); }

Value Value::opaque(std::string type_name, Value state) {
  Value v;
  v.kind_ = Kind::Opaque;
  v.s_ = std::move(type_name);
  v.state_ = std::make_shared<Value>(std::move(state));
  return v;
}

const char* Value::kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tensor: return "tensor";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return "dict";
    case Kind::Opaque: return "object";
  }
  return "?";
}

std::string Value::type_name() const { return is_opaque() ? s_ : kind_name(kind_); }

namespace {
[[noreturn]] void wrong_kind(const char* expected, const Value& got) {
  throw Error(std::string("checkpoint value: expected ") + expected + ", got " + got.describe());
}
}  // namespace

bool Value::as_bool() const {
  if (!is_bool()) wrong_kind("bool", *this);
  return b_;
}

int64_t Value::as_int() const {
  if (is_bool()) return b_ ? 1 : 0;
  if (!is_int()) wrong_kind("int", *this);
  return i_;
}

double Value::as_double() const {
  if (is_float()) return f_;
  if (is_int() || is_bool()) return static_cast<double>(as_int());
  wrong_kind("float", *this);
}

const std::string& Value::as_string() const {
  if (!is_string() && !is_bytes() && !is_opaque()) wrong_kind("str", *this);
  return s_;
}

const torch::Tensor& Value::as_tensor() const {
  if (!is_tensor()) wrong_kind("tensor", *this);
  return t_;
}

const std::vector<Value>& Value::elements() const {
  if (!is_sequence()) wrong_kind("list or tuple", *this);
  return *seq_;
}

std::vector<Value>& Value::elements() {
  if (!is_sequence()) wrong_kind("list or tuple", *this);
  return *seq_;
}

void Value::push_back(Value v) { elements().push_back(std::move(v)); }

size_t Value::size() const {
  if (is_dict()) return dict_->size();
  return elements().size();
}

const std::vector<Value::Item>& Value::items() const {
  if (!is_dict()) wrong_kind("dict", *this);
  return *dict_;
}

std::vector<Value::Item>& Value::items() {
  if (!is_dict()) wrong_kind("dict", *this);
  return *dict_;
}

const Value* Value::find(const std::string& key) const {
  for (const auto& [k, v] : items()) {
    if (k.is_string() && k.s_ == key) return &v;
  }
  return nullptr;
}

const Value* Value::find(int64_t key) const {
  for (const auto& [k, v] : items()) {
    if (k.is_int() && k.i_ == key) return &v;
  }
  return nullptr;
}

const Value& Value::at(const std::string& key) const {
  if (const Value* v = find(key)) return *v;
  const std::vector<std::string> names = keys();
  throw Error("checkpoint has no key '" + key + "' (keys: " + join(names, ", ") + ")" + did_you_mean(key, names));
}

namespace {
bool same_key(const Value& a, const Value& b) {
  if (a.is_string() && b.is_string()) return a.as_string() == b.as_string();
  if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) return a.as_int() == b.as_int();
  return false;
}
}  // namespace

Value& Value::set(Value key, Value value) {
  auto& entries = items();
  for (auto& [k, v] : entries) {
    if (same_key(k, key)) {
      v = std::move(value);
      return *this;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::vector<std::string> Value::keys() const {
  std::vector<std::string> out;
  for (const auto& item : items()) {
    const Value& k = item.first;
    if (k.is_string()) out.push_back(k.s_);
    else if (k.is_int()) out.push_back(std::to_string(k.i_));
    else out.push_back(k.describe());
  }
  return out;
}

const Value& Value::opaque_state() const {
  if (!is_opaque()) wrong_kind("object", *this);
  return *state_;
}

void Value::set_opaque_state(Value state) {
  if (!is_opaque()) wrong_kind("object", *this);
  *state_ = std::move(state);  // shared: every copy (e.g. the unpickler's memo) sees it
}

Value Value::clone() const {
  Value out = *this;
  if (seq_) {
    out.seq_ = std::make_shared<std::vector<Value>>();
    for (const Value& v : *seq_) out.seq_->push_back(v.clone());
  }
  if (dict_) {
    out.dict_ = std::make_shared<std::vector<Item>>();
    for (const auto& [k, v] : *dict_) out.dict_->emplace_back(k.clone(), v.clone());
  }
  if (state_) out.state_ = std::make_shared<Value>(state_->clone());
  return out;
}

std::string Value::describe() const {
  std::ostringstream os;
  switch (kind_) {
    case Kind::None: return "None";
    case Kind::Bool: return b_ ? "True" : "False";
    case Kind::Int: return std::to_string(i_);
    case Kind::Float: os << f_; return os.str();
    case Kind::String: return "'" + (s_.size() > 40 ? s_.substr(0, 37) + "..." : s_) + "'";
    case Kind::Bytes: return "bytes(" + std::to_string(s_.size()) + ")";
    case Kind::Tensor:
      if (!t_.defined()) return "tensor (undefined)";
      os << "tensor " << c10::toString(t_.scalar_type()) << " " << t_.sizes();
      return os.str();
    case Kind::List:
    case Kind::Tuple:
    case Kind::Dict: return std::string(kind_name(kind_)) + "(" + std::to_string(size()) + ")";
    case Kind::Opaque: return s_;
  }
  return "?";
}

}  // namespace detseq::io
