// Reading Pascal VOC annotation files: XML parsed by pugixml (entities, character references,
// CDATA, comments, DTDs), copied into a small element tree with line numbers for messages.
// Malformed input, more than one root element or nesting deeper than kMaxXmlDepth -> detseq::Error
// with file:line.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace detseq::xml {

constexpr int kMaxXmlDepth = 64;  // VOC files nest 3 levels deep

struct Element {
  std::string name;
  std::string text;  // concatenated character data, trimmed
  int line = 0;
  std::vector<std::unique_ptr<Element>> children;

  const Element* child(const std::string& name) const;  // first child with that name, or null
  std::vector<const Element*> all(const std::string& name) const;
};

std::unique_ptr<Element> parse(const std::string& text, const std::string& source);
std::unique_ptr<Element> parse_file(const std::string& path);

}  // namespace detseq::xml
