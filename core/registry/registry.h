// The plugin registry: one family per component interface (backbone, neck, head, detector, ...),
// components registered by `type` name with one line beside their definition:
//
//   DETSEQ_REGISTER(Backbone, ResNet, ResNetOptions)
//
// which requires `ResNet(const ResNetOptions&)` and `ResNet : Backbone`. Build with
//
//   std::shared_ptr<Backbone> b = build<Backbone>(options.backbone);   // a ComponentCfg
//
// Errors: an unknown type lists the family's names and the closest one; unknown option keys get a
// suggestion; an error inside a nested build is reported once, with the innermost config path.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/registry/options.h"

namespace detseq {

// Every interface names its family: specialise with DETSEQ_DECLARE_FAMILY(Interface, "name", "doc").
template <class Interface>
struct FamilyTraits;

#define DETSEQ_DECLARE_FAMILY(Interface, family_name, family_doc)   \
  template <>                                                       \
  struct FamilyTraits<Interface> {                                  \
    static constexpr const char* name = family_name;                \
    static constexpr const char* doc = family_doc;                  \
  }

struct RegistryEntry {
  std::string family;
  std::string type;
  std::string doc;          // one line, shown by `registry list`
  std::string source_file;  // where it is defined, for newcomers
  std::function<std::shared_ptr<void>(const ConfigNode&, const std::string&)> build;
  std::function<std::vector<OptionInfo>()> describe;
};

// The process-wide store behind every family (type-erased so that shared libraries share it).
class RegistryStore {
 public:
  static RegistryStore& instance();
  void add(RegistryEntry entry);  // duplicate family/type pairs are a programming error
  void add_family(const std::string& family, const std::string& doc);
  const RegistryEntry* find(const std::string& family, const std::string& type) const;
  std::vector<std::string> families() const;
  std::string family_doc(const std::string& family) const;
  std::vector<const RegistryEntry*> entries(const std::string& family) const;
  // Every entry of that type name, in any family (for `registry describe TYPE`).
  std::vector<const RegistryEntry*> find_type(const std::string& type) const;

 private:
  RegistryStore() = default;
  struct Impl;
  std::shared_ptr<Impl> impl_;
  Impl& impl();
  const Impl& impl() const;
};

// Builds a component of the family from a map with a `type` key. `path` is its config path.
std::shared_ptr<void> build_erased(const std::string& family, const ConfigNode& node, const std::string& path);

template <class Interface>
std::shared_ptr<Interface> build(const ConfigNode& node, const std::string& path) {
  return std::static_pointer_cast<Interface>(build_erased(FamilyTraits<Interface>::name, node, path));
}

template <class Interface>
std::shared_ptr<Interface> build(const ComponentCfg& cfg) {
  return build<Interface>(cfg.node, cfg.path);
}

// Reads a component's options; their errors already name the option's path and file:line, so they
// become BuildErrors that outer builders pass through. Errors thrown later, by the constructor,
// are wrapped by build_erased with the component's path, type and file:line.
template <class Options>
Options read_component_options(const ConfigNode& node, const std::string& path, const std::string& type_name) {
  try {
    return read_options<Options>(node, path, type_name);
  } catch (const BuildError&) {
    throw;
  } catch (const ConfigError& e) {
    throw BuildError(e.what());
  }
}

// A family's registration anchor (used by the macros; also lists a family that has no members yet).
struct FamilyRegistrar {
  FamilyRegistrar(const char* family, const char* doc) { RegistryStore::instance().add_family(family, doc); }
};

template <class Interface, class Impl, class Options>
struct Registrar {
  Registrar(const char* type, const char* doc, const char* file) {
    RegistryEntry entry;
    entry.family = FamilyTraits<Interface>::name;
    entry.type = type;
    entry.doc = doc;
    entry.source_file = file;
    const std::string type_name = type;
    entry.build = [type_name](const ConfigNode& node, const std::string& path) -> std::shared_ptr<void> {
      const Options options = read_component_options<Options>(node, path, type_name);
      std::shared_ptr<Interface> built = std::make_shared<Impl>(options);
      return built;
    };
    entry.describe = [] { return describe_options<Options>(); };
    RegistryStore::instance().add(std::move(entry));
  }
};

#define DETSEQ_CONCAT_INNER(a, b) a##b
#define DETSEQ_CONCAT(a, b) DETSEQ_CONCAT_INNER(a, b)

// Registers `Impl` (constructible from `Options`) as type `Impl` in the family of `Interface`.
#define DETSEQ_REGISTER(Interface, Impl, Options) DETSEQ_REGISTER_AS(Interface, Impl, Options, #Impl, "")
// Same, with an explicit type name and a one-line doc.
#define DETSEQ_REGISTER_AS(Interface, Impl, Options, type_name, doc)                                  \
  static const ::detseq::Registrar<Interface, Impl, Options> DETSEQ_CONCAT(detseq_registrar_, __LINE__)( \
      type_name, doc, __FILE__)

// Registers a factory function `std::shared_ptr<Interface> fn(const Options&)` under a type name;
// for components whose construction is not a plain constructor call.
template <class Interface, class Options>
struct FactoryRegistrar {
  using Fn = std::shared_ptr<Interface> (*)(const Options&);
  FactoryRegistrar(const char* type, const char* doc, const char* file, Fn fn) {
    RegistryEntry entry;
    entry.family = FamilyTraits<Interface>::name;
    entry.type = type;
    entry.doc = doc;
    entry.source_file = file;
    const std::string type_name = type;
    entry.build = [type_name, fn](const ConfigNode& node, const std::string& path) -> std::shared_ptr<void> {
      return fn(read_component_options<Options>(node, path, type_name));
    };
    entry.describe = [] { return describe_options<Options>(); };
    RegistryStore::instance().add(std::move(entry));
  }
};
#define DETSEQ_REGISTER_FACTORY(Interface, Options, type_name, doc, ...)                                   \
  static const ::detseq::FactoryRegistrar<Interface, Options> DETSEQ_CONCAT(detseq_registrar_, __LINE__)( \
      type_name, doc, __FILE__, __VA_ARGS__)

// Defines the family in the registry listing; put once in the .cpp of the interface.
#define DETSEQ_DEFINE_FAMILY(Interface)                                                         \
  static const ::detseq::FamilyRegistrar DETSEQ_CONCAT(detseq_family_, __LINE__)(             \
      ::detseq::FamilyTraits<Interface>::name, ::detseq::FamilyTraits<Interface>::doc)

}  // namespace detseq
