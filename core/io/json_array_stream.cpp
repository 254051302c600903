#include "core/io/json_array_stream.h"

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <optional>
#include <unordered_set>

#include "core/util/error.h"
#include "core/util/printable.h"

namespace detseq {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Bytes that can change the scanner's state inside a string, and deep inside a value (below the
// root object's members and the streamed arrays' elements), where commas and colons don't matter.
struct StopTable {
  bool stop[256] = {};
  StopTable(std::initializer_list<char> chars) {
    for (char c : chars) stop[static_cast<unsigned char>(c)] = true;
  }
  bool operator()(char c) const { return stop[static_cast<unsigned char>(c)]; }
};
const StopTable kStringStop{'"', '\\'};
const StopTable kDeepStop{'"', '{', '}', '[', ']'};

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
  }
}

std::optional<uint32_t> hex4(const std::string& s, size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + uint32_t(d);
  }
  return v;
}

// The text of a JSON string given its raw bytes between the quotes ("annot\u0061tions" ->
// "annotations"); nullopt for an invalid escape.
std::optional<std::string> unescape(const std::string& raw) {
  if (raw.find('\\') == std::string::npos) return raw;
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    if (++i == raw.size()) return std::nullopt;
    switch (raw[i]) {
      case '"': case '\\': case '/': out += raw[i]; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::optional<uint32_t> cp = hex4(raw, i + 1);
        if (!cp) return std::nullopt;
        i += 4;
        if (*cp >= 0xD800 && *cp < 0xDC00) {  // a surrogate pair spells one code point
          const std::optional<uint32_t> low = i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' ? hex4(raw, i + 3) : std::nullopt;
          if (!low || *low < 0xDC00 || *low >= 0xE000) return std::nullopt;
          cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          i += 6;
        } else if (*cp >= 0xDC00 && *cp < 0xE000) {
          return std::nullopt;
        }
        append_utf8(out, *cp);
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

// The scanner: one pass over the bytes, tracking only what is needed to find the elements of the
// wanted arrays. Element bytes are copied into `batch_` by ranges, not byte by byte.
class ArrayScanner {
 public:
  ArrayScanner(std::string path, const std::function<bool(std::string_view)>& wanted,
               const std::function<void(JsonArrayBatch&)>& on_batch, size_t batch_bytes)
      : path_(std::move(path)), wanted_(wanted), on_batch_(on_batch), batch_bytes_(batch_bytes) {}

  void feed(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      // Fast paths: most bytes (polygon coordinates, file names) only need skipping.
      if (in_string_ && !escape_ && !reading_key_) {
        while (i < n && !kStringStop(data[i])) ++i;
      } else if (!in_string_ && depth_ >= 2 && !(streaming_ && depth_ == array_depth_)) {
        while (i < n && !kDeepStop(data[i])) ++i;
      }
      if (i == n) break;
      step(data, i);
    }
    if (element_start_ >= 0) {  // an element continues in the next chunk
      batch_.append(data + element_start_, n - size_t(element_start_));
      element_start_ = 0;
    }
    offset_ += n;
  }

  JsonRoot finish() {
    if (root_ == 0) fail(offset_, "empty file, expected a JSON object or list");
    if (depth_ != 0 || in_string_) fail(offset_, "truncated JSON (the file ends inside a value; was it cut off?)");
    return {root_ == '{', keys_};
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& what) const {
    throw Error(path_ + ": malformed JSON at byte " + std::to_string(at) + ": " + what);
  }

  void step(const char* data, size_t i) {
    const char c = data[i];
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (reading_key_) end_key(data, i);
        return;
      }
      if (reading_key_) key_ += c;
      return;
    }
    if (is_space(c)) return;
    if (done_) fail(offset_ + i, std::string("unexpected '") + c + "' after the end of the document");
    if (streaming_ && depth_ == array_depth_ && !in_element_ && c != ',' && c != ']') {
      in_element_ = true, element_start_ = static_cast<long>(i);
    }
    switch (c) {
      case '"':
        if (depth_ == 0) fail(offset_ + i, "expected a JSON object or list");
        if (depth_ == 1 && root_ == '{' && expect_key_) {
          expect_key_ = false, reading_key_ = true, key_.clear();
        } else {
          value_seen(i, false);
        }
        in_string_ = true;
        break;
      case '{':
      case '[':
        if (depth_ == 0) {
          root_ = c, expect_key_ = (c == '{');
          if (c == '[' && wanted_("")) start_array(1);
        } else {
          value_seen(i, c == '[');
        }
        ++depth_;
        open_.push_back(c);
        break;
      case '}':
      case ']':
        if (depth_ == 0 || open_.back() != (c == '}' ? '{' : '['))
          fail(offset_ + i, std::string("unbalanced '") + c + "'");
        --depth_;
        open_.pop_back();
        if (streaming_ && depth_ == array_depth_ - 1) {
          if (in_element_) end_element(data, i);
          flush();
          streaming_ = false;
        }
        if (depth_ == 0) done_ = true;
        break;
      case ',':
        if (streaming_ && depth_ == array_depth_) {
          if (!in_element_) fail(offset_ + i, "empty element in '" + printable(current_key_) + "'");
          end_element(data, i);
        }
        if (depth_ == 1 && root_ == '{') expect_key_ = true;
        break;
      case ':':
        if (depth_ == 1 && root_ == '{') value_pending_ = true, current_key_ = keys_.empty() ? "" : keys_.back();
        break;
      default:
        if (depth_ == 0) fail(offset_ + i, "expected a JSON object or list");
        value_seen(i, false);
    }
  }

  // A root member name is complete: decoded (keys are compared as text, not as escaped bytes) and
  // unique (a repeated key would silently drop or double a list).
  void end_key(const char* data, size_t i) {
    reading_key_ = false;
    std::optional<std::string> key = unescape(key_);
    if (!key) fail(offset_ + i, "invalid escape in the root key \"" + printable(key_) + "\"");
    if (!key_set_.insert(*key).second) fail(offset_ + i, "the root key '" + printable(*key) + "' appears twice");
    keys_.push_back(std::move(*key));
  }

  // The first character of a value: at depth 1 of the root object it starts a member's value.
  void value_seen(size_t i, bool is_array) {
    if (!(depth_ == 1 && value_pending_)) return;
    value_pending_ = false;
    if (!wanted_(current_key_)) return;
    if (!is_array) fail(offset_ + i, "'" + printable(current_key_) + "' must be a list");
    start_array(2);
  }

  void start_array(int depth_inside) {
    streaming_ = true, array_depth_ = depth_inside, count_ = 0, first_index_ = 0;
    in_element_ = false, element_start_ = -1;
    batch_.assign(1, '[');
  }

  void end_element(const char* data, size_t i) {
    batch_.append(data + element_start_, i - size_t(element_start_));
    batch_ += ',';
    in_element_ = false, element_start_ = -1, ++count_;
    if (batch_.size() >= batch_bytes_) flush();
  }

  void flush() {
    if (count_ == first_index_) return;
    batch_.back() = ']';  // replaces the last element's ','
    batch_.reserve(batch_.size() + simdjson::SIMDJSON_PADDING);
    const std::string key = current_key_;
    try {
      const simdjson::dom::element doc = parser_.parse(batch_.data(), batch_.size(), /*realloc_if_needed=*/false);
      JsonArrayBatch b{key, doc.get_array(), first_index_};
      on_batch_(b);
    } catch (const simdjson::simdjson_error& e) {
      const std::string where = key.empty() ? "the list" : "'" + printable(key) + "'";
      throw Error(path_ + ": malformed JSON in " + where + " between elements " + std::to_string(first_index_) + " and " +
                  std::to_string(count_ - 1) + ": " + e.what());
    }
    first_index_ = count_;
    batch_.assign(1, '[');
  }

  std::string path_;
  const std::function<bool(std::string_view)>& wanted_;
  const std::function<void(JsonArrayBatch&)>& on_batch_;
  size_t batch_bytes_;
  simdjson::dom::parser parser_;

  size_t offset_ = 0;  // file offset of the current chunk
  int depth_ = 0;
  char root_ = 0;
  bool done_ = false, in_string_ = false, escape_ = false;
  bool expect_key_ = false, reading_key_ = false, value_pending_ = false;
  std::string key_, current_key_;
  std::vector<std::string> keys_;
  std::unordered_set<std::string> key_set_;
  std::string open_;  // the open brackets, innermost last

  bool streaming_ = false, in_element_ = false;
  int array_depth_ = 0;
  long element_start_ = -1;  // start of the open element in the current chunk
  size_t count_ = 0, first_index_ = 0;
  std::string batch_;
};

}  // namespace

JsonRoot stream_json_arrays(const std::string& path, const std::function<bool(std::string_view)>& wanted,
                           const std::function<void(JsonArrayBatch&)>& on_batch,
                           const JsonArrayStreamOptions& options) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw Error("cannot read JSON file '" + path + "' (missing or unreadable)");
  ArrayScanner scanner(path, wanted, on_batch, options.batch_bytes);
  std::vector<char> chunk(options.chunk_bytes);
  size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0) scanner.feed(chunk.data(), n);
  if (std::ferror(file.get())) throw Error("cannot read JSON file '" + path + "' (read error)");
  return scanner.finish();
}

}  // namespace detseq
