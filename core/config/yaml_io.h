// YAML <-> ConfigNode. Parsing keeps file:line for every node; dumping can annotate each line
// with its origin (`detseq print-config --provenance`).
#pragma once
#include <string>

#include "core/config/config_node.h"

namespace detseq {

ConfigNode parse_yaml_file(const std::string& path);
// `source_name` stands in for the file name in locations (e.g. "<cfg-options>").
ConfigNode parse_yaml_string(const std::string& text, const std::string& source_name);

struct DumpOptions {
  bool provenance = false;  // append "# file:line" to every line
};
std::string dump_yaml(const ConfigNode& node, const DumpOptions& options = {});

}  // namespace detseq
