// tw-bench: tickwire's benchmark tool. One subcommand per benchmark; each
// parses its own arguments and returns the process exit code
// (0 done, 1 a measurement failed, 2 bad arguments).
#include <cstdio>
#include <string_view>

#include "cubes.hpp"
#include "prediction_bench.hpp"
#include "server_bench.hpp"
#include "transport.hpp"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);  // argv[0] is the subcommand's name
};

#if !TICKWIRE_HAVE_ODE
// Built without ODE (libode-dev, found through pkg-config): the cube scene
// cannot be simulated.
int cubes_unavailable(int, char**) {
  std::fprintf(stderr,
               "tw-bench cubes: this tw-bench was built without ODE; install libode-dev "
               "(third_party/debian-packages.txt) and re-run cmake\n");
  return 2;
}
#endif

constexpr Subcommand kSubcommands[] = {
    {"transport",
     "round trip and throughput: raw UDP (plain, sealed), bare ENet, tickwire (reliable, "
     "unreliable)",
     &twbench::transport_main},
#if TICKWIRE_HAVE_ODE
    {"cubes", "snapshot bandwidth of Fiedler's 901-cube scene (ODE), delta-coded",
     &twbench::cubes_main},
#else
    {"cubes", "snapshot bandwidth of Fiedler's cube scene (unavailable: built without ODE)",
     &cubes_unavailable},
#endif
    {"server", "server tick with N clients and a replicated world, vs bare ENet",
     &twbench::server_main},
    {"prediction", "arena on the prediction layer over conditioned links, vs no prediction",
     &twbench::prediction_main},
};

void usage(std::FILE* to, const char* program) {
  std::fprintf(to, "usage: %s <command> [options]\n       %s <command> --help\n\ncommands:\n",
               program, program);
  for (const Subcommand& sub : kSubcommands) {
    std::fprintf(to, "  %-12s %s\n", sub.name, sub.summary);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* program = "tw-bench";
  if (argc < 2) {
    usage(stderr, program);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    usage(stdout, program);
    return 0;
  }
  for (const Subcommand& sub : kSubcommands) {
    if (command == sub.name) {
      return sub.main(argc - 1, argv + 1);
    }
  }
  std::fprintf(stderr, "%s: unknown command '%s'\n", program, argv[1]);
  usage(stderr, program);
  return 2;
}
