#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace twbench {

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) {
    return 0.0;
  }
  const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
  std::size_t index = rank < 1.0 ? 0 : static_cast<std::size_t>(rank) - 1;
  index = std::min(index, samples.size() - 1);
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index),
                   samples.end());
  return samples[index];
}

void JsonWriter::key(std::string_view name) {
  if (first_.empty()) {
    return;
  }
  if (!first_.back()) {
    out_ += ',';
  }
  first_.back() = false;
  if (!name.empty()) {
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }
}

JsonWriter& JsonWriter::begin(std::string_view name) {
  key(name);
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end() {
  out_ += '}';
  if (!first_.empty()) {
    first_.pop_back();
  }
  return *this;
}

JsonWriter& JsonWriter::number(std::string_view name, double value, int decimals) {
  key(name);
  if (!std::isfinite(value)) {
    out_ += "null";  // JSON has no NaN or infinity
    return *this;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  out_ += buffer;
  return *this;
}

JsonWriter& JsonWriter::integer(std::string_view name, std::uint64_t value) {
  key(name);
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::boolean(std::string_view name, bool value) {
  key(name);
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view name, std::string_view value) {
  key(name);
  out_ += '"';
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
      out_ += escaped;
    } else {
      out_ += c;
    }
  }
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view name, std::string_view json) {
  key(name);
  out_ += json;
  return *this;
}

}  // namespace twbench
