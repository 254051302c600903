#include "datasets/voc/xml_reader.h"

#include <pugixml.hpp>

#include <algorithm>
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

// Byte offset -> 1-based line, by binary search over the newline positions.
class LineIndex {
 public:
  explicit LineIndex(const std::string& text) {
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(static_cast<ptrdiff_t>(i));
  }
  int line_of(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }

 private:
  std::vector<ptrdiff_t> newlines_;
};

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

class TreeCopier {
 public:
  TreeCopier(const LineIndex& lines, const std::string& source) : lines_(lines), source_(source) {}

  std::unique_ptr<Element> copy(const pugi::xml_node& node, int depth) {
    auto el = std::make_unique<Element>();
    el->name = node.name();
    el->line = lines_.line_of(node.offset_debug());
    if (depth > kMaxXmlDepth) {
      throw Error(source_ + ":" + std::to_string(el->line) + ": elements nested deeper than " +
                  std::to_string(kMaxXmlDepth) + " levels (a VOC annotation nests 3)");
    }
    std::string text;
    for (const pugi::xml_node& c : node.children()) {
      if (c.type() == pugi::node_element) el->children.push_back(copy(c, depth + 1));
      else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
    }
    el->text = trimmed(text);
    return el;
  }

 private:
  const LineIndex& lines_;
  const std::string& source_;
};

}  // namespace

std::unique_ptr<Element> parse(const std::string& text, const std::string& source) {
  pugi::xml_document doc;
  const pugi::xml_parse_result result = doc.load_buffer(text.data(), text.size(), pugi::parse_default | pugi::parse_doctype);
  const LineIndex lines(text);
  if (!result) {
    throw Error(source + ":" + std::to_string(lines.line_of(result.offset)) + ": malformed XML: " + result.description());
  }
  pugi::xml_node root;
  for (const pugi::xml_node& c : doc.children()) {
    if (c.type() != pugi::node_element) continue;
    if (root) throw Error(source + ":" + std::to_string(lines.line_of(c.offset_debug())) + ": malformed XML: content after the root element");
    root = c;
  }
  if (!root) throw Error(source + ":1: malformed XML: no root element");
  return TreeCopier(lines, source).copy(root, 1);
}

std::unique_ptr<Element> parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": annotation file not found or unreadable");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

}  // namespace detseq::xml
