// arena — how long the server's ticks take, for the status line, --stats-json
// and scripts/soak. A fixed histogram (10 us buckets up to 100 ms, one more for
// anything longer), so a server that runs for weeks keeps the same 40 KB and
// its percentiles cover the whole run.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace arena::server {

// Percentiles are the upper edge of the bucket they fall in (at most 10 us
// high); a tick over 100 ms counts in the last bucket and in max_ms exactly.
struct TickTimeSummary {
  std::uint64_t count = 0;  // ticks measured
  double mean_ms = 0;
  double median_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

class TickTimes {
 public:
  static constexpr std::int64_t kBucketNs = 10'000;
  static constexpr std::size_t kBuckets = 10'000;  // up to 100 ms, then the overflow bucket

  void add(std::chrono::nanoseconds took) noexcept {
    const std::int64_t ns = std::max<std::int64_t>(took.count(), 0);
    const auto bucket = static_cast<std::size_t>(ns / kBucketNs);
    ++counts_[std::min(bucket, kBuckets)];
    ++count_;
    total_ns_ += static_cast<double>(ns);
    max_ns_ = std::max(max_ns_, ns);
  }

  [[nodiscard]] TickTimeSummary summary() const noexcept {
    TickTimeSummary s;
    s.count = count_;
    if (count_ == 0) return s;
    s.mean_ms = total_ns_ / static_cast<double>(count_) / 1e6;
    s.median_ms = percentile_ms(0.50);
    s.p99_ms = percentile_ms(0.99);
    s.max_ms = static_cast<double>(max_ns_) / 1e6;
    return s;
  }

 private:
  // The upper edge of the bucket holding the ceil(q * count)-th smallest tick.
  [[nodiscard]] double percentile_ms(double q) const noexcept {
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.999999));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b <= kBuckets; ++b) {
      seen += counts_[b];
      if (seen >= rank) {
        if (b == kBuckets) return static_cast<double>(max_ns_) / 1e6;
        return std::min(static_cast<double>((b + 1) * kBucketNs), static_cast<double>(max_ns_)) /
               1e6;
      }
    }
    return static_cast<double>(max_ns_) / 1e6;
  }

  std::array<std::uint32_t, kBuckets + 1> counts_{};
  std::uint64_t count_ = 0;
  double total_ns_ = 0;
  std::int64_t max_ns_ = 0;
};

}  // namespace arena::server
