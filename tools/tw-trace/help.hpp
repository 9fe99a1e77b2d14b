// tw-trace's help texts: the overview (tw-trace --help) and each command's
// own (tw-trace COMMAND --help).
#pragma once

#include <string_view>

namespace twtrace {

struct CommandHelp {
  std::string_view name;
  const char* usage;  // the "usage: ..." lines
  const char* about;  // what it does
  const char* options;
  const char* exit_status;
};

// Prints the overview of every command on stdout.
void overview();
// The help of command `name`; nullptr when there is no such command.
const CommandHelp* command_help(std::string_view name);
// Prints one command's help on stdout.
void help(const CommandHelp& c);

}  // namespace twtrace
