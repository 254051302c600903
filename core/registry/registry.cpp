#include "core/registry/registry.h"

#include <c10/util/Exception.h>

#include <map>
#include <mutex>

#include "core/util/strings.h"

namespace detseq {

struct RegistryStore::Impl {
  std::mutex mutex;
  std::map<std::string, std::string> family_docs;
  std::map<std::string, std::map<std::string, RegistryEntry>> families;
};

RegistryStore& RegistryStore::instance() {
  static RegistryStore store;
  return store;
}

RegistryStore::Impl& RegistryStore::impl() {
  if (!impl_) impl_ = std::make_shared<Impl>();
  return *impl_;
}
const RegistryStore::Impl& RegistryStore::impl() const {
  return const_cast<RegistryStore*>(this)->impl();
}

void RegistryStore::add_family(const std::string& family, const std::string& doc) {
  std::lock_guard<std::mutex> lock(impl().mutex);
  impl().family_docs[family] = doc;
  impl().families[family];
}

void RegistryStore::add(RegistryEntry entry) {
  std::lock_guard<std::mutex> lock(impl().mutex);
  auto& family = impl().families[entry.family];
  if (family.count(entry.type)) {
    // Two registrations of one name would make configs ambiguous; fail loudly at start-up.
    throw std::logic_error("detseq: " + entry.family + " '" + entry.type + "' is registered twice (" +
                           family.at(entry.type).source_file + " and " + entry.source_file + ")");
  }
  family.emplace(entry.type, std::move(entry));
}

const RegistryEntry* RegistryStore::find(const std::string& family, const std::string& type) const {
  const auto f = impl().families.find(family);
  if (f == impl().families.end()) return nullptr;
  const auto e = f->second.find(type);
  return e == f->second.end() ? nullptr : &e->second;
}

std::vector<std::string> RegistryStore::families() const {
  std::vector<std::string> out;
  for (const auto& f : impl().families) out.push_back(f.first);
  return out;
}

std::string RegistryStore::family_doc(const std::string& family) const {
  const auto it = impl().family_docs.find(family);
  return it == impl().family_docs.end() ? std::string() : it->second;
}

std::vector<const RegistryEntry*> RegistryStore::entries(const std::string& family) const {
  std::vector<const RegistryEntry*> out;
  const auto f = impl().families.find(family);
  if (f == impl().families.end()) return out;
  for (const auto& e : f->second) out.push_back(&e.second);
  return out;
}

std::vector<const RegistryEntry*> RegistryStore::find_type(const std::string& type) const {
  std::vector<const RegistryEntry*> out;
  for (const auto& f : impl().families) {
    const auto e = f.second.find(type);
    if (e != f.second.end()) out.push_back(&e->second);
  }
  return out;
}

std::shared_ptr<void> build_erased(const std::string& family, const ConfigNode& node, const std::string& path) {
  const std::string where = path.empty() ? family : path;
  if (!node.is_map()) {
    throw BuildError(describe_location(where, node) + ": expected a " + family + " config (a map with a 'type' key), got a " +
                     ConfigNode::kind_name(node.kind()));
  }
  const ConfigNode* type_node = node.find("type");
  if (!type_node) {
    throw BuildError(describe_location(where, node) + ": missing 'type' (the " + family +
                     " to build); see `detseq registry list " + family + "`");
  }
  const std::string type = type_node->as<std::string>(where + ".type");
  const RegistryEntry* entry = RegistryStore::instance().find(family, type);
  if (!entry) {
    std::vector<std::string> names;
    for (const auto* e : RegistryStore::instance().entries(family)) names.push_back(e->type);
    throw BuildError(describe_location(where + ".type", *type_node) + ": unknown " + family + " type '" + type + "'" +
                     did_you_mean(type, names) + " (registered: " + (names.empty() ? "none" : join(names, ", ")) + ")");
  }
  try {
    return entry->build(node, path);
  } catch (const BuildError&) {
    throw;  // already names the innermost component
  } catch (const c10::Error& e) {
    throw BuildError("while building " + where + " (" + type + ") at " + node.loc().str() + ": " +
                     e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw BuildError("while building " + where + " (" + type + ") at " + node.loc().str() + ": " + e.what());
  }
}

}  // namespace detseq
