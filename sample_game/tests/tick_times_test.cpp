// The server's tick-time histogram: percentiles from 10 us buckets, the
// overflow bucket, and constant memory whatever the run's length.
#include <gtest/gtest.h>

#include <chrono>

#include "server/tick_times.hpp"

namespace arena::server {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(TickTimes, NothingMeasuredIsAllZero) {
  const TickTimeSummary s = TickTimes{}.summary();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.median_ms, 0.0);
  EXPECT_EQ(s.p99_ms, 0.0);
  EXPECT_EQ(s.max_ms, 0.0);
}

TEST(TickTimes, PercentilesAreTheUpperEdgeOfTheirBucket) {
  TickTimes t;
  // 98 ticks of 1.003 ms, one of 5 ms, one of 7.5 ms.
  for (int i = 0; i < 98; ++i) t.add(microseconds(1003));
  t.add(milliseconds(5));
  t.add(microseconds(7500));
  const TickTimeSummary s = t.summary();
  EXPECT_EQ(s.count, 100u);
  EXPECT_NEAR(s.median_ms, 1.01, 1e-9);  // 1.003 ms falls in [1.00, 1.01)
  EXPECT_NEAR(s.p99_ms, 5.01, 1e-9);     // the 99th of 100 is the 5 ms tick
  EXPECT_NEAR(s.max_ms, 7.5, 1e-9);
  EXPECT_NEAR(s.mean_ms, (98 * 1.003 + 5 + 7.5) / 100, 1e-9);
}

TEST(TickTimes, APercentileNeverExceedsTheLongestTick) {
  TickTimes t;
  t.add(microseconds(1001));
  const TickTimeSummary s = t.summary();
  EXPECT_NEAR(s.median_ms, 1.001, 1e-9);  // not the bucket's edge, 1.01
  EXPECT_NEAR(s.p99_ms, 1.001, 1e-9);
}

TEST(TickTimes, TicksOver100MsCountInTheOverflowWithTheirExactMaximum) {
  TickTimes t;
  t.add(milliseconds(2));
  t.add(milliseconds(250));
  t.add(milliseconds(400));
  t.add(std::chrono::nanoseconds(-5));  // a clock step back reads as 0, never as huge
  const TickTimeSummary s = t.summary();
  EXPECT_EQ(s.count, 4u);
  EXPECT_NEAR(s.max_ms, 400.0, 1e-9);
  EXPECT_NEAR(s.p99_ms, 400.0, 1e-9);  // in the overflow bucket: reported as the maximum
  EXPECT_NEAR(s.median_ms, 2.01, 1e-9);
}

}  // namespace
}  // namespace arena::server
