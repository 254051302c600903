// A small strict XML reader, enough for Pascal VOC annotation files (elements, attributes, text,
// comments, the declaration, the five predefined entities). Malformed input -> detseq::Error with
// file:line. Written here because no XML parser is among the project's dependencies.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace detseq::xml {

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
