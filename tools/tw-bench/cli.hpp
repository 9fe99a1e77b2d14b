// Command-line helpers shared by tw-bench's subcommands, on the project's
// common helper (tools/common/args.hpp).
#pragma once

#include <enet/enet.h>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "args.hpp"

namespace twbench {

namespace cli = tickwire::cli;
using cli::parse_number;

// A subcommand's usage printer: `program`, and whether it goes to stderr
// after an error (shorter).
using Usage = void (*)(std::FILE* to, const char* program, bool brief);

// The start of every subcommand: parses its flags. On --help prints the
// usage and returns 0; on a bad flag prints "tw-bench NAME: ERROR" and the
// usage and returns 2; otherwise -1: go on.
inline int start(const char* name, int argc, char** argv, std::span<const cli::Flag> flags,
                 Usage usage) {
  std::string error;
  switch (cli::parse(argc, argv, flags, error)) {
    case cli::Outcome::Help: usage(stdout, "tw-bench", false); return 0;
    case cli::Outcome::Bad:
      std::fprintf(stderr, "tw-bench %s: %s\n", name, error.c_str());
      usage(stderr, "tw-bench", true);
      return 2;
    case cli::Outcome::Ok: break;
  }
  return -1;
}

// Benchmarks against bare ENet: TICKWIRE_SIM would condition tickwire's
// links only and make the comparison meaningless, so it is dropped (said
// once); then ENet starts. False (after saying why) when it cannot.
inline bool start_enet(const char* name) {
  if (const char* sim = std::getenv("TICKWIRE_SIM"); sim != nullptr && *sim != '\0') {
    std::fprintf(stderr, "tw-bench %s: ignoring TICKWIRE_SIM=%s\n", name, sim);
    unsetenv("TICKWIRE_SIM");
  }
  if (enet_initialize() != 0) {
    std::fprintf(stderr, "tw-bench %s: enet_initialize failed\n", name);
    return false;
  }
  return true;
}

}  // namespace twbench
