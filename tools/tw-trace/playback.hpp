// tw-trace view's controls: what a key, or a click on the timeline, does to
// the playback (paused or playing, speed, where it is) and to what the
// window shows. No SDL and no trace here: view.cpp maps SDL's keys to Key
// and moves the trace where a Move says, so the controls are tested alone
// (tests/unit/tw_trace_playback_test.cpp).
#pragma once

namespace twtrace {

class Playback {
 public:
  static constexpr double kMinSpeed = 0.125, kMaxSpeed = 64;
  static constexpr double kSeekS = 5;      // Left / Right, seconds
  static constexpr double kSeekFarS = 30;  // with Shift

  enum class Key {
    PlayPause,    // Space
    Back,         // Left: kSeekS back (Shift: kSeekFarS)
    Forward,      // Right: kSeekS forward (Shift: kSeekFarS)
    Start,        // Home
    StepBack,     // ',': the snapshot before, while paused
    StepForward,  // '.': the next snapshot, while paused
    Slower,       // '-': half the speed
    Faster,       // '+': twice the speed
    NetGraph,     // F3: net graph on / off
    Scoreboard,   // Tab: shown while held
    Quit,         // Esc, q
  };

  // What the trace has to do after a key or a click.
  struct Move {
    enum class Kind {
      None,              // nothing
      Seek,              // go to to_s (position_s() is already there)
      NextSnapshot,      // play to the next snapshot, then moved_to() its time
      PreviousSnapshot,  // go back to the snapshot before, then moved_to() its time
    };
    Kind kind = Kind::None;
    double to_s = 0;  // Seek: where, seconds, within [0, duration_s()]
  };

  // A trace `duration_s` seconds long, from `from_s` (clamped to the trace)
  // at `speed` (clamped to kMinSpeed..kMaxSpeed).
  Playback(double duration_s, double from_s, double speed, bool paused) noexcept;

  // A key pressed (held keys repeat: pressed again).
  Move key_down(Key key, bool shift = false) noexcept;
  void key_up(Key key) noexcept;
  // A click on the timeline at `at_s` seconds into the trace (negative: the
  // click was not on the timeline). Playing or paused stays as it was.
  Move click(double at_s) noexcept;
  // Wall-clock time passing: playing, the position moves `dt_s` x speed
  // seconds, up to the end of the trace. Returns the position.
  double run(double dt_s) noexcept;
  // Where the trace got to after a NextSnapshot or PreviousSnapshot.
  void moved_to(double t_s) noexcept;

  [[nodiscard]] double position_s() const noexcept { return position_s_; }
  [[nodiscard]] double duration_s() const noexcept { return duration_s_; }
  [[nodiscard]] double speed() const noexcept { return speed_; }
  [[nodiscard]] bool paused() const noexcept { return paused_; }
  [[nodiscard]] bool at_end() const noexcept { return position_s_ >= duration_s_; }
  [[nodiscard]] bool show_net_graph() const noexcept { return show_net_graph_; }
  [[nodiscard]] bool show_scoreboard() const noexcept { return show_scoreboard_; }
  [[nodiscard]] bool quit() const noexcept { return quit_; }

 private:
  Move seek(double to_s) noexcept;
  [[nodiscard]] double clamp_s(double t_s) const noexcept;

  double duration_s_, position_s_, speed_;
  bool paused_;
  bool show_net_graph_ = true, show_scoreboard_ = false, quit_ = false;
};

}  // namespace twtrace
