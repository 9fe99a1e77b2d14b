// Command-line helpers shared by tw-bench's subcommands.
#pragma once

#include <charconv>
#include <string_view>
#include <system_error>

namespace twbench {

// What a subcommand's option parser found.
enum class Parse { Ok, Help, Bad };

// `text` as a whole decimal integer in [min, max] into `out`; false (and
// `out` unchanged) for anything else: empty, signs where T has none, trailing
// characters, out of range.
template <typename T>
bool parse_number(std::string_view text, T min, T max, T& out) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min ||
      value > max) {
    return false;
  }
  out = value;
  return true;
}

}  // namespace twbench
