// `tw-bench prediction`: how arena plays on tickwire's prediction layer over
// conditioned links (latency, jitter, loss): input latency, corrections,
// remote-ship error, input underruns, extrapolation and hit agreement, with
// prediction and without (the baseline). A quality benchmark: it measures and
// reports, it never asserts.
#pragma once

#include <cstdio>

namespace twbench {

// Parses the subcommand's arguments (argv[0] is "prediction") and runs it.
// Exit codes: 0 done, 1 a cell could not be run (a client never played),
// 2 bad arguments.
int prediction_main(int argc, char** argv);
// Usage to `to`: the synopsis only when `brief`.
void prediction_usage(std::FILE* to, const char* program, bool brief);

}  // namespace twbench
