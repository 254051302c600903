// The VOC XML reader (pugixml underneath): valid XML that a hand-written parser rejected, errors
// with file:line, and nesting limits that hold without recursion.
#include <gtest/gtest.h>

#include <string>

#include "datasets/voc/xml_reader.h"
#include "tests/test_util.h"

using namespace detseq;
using test::error_of;

TEST(VocXml, DecodesCharacterReferencesCdataAndEntities) {
  const auto root = xml::parse(
      "<?xml version='1.0'?>\n<!DOCTYPE annotation>\n<annotation x='1'><!-- c -->\n"
      "<name>caf&#233; &#x263A; &amp; <![CDATA[<raw>]]></name><b>1 &amp; 2</b><c/></annotation>",
      "x.xml");
  EXPECT_EQ(root->name, "annotation");
  EXPECT_EQ(root->child("name")->text, "caf\xc3\xa9 \xe2\x98\xba & <raw>");
  EXPECT_EQ(root->child("name")->line, 4);
  EXPECT_EQ(root->child("b")->text, "1 & 2");
  EXPECT_EQ(root->all("c").size(), 1u);
}

TEST(VocXml, MalformedXmlNamesFileAndLine) {
  EXPECT_NE(error_of([] { xml::parse("<a>\n<b></a>", "x.xml"); }).find("x.xml:2: malformed XML: Start-end tags mismatch"),
            std::string::npos);
  EXPECT_NE(error_of([] { xml::parse("<a></a>\n<b/>", "x.xml"); }).find("x.xml:2: malformed XML: content after the root"),
            std::string::npos);
  EXPECT_NE(error_of([] { xml::parse("", "x.xml"); }).find("x.xml:1: malformed XML: No document element found"), std::string::npos);
  EXPECT_NE(error_of([] { xml::parse("<a>\n<b", "x.xml"); }).find("x.xml:2: malformed XML"), std::string::npos);
}

TEST(VocXml, DeepNestingIsAnErrorNotAStackOverflow) {
  for (const size_t depth : {size_t(65), size_t(1000000)}) {
    std::string text;
    for (size_t i = 0; i < depth; ++i) text += "<a>";
    for (size_t i = 0; i < depth; ++i) text += "</a>";
    const std::string msg = error_of([&] { xml::parse(text, "deep.xml"); });
    EXPECT_EQ(msg, "deep.xml:1: elements nested deeper than 64 levels (a VOC annotation nests 3)");
  }
  std::string ok;
  for (int i = 0; i < 64; ++i) ok += "<a>";
  for (int i = 0; i < 64; ++i) ok += "</a>";
  EXPECT_NO_THROW(xml::parse(ok, "ok.xml"));
}
