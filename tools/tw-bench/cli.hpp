// Command-line helpers shared by tw-bench's subcommands, on the project's
// common helper (tools/common/args.hpp).
#pragma once

#include "args.hpp"

namespace twbench {

namespace cli = tickwire::cli;
using cli::parse_number;

// What a subcommand's option parser found.
enum class Parse { Ok, Help, Bad };

inline Parse to_parse(cli::Outcome outcome) noexcept {
  switch (outcome) {
    case cli::Outcome::Ok: return Parse::Ok;
    case cli::Outcome::Help: return Parse::Help;
    case cli::Outcome::Bad: return Parse::Bad;
  }
  return Parse::Bad;
}

}  // namespace twbench
