// Sample statistics and a minimal JSON writer for tw-bench's reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace twbench {

// Nearest-rank percentile of `samples`, p in [0, 100]. Reorders `samples`.
// Zero for an empty set.
double percentile(std::vector<double>& samples, double p);

// Builds one JSON object, keys in the order they are added. Not a general
// serializer: keys are plain ASCII and strings are escaped for quotes,
// backslashes and control characters only.
class JsonWriter {
 public:
  JsonWriter& begin(std::string_view key = {});  // opens an object (as a member when keyed)
  JsonWriter& end();                             // closes the innermost object
  JsonWriter& number(std::string_view key, double value, int decimals = 3);
  JsonWriter& integer(std::string_view key, std::uint64_t value);
  JsonWriter& boolean(std::string_view key, bool value);
  JsonWriter& string(std::string_view key, std::string_view value);
  // A member whose value is already JSON (an array of objects made by other writers).
  JsonWriter& raw(std::string_view key, std::string_view json);
  [[nodiscard]] const std::string& str() const noexcept { return out_; }

 private:
  void key(std::string_view name);
  std::string out_;
  std::vector<bool> first_;  // per open object: no member written yet
};

}  // namespace twbench
