#include "core/config/yaml_io.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/util/printable.h"

namespace detseq {
namespace {

// Values YAML aliases may add on top of what the file spells out. A config that reuses an anchor
// a few times stays far below; "billion laughs" (aliases of aliases) would expand exponentially.
constexpr size_t kMaxAliasNodes = 1000000;

// yaml-cpp tree -> ConfigNode, linear in the file: one shared file name for all locations, the
// key path built only for messages, duplicate keys found by hashing. An alias is the very node of
// its anchor (same start mark), so each composite node's expanded size is remembered by its
// position: a repeat is an alias, charged to the alias budget *before* it is copied.
class Converter {
 public:
  explicit Converter(const std::string& file) : file_loc_(file, 0) {}

  ConfigNode convert(const YAML::Node& node) {
    SourceLoc loc = at_line(node.Mark().line + 1);
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        ++produced_;
        return ConfigNode::null(std::move(loc));
      case YAML::NodeType::Scalar: {
        ++produced_;
        // yaml-cpp tags quoted scalars "!" and plain ones "?"; a quoted "123" stays a string.
        const bool quoted = node.Tag() == "!";
        ConfigNode out = ConfigNode::scalar(node.Scalar(), loc, quoted);
        if (out.scalar_is_null_spelling()) return ConfigNode::null(std::move(loc));
        return out;
      }
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        break;
    }
    const int pos = node.Mark().pos;
    if (auto seen = sizes_.find(pos); seen != sizes_.end()) {
      if (seen->second == kOpen) throw ConfigError(loc.str() + ": '" + path() + "' is an alias of a node that contains it (a cycle)");
      if (inside_alias_ == 0) alias_nodes_ += seen->second;  // its inner aliases are part of that size
      if (alias_nodes_ > kMaxAliasNodes) {
        throw ConfigError(loc.str() + ": '" + path() + "' expands YAML aliases to more than " + std::to_string(kMaxAliasNodes) +
                          " values (an anchor of anchors, 'billion laughs'?); write the values out or use ${} references");
      }
    }
    const size_t before = produced_;
    const bool first_visit = sizes_.emplace(pos, kOpen).second;
    if (!first_visit) ++inside_alias_;
    ConfigNode out = node.IsMap() ? convert_map(node, std::move(loc)) : convert_sequence(node, std::move(loc));
    ++produced_;
    if (first_visit) sizes_[pos] = produced_ - before;
    else --inside_alias_;
    return out;
  }

 private:
  SourceLoc at_line(int line) const {
    SourceLoc loc = file_loc_;
    loc.line = line;
    return loc;
  }
  const std::string& file() const { return *file_loc_.file; }

  // "model.backbone.depth" of the node being converted ("<root>" at the top).
  std::string path() const {
    if (steps_.empty()) return "<root>";
    std::string out;
    for (const Step& s : steps_) {
      if (s.map && !s.key) break;  // the map itself, before its first key
      out += (out.empty() ? "" : ".") + (s.map ? printable(*s.key) : std::to_string(s.index));
    }
    return out.empty() ? "<root>" : out;
  }

  ConfigNode convert_sequence(const YAML::Node& node, SourceLoc loc) {
    ConfigNode out = ConfigNode::sequence(std::move(loc));
    steps_.push_back({nullptr, 0, false});
    for (const auto& child : node) {
      out.push_back(convert(child));
      ++steps_.back().index;
    }
    steps_.pop_back();
    return out;
  }

  ConfigNode convert_map(const YAML::Node& node, SourceLoc loc) {
    ConfigNode out = ConfigNode::map(std::move(loc));
    // Keys point into yaml-cpp's nodes, which outlive the conversion.
    std::unordered_set<std::string_view> keys;
    steps_.push_back({nullptr, 0, true});
    for (const auto& kv : node) {
      const int key_line = kv.first.Mark().line + 1;
      steps_.back().key = nullptr;
      if (!kv.first.IsScalar()) {
        throw ConfigError(file() + ":" + std::to_string(key_line) + ": a map key in '" + path() +
                          "' is a list, map or null; keys must be names");
      }
      const std::string& key = kv.first.Scalar();
      if (!keys.insert(key).second)
        throw ConfigError(file() + ":" + std::to_string(key_line) + ": duplicate key '" + printable(key) + "' in the same map");
      steps_.back().key = &key;
      ConfigNode child = convert(kv.second);
      // A map or list value is "defined" on its key's line, not on its first element's.
      if (child.is_map() || child.is_sequence() || child.is_null()) child.set_loc(at_line(key_line));
      out.items().emplace_back(key, std::move(child));
    }
    steps_.pop_back();
    return out;
  }

  struct Step {
    const std::string* key;  // map key (null until the first key is read)
    size_t index;            // sequence index
    bool map;
  };
  static constexpr size_t kOpen = ~size_t{0};  // being converted: meeting it again is a cycle
  SourceLoc file_loc_;
  std::vector<Step> steps_;
  std::unordered_map<int, size_t> sizes_;  // start position of a composite node -> values it expanded to
  size_t produced_ = 0, alias_nodes_ = 0;
  int inside_alias_ = 0;  // > 0 while copying an alias
};

ConfigNode parse(const std::string& text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ": values nested deeper than " +
                      std::to_string(e.depth()) + " levels (yaml-cpp's limit); a config needs far fewer");
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + printable(e.msg));
  }
  try {
    return Converter(name).convert(root);
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + printable(e.msg));
  }
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(path + ": is a directory, expected a YAML config file");
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
