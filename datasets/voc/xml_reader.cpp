#include "datasets/voc/xml_reader.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace detseq::xml {

const Element* Element::child(const std::string& n) const {
  for (const auto& c : children)
    if (c->name == n) return c.get();
  return nullptr;
}

std::vector<const Element*> Element::all(const std::string& n) const {
  std::vector<const Element*> out;
  for (const auto& c : children)
    if (c->name == n) out.push_back(c.get());
  return out;
}

namespace {

class Parser {
 public:
  Parser(const std::string& text, const std::string& source) : s_(text), source_(source) {}

  std::unique_ptr<Element> document() {
    skip_misc();
    if (!starts("<")) fail("expected the root element");
    auto root = element();
    skip_misc();
    if (pos_ < s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_ + ":" + std::to_string(line_) + ": malformed XML: " + what);
  }
  bool starts(const char* p) const { return s_.compare(pos_, std::char_traits<char>::length(p), p) == 0; }
  void advance(size_t n) {
    for (size_t i = 0; i < n && pos_ < s_.size(); ++i, ++pos_)
      if (s_[pos_] == '\n') ++line_;
  }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) advance(1);
  }
  void skip_until(const char* end) {
    const size_t at = s_.find(end, pos_);
    if (at == std::string::npos) fail(std::string("unterminated construct, expected '") + end + "'");
    advance(at - pos_ + std::char_traits<char>::length(end));
  }
  // Whitespace, comments, processing instructions, a doctype.
  void skip_misc() {
    while (true) {
      skip_ws();
      if (starts("<?")) skip_until("?>");
      else if (starts("<!--")) skip_until("-->");
      else if (starts("<!DOCTYPE")) skip_until(">");
      else return;
    }
  }
  std::string name() {
    const size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                                s_[pos_] == '-' || s_[pos_] == ':' || s_[pos_] == '.'))
      advance(1);
    if (pos_ == start) fail("expected a name");
    return s_.substr(start, pos_ - start);
  }
  std::string decode(const std::string& raw) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      const size_t semi = raw.find(';', i);
      if (semi == std::string::npos) fail("'&' without ';'");
      const std::string ent = raw.substr(i + 1, semi - i - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else fail("unknown entity '&" + ent + ";'");
      i = semi;
    }
    return out;
  }
  std::unique_ptr<Element> element() {
    auto el = std::make_unique<Element>();
    el->line = line_;
    advance(1);  // '<'
    el->name = name();
    // Attributes are skipped (VOC does not use them) but must be well formed.
    while (true) {
      skip_ws();
      if (pos_ >= s_.size()) fail("unterminated tag <" + el->name + ">");
      if (starts("/>")) {
        advance(2);
        return el;
      }
      if (starts(">")) {
        advance(1);
        break;
      }
      name();
      skip_ws();
      if (!starts("=")) fail("attribute without '=' in <" + el->name + ">");
      advance(1);
      skip_ws();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) fail("unquoted attribute value in <" + el->name + ">");
      const char q[2] = {s_[pos_], 0};
      advance(1);
      skip_until(q);
    }
    std::string text;
    while (true) {
      if (pos_ >= s_.size()) fail("element <" + el->name + "> opened at line " + std::to_string(el->line) + " is not closed");
      if (starts("</")) {
        advance(2);
        const std::string closing = name();
        if (closing != el->name) fail("</" + closing + "> closes <" + el->name + "> opened at line " + std::to_string(el->line));
        skip_ws();
        if (!starts(">")) fail("expected '>' after </" + closing);
        advance(1);
        break;
      }
      if (starts("<!--")) {
        skip_until("-->");
      } else if (starts("<![CDATA[")) {
        advance(9);
        const size_t end = s_.find("]]>", pos_);
        if (end == std::string::npos) fail("unterminated CDATA");
        text += s_.substr(pos_, end - pos_);
        advance(end - pos_ + 3);
      } else if (starts("<")) {
        el->children.push_back(element());
      } else {
        const size_t end = s_.find('<', pos_);
        const size_t stop = end == std::string::npos ? s_.size() : end;
        text += decode(s_.substr(pos_, stop - pos_));
        advance(stop - pos_);
      }
    }
    const size_t b = text.find_first_not_of(" \t\r\n"), e = text.find_last_not_of(" \t\r\n");
    el->text = b == std::string::npos ? "" : text.substr(b, e - b + 1);
    return el;
  }

  const std::string& s_;
  std::string source_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::unique_ptr<Element> parse(const std::string& text, const std::string& source) { return Parser(text, source).document(); }

std::unique_ptr<Element> parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": annotation file not found or unreadable");
  std::stringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path);
}

}  // namespace detseq::xml
