// Fuzz entry: the Pascal VOC XML reader, walked the way VOCDataset reads an annotation.
#pragma once
#include "datasets/voc/xml_reader.h"
#include "tests/fuzz/fuzz_util.h"

namespace detseq::fuzz {

inline int fuzz_voc(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return expect_clean([&] {
    const auto root = xml::parse(text, "fuzz.xml");
    size_t chars = root->text.size();
    for (const xml::Element* obj : root->all("object"))
      if (const xml::Element* box = obj->child("bndbox"))
        for (const auto& c : box->children) chars += c->text.size() + c->name.size();
    if (const xml::Element* s = root->child("size")) chars += s->children.size();
    (void)chars;
  });
}

}  // namespace detseq::fuzz
