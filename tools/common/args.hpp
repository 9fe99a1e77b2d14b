// The command-line helper shared by arena and the tools (tw-bench, tw-token):
// one way to read flags, one way to word an error. Header-only.
//
// A program lists its flags in a table; parse() walks argv, accepting
// "--name VALUE", "--name=VALUE" and bare flags, and "-h"/"--help". Errors
// read the same everywhere:
//   unknown option '--bogus'
//   --port needs a value
//   --headless takes no value
//   --port: expected 0..65535, got '70000'
// The caller prints them as "PROGRAM: ERROR" followed by its usage, and exits
// with status 2 (bad arguments).
#pragma once

#include <charconv>
#include <cmath>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace tickwire::cli {

struct Flag {
  std::string_view name;  // "--port"
  bool takes_value = false;
  // Takes the value ("" for a bare flag); returns an error text, or "" when fine.
  std::function<std::string(std::string_view value)> apply;
};

enum class Outcome { Ok, Help, Bad };

// Parses argv[first..argc) against `flags`.
inline Outcome parse(int argc, const char* const* argv, std::span<const Flag> flags,
                     std::string& error, int first = 1) {
  for (int i = first; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") return Outcome::Help;
    std::string_view name = arg, value;
    bool inline_value = false;
    if (arg.starts_with("--")) {
      if (const auto eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        inline_value = true;
      }
    }
    const Flag* flag = nullptr;
    for (const Flag& f : flags)
      if (f.name == name) flag = &f;
    if (flag == nullptr) {
      error = "unknown option '" + std::string(arg) + "'";
      return Outcome::Bad;
    }
    if (!flag->takes_value && inline_value) {
      error = std::string(name) + " takes no value";
      return Outcome::Bad;
    }
    if (flag->takes_value && !inline_value) {
      if (i + 1 >= argc) {
        error = std::string(name) + " needs a value";
        return Outcome::Bad;
      }
      value = argv[++i];
    }
    if (std::string e = flag->apply(value); !e.empty()) {
      error = std::move(e);
      return Outcome::Bad;
    }
  }
  return Outcome::Ok;
}

// `text` as a whole integer in [min, max] (in `base`) into `out`; false (and
// `out` unchanged) for anything else: empty, a sign T lacks, trailing
// characters, out of range.
template <typename T>
bool parse_number(std::string_view text, T min, T max, T& out, int base = 10) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min ||
      value > max)
    return false;
  out = value;
  return true;
}

// A positive, finite number of seconds up to `max`.
inline bool parse_seconds(std::string_view text, double max, double& out) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(value) || value <= 0 || value > max)
    return false;
  out = value;
  return true;
}

// The same, as the error text parse() expects: "" or "--flag: expected MIN..MAX, got 'TEXT'".
template <typename T>
std::string number(std::string_view flag, std::string_view text, T min, T max, T& out) {
  if (parse_number(text, min, max, out)) return {};
  return std::string(flag) + ": expected " + std::to_string(min) + ".." + std::to_string(max) +
         ", got '" + std::string(text) + "'";
}
inline std::string seconds(std::string_view flag, std::string_view text, double max, double& out) {
  if (parse_seconds(text, max, out)) return {};
  return std::string(flag) + ": expected a number of seconds above 0, got '" + std::string(text) +
         "'";
}

}  // namespace tickwire::cli
