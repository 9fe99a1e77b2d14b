// tw-trace's one line on stderr: "tw-trace COMMAND: WHAT", for errors and
// notices alike (a line break in WHAT, from a library or the command line
// itself, becomes a space, so that a message stays one line).
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

namespace twtrace {

inline void say(std::string_view who, std::string what) {
  std::replace(what.begin(), what.end(), '\n', ' ');
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(who.size()), who.data(), what.c_str());
}

}  // namespace twtrace
