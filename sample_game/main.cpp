// arena — tickwire's sample game. See docs/arena.md and `arena --help`.
#include <cstdio>
#include <string>

#include "app/options.hpp"
#include "app/run.hpp"

int main(int argc, char** argv) {
  arena::app::Options options;
  std::string error;
  if (!arena::app::parse_options(argc, argv, options, error)) {
    std::fprintf(stderr, "arena: %s\n\n%s", error.c_str(), arena::app::usage());
    return 2;
  }
  if (options.help) {
    std::fputs(arena::app::usage(), stdout);
    return 0;
  }
  arena::app::install_signal_handlers();
  if (options.mode == arena::app::Mode::Server) return arena::app::run_server(options);
  return options.clients > 1 ? arena::app::run_bots(options) : arena::app::run_client(options);
}
