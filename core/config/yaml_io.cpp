#include "core/config/yaml_io.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace detseq {
namespace {

ConfigNode convert(const YAML::Node& node, const std::string& file, const std::string& path) {
  SourceLoc loc(file, node.Mark().line + 1);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return ConfigNode::null(loc);
    case YAML::NodeType::Scalar: {
      // yaml-cpp tags quoted scalars "!" and plain ones "?"; a quoted "123" stays a string.
      const bool quoted = node.Tag() == "!";
      ConfigNode out = ConfigNode::scalar(node.Scalar(), loc, quoted);
      if (out.scalar_is_null_spelling()) return ConfigNode::null(loc);
      return out;
    }
    case YAML::NodeType::Sequence: {
      ConfigNode out = ConfigNode::sequence(loc);
      size_t i = 0;
      for (const auto& child : node) out.push_back(convert(child, file, path + "." + std::to_string(i++)));
      return out;
    }
    case YAML::NodeType::Map: {
      ConfigNode out = ConfigNode::map(loc);
      for (const auto& kv : node) {
        const std::string key = kv.first.as<std::string>();
        if (out.has(key)) {
          throw ConfigError(file + ":" + std::to_string(kv.first.Mark().line + 1) + ": duplicate key '" + key +
                            "' in the same map");
        }
        const std::string child_path = path.empty() ? key : path + "." + key;
        ConfigNode child = convert(kv.second, file, child_path);
        // A map or list value is "defined" on its key's line, not on its first element's.
        if (child.is_map() || child.is_sequence() || child.is_null()) {
          child.set_loc(SourceLoc(file, kv.first.Mark().line + 1));
        }
        out.items().emplace_back(key, std::move(child));
      }
      return out;
    }
  }
  return ConfigNode::null(loc);
}

ConfigNode parse(const std::string& text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  return convert(root, name, "");
}

// A plain scalar that YAML would read back as something else must be quoted on dump.
bool needs_quotes(const ConfigNode& node) {
  if (node.quoted()) return true;
  const std::string& v = node.scalar_value();
  return v.empty() || v.find('\n') != std::string::npos;
}

void emit(YAML::Emitter& out, const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::Null:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::Scalar:
      if (needs_quotes(node)) {
        out << YAML::DoubleQuoted << node.scalar_value();
      } else {
        out << node.scalar_value();
      }
      break;
    case ConfigNode::Kind::Sequence: {
      // Short lists of scalars read best inline: [640, 640].
      bool flat = node.size() <= 8;
      for (const auto& child : node.elements()) flat = flat && (child.is_scalar() || child.is_null());
      if (flat) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& child : node.elements()) emit(out, child);
      out << YAML::EndSeq;
      break;
    }
    case ConfigNode::Kind::Map:
      out << YAML::BeginMap;
      for (const auto& item : node.items()) {
        out << YAML::Key << item.first << YAML::Value;
        emit(out, item.second);
      }
      out << YAML::EndMap;
      break;
  }
}

// Provenance: walk the tree in the emitter's order, one origin per emitted "key:" line.
void collect_origins(const ConfigNode& node, std::vector<std::string>& origins) {
  if (node.is_map()) {
    for (const auto& item : node.items()) {
      origins.push_back(item.second.loc().str());
      collect_origins(item.second, origins);
    }
  } else if (node.is_sequence()) {
    bool flat = node.size() <= 8;
    for (const auto& child : node.elements()) flat = flat && (child.is_scalar() || child.is_null());
    if (flat) return;
    for (const auto& child : node.elements()) {
      if (!child.is_map()) origins.push_back(child.loc().str());
      collect_origins(child, origins);
    }
  }
}

}  // namespace

ConfigNode parse_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open config file (check the path)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

ConfigNode parse_yaml_string(const std::string& text, const std::string& source_name) {
  return parse(text, source_name);
}

std::string dump_yaml(const ConfigNode& node, const DumpOptions& options) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, node);
  std::string text = out.c_str();
  text += "\n";
  if (!options.provenance) return text;

  // Annotate: every line that starts a key (or a block list item that is not a map) gets the
  // origin of its value, in tree order.
  std::vector<std::string> origins;
  collect_origins(node, origins);
  std::istringstream lines(text);
  std::ostringstream annotated;
  std::string line;
  size_t next = 0;
  while (std::getline(lines, line)) {
    const auto first = line.find_first_not_of(' ');
    bool is_entry = false;
    if (first != std::string::npos) {
      std::string rest = line.substr(first);
      while (rest.rfind("- ", 0) == 0) rest = rest.substr(2);
      is_entry = rest.find(": ") != std::string::npos || (!rest.empty() && rest.back() == ':') ||
                 line.compare(first, 2, "- ") == 0;
    }
    if (is_entry && next < origins.size()) {
      annotated << line << "  # " << origins[next++] << "\n";
    } else {
      annotated << line << "\n";
    }
  }
  return annotated.str();
}

}  // namespace detseq
