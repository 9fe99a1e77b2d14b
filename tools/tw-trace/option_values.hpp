// The values tw-trace's options take, checked: each returns an empty string
// when the value is good (and stores it), else the one-line error.
#pragma once

#include <string>
#include <string_view>

namespace twtrace {

// "--from"/"--to": a number of seconds, 0 or more, into `out`.
std::string seconds_at_least_zero(const char* flag, std::string_view v, double& out);
// "--size WxH": a window of 320x200 to 7680x4320.
std::string size(std::string_view v, int& w, int& h);
// "--to HOST:PORT" for send: the syntax only (send resolves the name).
std::string host_and_port(std::string_view v);
// "--code CODE": a room code the server could have, as arena takes it.
std::string room_code(std::string_view v);

}  // namespace twtrace
