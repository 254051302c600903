// detseq print-config CONFIG [--cfg-options ...] [--provenance] [--validate]
#include <cstdio>

#include "core/config/config.h"
#include "core/config/yaml_io.h"
#include "tools/command.h"
#include "tools/validate_config.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string config;
  std::vector<std::string> cfg_options;
  bool provenance = false;
  bool no_validate = false;
};

int run(const Options& o) {
  const Config config = load_config(o.config, o.cfg_options);
  // Building every component once catches misspelt types and keys before a long run starts.
  if (!o.no_validate) validate_config(config);
  DumpOptions dump;
  dump.provenance = o.provenance;
  std::fputs(dump_yaml(config.root, dump).c_str(), stdout);
  return 0;
}

DETSEQ_COMMAND("print-config", "print the fully merged config (bases, overrides and references applied)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("config", o->config, "config file (YAML)")->required();
                 add_cfg_options(app, o->cfg_options);
                 app.add_flag("--provenance", o->provenance, "annotate every key with the file:line it came from");
                 app.add_flag("--no-validate", o->no_validate, "do not build the components to check types and keys");
                 return [o] { return run(*o); };
               });

}  // namespace
}  // namespace detseq::cli
