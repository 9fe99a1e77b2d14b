// `tw-bench cubes`: snapshot bandwidth of Glenn Fiedler's cube scene
// ("Snapshot Compression"): 901 ODE cubes at 60 Hz, each frame delta-coded
// against the frame 6 ticks earlier with the replication layer's codec.
#pragma once

#include <cstdio>

namespace twbench {

// Parses the subcommand's arguments (argv[0] is "cubes") and runs it.
// Exit codes: 0 done, 1 a measurement failed (codec error or inexact round
// trip) or the --export file could not be written, 2 bad arguments or
// tw-bench was built without ODE.
int cubes_main(int argc, char** argv);
// Usage to `to`: the synopsis only when `brief`.
void cubes_usage(std::FILE* to, const char* program, bool brief);

}  // namespace twbench
