// detseq registry list [FAMILY] | detseq registry describe TYPE
#include <algorithm>
#include <cstdio>

#include "core/registry/registry.h"
#include "core/util/strings.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {

int list(const std::string& family) {
  auto& store = RegistryStore::instance();
  const auto families = store.families();
  if (!family.empty() && std::find(families.begin(), families.end(), family) == families.end()) {
    throw Error("unknown registry family '" + family + "'" + did_you_mean(family, families) +
                " (families: " + join(families, ", ") + ")");
  }
  for (const auto& f : families) {
    if (!family.empty() && f != family) continue;
    std::printf("%s — %s\n", f.c_str(), store.family_doc(f).c_str());
    for (const auto* e : store.entries(f)) {
      std::printf("  %-28s %s\n", e->type.c_str(), e->doc.c_str());
    }
  }
  return 0;
}

int describe(const std::string& type) {
  auto& store = RegistryStore::instance();
  const auto found = store.find_type(type);
  if (found.empty()) {
    std::vector<std::string> all;
    for (const auto& f : store.families()) {
      for (const auto* e : store.entries(f)) all.push_back(e->type);
    }
    throw Error("no component named '" + type + "'" + did_you_mean(type, all) + " (see `detseq registry list`)");
  }
  for (const auto* e : found) {
    std::printf("%s (%s)%s%s\n  defined in %s\n", e->type.c_str(), e->family.c_str(), e->doc.empty() ? "" : " — ",
                e->doc.c_str(), e->source_file.c_str());
    const auto options = e->describe();
    if (options.empty()) std::printf("  (no options)\n");
    for (const auto& o : options) {
      // Multi-line defaults (nested maps) are shown flow-style on one line.
      std::string def = o.required ? "(required)" : o.default_value;
      std::replace(def.begin(), def.end(), '\n', ' ');
      std::printf("  %-32s %-18s %-20s %s%s\n", o.name.c_str(), o.type.c_str(), def.c_str(), o.doc.c_str(),
                  o.rules.empty() ? "" : (" [" + o.rules + "]").c_str());
    }
  }
  return 0;
}

DETSEQ_COMMAND("registry", "list registered components or describe one's options", [](CLI::App& app) {
  app.require_subcommand(1);
  auto family = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>();
  auto* list_cmd = app.add_subcommand("list", "list families and their registered types");
  list_cmd->add_option("family", *family, "only this family (backbone, neck, head, detector, ...)");
  auto* describe_cmd = app.add_subcommand("describe", "options of a type: name, type, default, doc");
  describe_cmd->add_option("type", *type, "registered type name, e.g. ResNet")->required();
  return [list_cmd, family, type]() { return list_cmd->parsed() ? list(*family) : describe(*type); };
});

}  // namespace
}  // namespace detseq::cli
