// tw-bench: tickwire's benchmark tool. One subcommand per benchmark; each
// parses its own arguments and returns the process exit code
// (0 done, 1 a measurement failed, 2 bad arguments).
#include <cstdio>
#include <string_view>

#include "transport.hpp"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);  // argv[0] is the subcommand's name
};

// Later: "cubes" (snapshot bandwidth of the cube scene), "server" (tick cost).
constexpr Subcommand kSubcommands[] = {
    {"transport", "round trip and reliable throughput: raw UDP, bare ENet, tickwire",
     &twbench::transport_main},
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
