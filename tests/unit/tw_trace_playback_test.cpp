// tw-trace view's controls (tools/tw-trace/playback.hpp): what each key and
// a click on the timeline do to the playback, on a 100 s trace.
#include "playback.hpp"

#include <gtest/gtest.h>

namespace {

using twtrace::Playback;
using Key = Playback::Key;
using Kind = Playback::Move::Kind;

constexpr double kDuration = 100;

TEST(TwTracePlayback, StartsWhereAskedWithinTheTraceAndTheSpeedLimits) {
  const Playback p(kDuration, 12.5, 3, true);
  EXPECT_DOUBLE_EQ(p.position_s(), 12.5);
  EXPECT_DOUBLE_EQ(p.duration_s(), kDuration);
  EXPECT_DOUBLE_EQ(p.speed(), 3);
  EXPECT_TRUE(p.paused());
  EXPECT_TRUE(p.show_net_graph());
  EXPECT_FALSE(p.show_scoreboard());
  EXPECT_FALSE(p.quit());

  const Playback late(kDuration, 250, 1000, false);
  EXPECT_DOUBLE_EQ(late.position_s(), kDuration);
  EXPECT_TRUE(late.at_end());
  EXPECT_DOUBLE_EQ(late.speed(), Playback::kMaxSpeed);
  EXPECT_FALSE(late.paused());

  const Playback early(kDuration, -4, 0.01, false);
  EXPECT_DOUBLE_EQ(early.position_s(), 0);
  EXPECT_DOUBLE_EQ(early.speed(), Playback::kMinSpeed);
}

TEST(TwTracePlayback, SpaceTogglesPauseAndOnlyPlayingMovesTime) {
  Playback p(kDuration, 10, 2, false);
  EXPECT_DOUBLE_EQ(p.run(0.5), 11);  // 0.5 s at 2x
  EXPECT_EQ(p.key_down(Key::PlayPause).kind, Kind::None);
  EXPECT_TRUE(p.paused());
  EXPECT_DOUBLE_EQ(p.run(3), 11);
  p.key_down(Key::PlayPause);
  EXPECT_FALSE(p.paused());
  EXPECT_DOUBLE_EQ(p.run(0.25), 11.5);
  EXPECT_DOUBLE_EQ(p.run(-1), 11.5);  // a clock going back moves nothing
}

TEST(TwTracePlayback, PlayingStopsAtTheEndOfTheTrace) {
  Playback p(kDuration, 99, 64, false);
  EXPECT_DOUBLE_EQ(p.run(1), kDuration);
  EXPECT_TRUE(p.at_end());
  EXPECT_DOUBLE_EQ(p.run(1), kDuration);
}

TEST(TwTracePlayback, LeftAndRightSeekFiveSecondsAndShiftThirty) {
  Playback p(kDuration, 50, 1, false);
  Playback::Move m = p.key_down(Key::Forward);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(m.to_s, 55);
  EXPECT_DOUBLE_EQ(p.position_s(), 55);
  m = p.key_down(Key::Back);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(m.to_s, 50);
  m = p.key_down(Key::Forward, /*shift=*/true);
  EXPECT_DOUBLE_EQ(m.to_s, 80);
  m = p.key_down(Key::Back, /*shift=*/true);
  EXPECT_DOUBLE_EQ(m.to_s, 50);
  m = p.key_down(Key::Back, /*shift=*/true);
  EXPECT_DOUBLE_EQ(m.to_s, 20);
  EXPECT_DOUBLE_EQ(p.position_s(), 20);
  EXPECT_FALSE(p.paused());  // seeking does not pause
}

TEST(TwTracePlayback, SeekingIsClampedToTheStartAndTheEnd) {
  Playback p(kDuration, 3, 1, true);
  Playback::Move m = p.key_down(Key::Back);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(m.to_s, 0);
  EXPECT_DOUBLE_EQ(p.position_s(), 0);
  // Already at the start: nothing to do.
  EXPECT_EQ(p.key_down(Key::Back).kind, Kind::None);
  EXPECT_EQ(p.key_down(Key::Back, true).kind, Kind::None);
  EXPECT_EQ(p.key_down(Key::Start).kind, Kind::None);
  EXPECT_DOUBLE_EQ(p.position_s(), 0);

  p.moved_to(97);
  m = p.key_down(Key::Forward, true);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(m.to_s, kDuration);
  EXPECT_TRUE(p.at_end());
  EXPECT_EQ(p.key_down(Key::Forward).kind, Kind::None);
  EXPECT_DOUBLE_EQ(p.position_s(), kDuration);
}

TEST(TwTracePlayback, HomeGoesToTheStart) {
  Playback p(kDuration, 42, 1, false);
  const Playback::Move m = p.key_down(Key::Start);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(m.to_s, 0);
  EXPECT_DOUBLE_EQ(p.position_s(), 0);
  EXPECT_FALSE(p.paused());
}

TEST(TwTracePlayback, MinusAndPlusHalveAndDoubleTheSpeedWithinItsLimits) {
  Playback p(kDuration, 0, 1, false);
  p.key_down(Key::Faster);
  EXPECT_DOUBLE_EQ(p.speed(), 2);
  for (int i = 0; i < 10; ++i) p.key_down(Key::Faster);
  EXPECT_DOUBLE_EQ(p.speed(), Playback::kMaxSpeed);
  p.key_down(Key::Slower);
  EXPECT_DOUBLE_EQ(p.speed(), 32);
  for (int i = 0; i < 20; ++i) p.key_down(Key::Slower);
  EXPECT_DOUBLE_EQ(p.speed(), Playback::kMinSpeed);
  EXPECT_DOUBLE_EQ(p.run(8), 1);  // 8 s at 1/8x

  // A speed from the command line that is not a power of two stops at the limit.
  Playback q(kDuration, 0, 3, false);
  const double expected[] = {6, 12, 24, 48, 64, 64};
  for (const double s : expected) {
    q.key_down(Key::Faster);
    EXPECT_DOUBLE_EQ(q.speed(), s);
  }
}

TEST(TwTracePlayback, StepsOnlyWhilePaused) {
  Playback p(kDuration, 30, 1, false);
  EXPECT_EQ(p.key_down(Key::StepForward).kind, Kind::None);
  EXPECT_EQ(p.key_down(Key::StepBack).kind, Kind::None);
  EXPECT_DOUBLE_EQ(p.position_s(), 30);

  p.key_down(Key::PlayPause);
  EXPECT_EQ(p.key_down(Key::StepForward).kind, Kind::NextSnapshot);
  p.moved_to(30.033);  // where the trace's next snapshot was
  EXPECT_DOUBLE_EQ(p.position_s(), 30.033);
  EXPECT_EQ(p.key_down(Key::StepBack).kind, Kind::PreviousSnapshot);
  p.moved_to(30);
  EXPECT_DOUBLE_EQ(p.position_s(), 30);
  EXPECT_TRUE(p.paused());  // stepping stays paused
  EXPECT_DOUBLE_EQ(p.run(1), 30);
}

TEST(TwTracePlayback, NoStepPastEitherEnd) {
  Playback p(kDuration, 0, 1, true);
  EXPECT_EQ(p.key_down(Key::StepBack).kind, Kind::None);
  EXPECT_EQ(p.key_down(Key::StepForward).kind, Kind::NextSnapshot);
  p.moved_to(kDuration + 5);  // the trace ran out before a snapshot: its end
  EXPECT_DOUBLE_EQ(p.position_s(), kDuration);
  EXPECT_EQ(p.key_down(Key::StepForward).kind, Kind::None);
  EXPECT_EQ(p.key_down(Key::StepBack).kind, Kind::PreviousSnapshot);
  p.moved_to(-1);
  EXPECT_DOUBLE_EQ(p.position_s(), 0);
}

TEST(TwTracePlayback, ClickingTheTimelineSeeksThereAndKeepsPlayingOrPaused) {
  Playback p(kDuration, 10, 1, false);
  Playback::Move m = p.click(73.25);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(m.to_s, 73.25);
  EXPECT_DOUBLE_EQ(p.position_s(), 73.25);
  EXPECT_FALSE(p.paused());
  EXPECT_DOUBLE_EQ(p.run(1), 74.25);

  p.key_down(Key::PlayPause);
  m = p.click(5);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(p.position_s(), 5);
  EXPECT_TRUE(p.paused());

  // Off the timeline (the renderer's -1): nothing.
  EXPECT_EQ(p.click(-1).kind, Kind::None);
  EXPECT_DOUBLE_EQ(p.position_s(), 5);
  // Past the end (the strip's last pixel rounds up): the end.
  m = p.click(kDuration + 0.01);
  EXPECT_EQ(m.kind, Kind::Seek);
  EXPECT_DOUBLE_EQ(m.to_s, kDuration);
  // Where playback already is: nothing to redo.
  EXPECT_EQ(p.click(kDuration).kind, Kind::None);
  EXPECT_EQ(p.click(0).kind, Kind::Seek);
  EXPECT_EQ(p.click(0).kind, Kind::None);
}

TEST(TwTracePlayback, F3TogglesTheNetGraphTabShowsScoresWhileHeldEscQuits) {
  Playback p(kDuration, 0, 1, false);
  p.key_down(Key::NetGraph);
  EXPECT_FALSE(p.show_net_graph());
  p.key_down(Key::NetGraph);
  EXPECT_TRUE(p.show_net_graph());

  p.key_down(Key::Scoreboard);
  EXPECT_TRUE(p.show_scoreboard());
  p.key_down(Key::Scoreboard);  // key repeat while held
  EXPECT_TRUE(p.show_scoreboard());
  p.key_up(Key::NetGraph);  // another key let go
  EXPECT_TRUE(p.show_scoreboard());
  p.key_up(Key::Scoreboard);
  EXPECT_FALSE(p.show_scoreboard());

  EXPECT_FALSE(p.quit());
  EXPECT_EQ(p.key_down(Key::Quit).kind, Kind::None);
  EXPECT_TRUE(p.quit());
  // None of these moved or paused the playback.
  EXPECT_DOUBLE_EQ(p.position_s(), 0);
  EXPECT_FALSE(p.paused());
}

TEST(TwTracePlayback, AnEmptyTraceStaysAtZero) {
  Playback p(0, 5, 1, false);
  EXPECT_DOUBLE_EQ(p.position_s(), 0);
  EXPECT_TRUE(p.at_end());
  EXPECT_DOUBLE_EQ(p.run(10), 0);
  EXPECT_EQ(p.key_down(Key::Forward).kind, Kind::None);
  EXPECT_EQ(p.click(3).kind, Kind::None);
  p.key_down(Key::PlayPause);
  EXPECT_EQ(p.key_down(Key::StepForward).kind, Kind::None);
}

}  // namespace
