// Parsing and printing of link conditioner specs ("lag=100,jitter=20,loss=5")
// and validation of LinkConditionerSettings.
#include <charconv>
#include <cstdlib>
#include <string>

#include "tickwire/conditioner.hpp"

namespace tickwire {

namespace {

constexpr std::uint32_t kMaxDelayMs = 10'000;
constexpr std::uint32_t kMaxQueue = 1u << 20;

Status bad(std::string_view part, const std::string& why) {
  return {Errc::InvalidSettings, "link conditioner: '" + std::string(part) + "': " + why};
}

bool parse_uint(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool parse_pct(std::string_view text, float& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= 0.0f && out <= 100.0f;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Applies key=value to one direction; returns an error message or empty.
std::string apply(LinkDirection& d, std::string_view key, std::string_view value) {
  std::uint64_t n = 0;
  if (key == "lag" || key == "jitter") {
    if (!parse_uint(value, n) || n > kMaxDelayMs) return "expects whole milliseconds, 0..10000";
    (key == "lag" ? d.latency_ms : d.jitter_ms) = static_cast<std::uint32_t>(n);
  } else if (key == "loss" || key == "dup" || key == "reorder") {
    float pct = 0;
    if (!parse_pct(value, pct)) return "expects a percentage, 0..100";
    (key == "loss" ? d.loss_pct : key == "dup" ? d.duplicate_pct : d.reorder_pct) = pct;
  } else if (key == "rate") {
    if (!parse_uint(value, n) || n > 100'000'000) return "expects kbit/s, 0..100000000";
    d.bandwidth_kbps = static_cast<std::uint32_t>(n);
  } else {
    return "unknown key (expected lag, jitter, loss, dup, reorder, rate, seed or queue)";
  }
  return {};
}

void append(std::string& out, std::string_view prefix, const LinkDirection& d) {
  auto put = [&](std::string_view key, const std::string& value) {
    if (!out.empty()) out += ',';
    out.append(prefix).append(key).append("=").append(value);
  };
  auto pct = [](float v) {
    std::string s = std::to_string(v);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  };
  if (d.latency_ms) put("lag", std::to_string(d.latency_ms));
  if (d.jitter_ms) put("jitter", std::to_string(d.jitter_ms));
  if (d.loss_pct > 0) put("loss", pct(d.loss_pct));
  if (d.duplicate_pct > 0) put("dup", pct(d.duplicate_pct));
  if (d.reorder_pct > 0) put("reorder", pct(d.reorder_pct));
  if (d.bandwidth_kbps) put("rate", std::to_string(d.bandwidth_kbps));
}

Status validate_direction(const LinkDirection& d, const char* name) {
  auto pct_ok = [](float v) { return v >= 0.0f && v <= 100.0f; };
  if (d.latency_ms > kMaxDelayMs || d.jitter_ms > kMaxDelayMs)
    return {Errc::InvalidSettings,
            std::string("link conditioner: ") + name + " latency and jitter must be <= 10000 ms"};
  if (!pct_ok(d.loss_pct) || !pct_ok(d.duplicate_pct) || !pct_ok(d.reorder_pct))
    return {Errc::InvalidSettings,
            std::string("link conditioner: ") + name + " percentages must be within 0..100"};
  return {};
}

}  // namespace

Status LinkConditionerSettings::validate() const {
  if (Status s = validate_direction(outgoing, "outgoing"); !s) return s;
  if (Status s = validate_direction(incoming, "incoming"); !s) return s;
  if (queue_capacity == 0 || queue_capacity > kMaxQueue)
    return {Errc::InvalidSettings, "link conditioner: queue_capacity must be within 1..1048576"};
  return {};
}

Status parse_conditioner_spec(std::string_view spec, LinkConditionerSettings& out) {
  LinkConditionerSettings result = out;
  std::string_view rest = spec;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view part = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (part.empty()) {
      if (comma == std::string_view::npos &&
          spec.find_first_not_of(" \t,") == std::string_view::npos)
        break;  // an entirely empty spec conditions nothing
      return bad(part, "empty entry (stray comma?)");
    }
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return bad(part, "expected key=value");
    std::string_view key = trim(part.substr(0, eq));
    const std::string_view value = trim(part.substr(eq + 1));

    if (key == "seed" || key == "queue") {
      std::uint64_t n = 0;
      if (!parse_uint(value, n)) return bad(part, "expects a whole number");
      if (key == "seed") {
        result.seed = n;
      } else {
        if (n == 0 || n > kMaxQueue) return bad(part, "expects 1..1048576 datagrams");
        result.queue_capacity = static_cast<std::uint32_t>(n);
      }
      continue;
    }
    bool in = false, both = false;
    if (key.starts_with("in.")) {
      in = true;
      key.remove_prefix(3);
    } else if (key.starts_with("out.")) {
      key.remove_prefix(4);
    } else if (key.starts_with("both.")) {
      both = true;
      key.remove_prefix(5);
    }
    std::string why = apply(in ? result.incoming : result.outgoing, key, value);
    if (why.empty() && both) why = apply(result.incoming, key, value);
    if (!why.empty()) return bad(part, why);
  }
  out = result;
  return {};
}

Status conditioner_from_env(LinkConditionerSettings& out) {
  const char* value = std::getenv("TICKWIRE_SIM");
  if (value == nullptr || *value == '\0') return {};
  Status s = parse_conditioner_spec(value, out);
  if (!s) s.message = "TICKWIRE_SIM: " + s.message;
  return s;
}

std::string to_spec(const LinkConditionerSettings& settings) {
  std::string out;
  append(out, "", settings.outgoing);
  append(out, "in.", settings.incoming);
  if (!out.empty() && settings.seed != 1) out += ",seed=" + std::to_string(settings.seed);
  return out;
}

}  // namespace tickwire
