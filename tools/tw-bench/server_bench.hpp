// `tw-bench server`: the server's tick cost with N real clients in this
// process, tickwire against a bare-ENet baseline in the same run.
#pragma once

#include <cstdio>

namespace twbench {

// Parses the subcommand's arguments (argv[0] is "server") and runs it.
// Exit codes: 0 done, 1 a measurement failed or a client did not converge,
// 2 bad arguments.
int server_main(int argc, char** argv);
// Usage to `to`: the synopsis only when `brief`.
void server_usage(std::FILE* to, const char* program, bool brief);

}  // namespace twbench
