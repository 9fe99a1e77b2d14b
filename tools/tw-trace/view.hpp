// tw-trace view: a recorded client's match played back in arena's window.
#pragma once

#include <string>

namespace twtrace {

struct ViewOptions {
  long connection = -1;  // a server's trace: the client to follow (default 0)
  double from_s = 0;     // start this far into the trace, seconds
  double speed = 1;      // playback speed
  bool paused = false;   // start paused
  int width = 1280, height = 720;
  // Draw the frame at from_s, save it as a BMP and exit (no real-time playback).
  std::string screenshot;
};

// The keys, for --help.
extern const char* const kViewKeys;

// Returns the exit status: 0, or 1 (a bad trace, no window, no such
// connection). A trace of a game with no decoder here plays at tickwire's
// level (timeline and net graph, no world), and the window says so.
int view(const std::string& path, const ViewOptions& options);

}  // namespace twtrace
