// Text quoted from a file into an error message (a key, a value, a parser's complaint) must keep
// the message on one line: control bytes are escaped and long text is cut.
#pragma once
#include <cstdio>
#include <string>

namespace detseq {

inline std::string printable(const std::string& text, size_t max_len = 80) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace detseq
