// TICKWIRE_SIM / --sim specs: what parses, what is refused and why.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tickwire/conditioner.hpp"

namespace tickwire {
namespace {

TEST(ConditionerSpec, ParsesOutgoingByDefault) {
  LinkConditionerSettings s;
  ASSERT_TRUE(parse_conditioner_spec("lag=100,jitter=20,loss=5", s));
  EXPECT_EQ(s.outgoing.latency_ms, 100u);
  EXPECT_EQ(s.outgoing.jitter_ms, 20u);
  EXPECT_FLOAT_EQ(s.outgoing.loss_pct, 5.0f);
  EXPECT_FALSE(s.incoming.active());
}

TEST(ConditionerSpec, PrefixesChooseTheDirection) {
  LinkConditionerSettings s;
  ASSERT_TRUE(parse_conditioner_spec(
      " in.loss=2.5 , both.dup=1, out.rate=512, reorder=3, seed=77, queue=64", s));
  EXPECT_FLOAT_EQ(s.incoming.loss_pct, 2.5f);
  EXPECT_FLOAT_EQ(s.outgoing.loss_pct, 0.0f);
  EXPECT_FLOAT_EQ(s.incoming.duplicate_pct, 1.0f);
  EXPECT_FLOAT_EQ(s.outgoing.duplicate_pct, 1.0f);
  EXPECT_EQ(s.outgoing.bandwidth_kbps, 512u);
  EXPECT_FLOAT_EQ(s.outgoing.reorder_pct, 3.0f);
  EXPECT_EQ(s.seed, 77u);
  EXPECT_EQ(s.queue_capacity, 64u);
}

TEST(ConditionerSpec, RoundTripsThroughToSpec) {
  LinkConditionerSettings s;
  ASSERT_TRUE(parse_conditioner_spec("lag=30,in.loss=4,seed=5", s));
  LinkConditionerSettings again;
  ASSERT_TRUE(parse_conditioner_spec(to_spec(s), again));
  EXPECT_EQ(to_spec(again), to_spec(s));
  EXPECT_EQ(to_spec(s), "lag=30,in.loss=4,seed=5");
}

TEST(ConditionerSpec, EmptyIsNothing) {
  LinkConditionerSettings s;
  ASSERT_TRUE(parse_conditioner_spec("", s));
  EXPECT_FALSE(s.active());
}

TEST(ConditionerSpec, MalformedIsAClearErrorAndLeavesSettingsAlone) {
  const char* bad[] = {"lag",     "lag=",   "lag=abc",   "lag=-5",    "loss=101",
                       "loss=5%", "warp=9", "in.warp=1", "lag=100,,", "lag=20000",
                       "queue=0", "seed=x", "rate=1e9",  "loss=nan",  ",lag=1"};
  for (const char* spec : bad) {
    LinkConditionerSettings s;
    s.outgoing.latency_ms = 7;
    const Status status = parse_conditioner_spec(spec, s);
    EXPECT_FALSE(status) << spec;
    EXPECT_EQ(status.code, Errc::InvalidSettings) << spec;
    EXPECT_NE(status.message.find("link conditioner"), std::string::npos) << status.message;
    EXPECT_EQ(s.outgoing.latency_ms, 7u) << "settings changed by a failed parse: " << spec;
  }
}

TEST(ConditionerSpec, EnvironmentVariable) {
  LinkConditionerSettings s;
  ::unsetenv("TICKWIRE_SIM");
  ASSERT_TRUE(conditioner_from_env(s));
  EXPECT_FALSE(s.active());
  ::setenv("TICKWIRE_SIM", "lag=12", 1);
  ASSERT_TRUE(conditioner_from_env(s));
  EXPECT_EQ(s.outgoing.latency_ms, 12u);
  ::setenv("TICKWIRE_SIM", "lag=twelve", 1);
  const Status bad = conditioner_from_env(s);
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.message.rfind("TICKWIRE_SIM: ", 0), 0u) << bad.message;
  ::unsetenv("TICKWIRE_SIM");
}

TEST(ConditionerSpec, ValidateRejectsOutOfRange) {
  LinkConditionerSettings s;
  EXPECT_TRUE(s.validate());
  s.incoming.loss_pct = 150;
  EXPECT_FALSE(s.validate());
  s.incoming.loss_pct = 0;
  s.queue_capacity = 0;
  EXPECT_FALSE(s.validate());
}

}  // namespace
}  // namespace tickwire
