// `tw-bench transport`: round-trip time and throughput on loopback for raw
// UDP (plain, and sealed netcode-style), bare ENet and tickwire (reliable
// and unreliable lanes), measured interleaved in one run.
#pragma once

#include <cstdio>

namespace twbench {

// Parses the subcommand's arguments (argv[0] is "transport") and runs it.
// Exit codes: 0 done, 1 a measurement failed, 2 bad arguments.
int transport_main(int argc, char** argv);
// Usage to `to`: the synopsis only when `brief`.
void transport_usage(std::FILE* to, const char* program, bool brief);

}  // namespace twbench
