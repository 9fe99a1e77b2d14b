// arena — the numbers behind the net graph (F3 in the window, one text line
// a second when headless), in the spirit of Source's net_graph. No SDL here.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <tickwire/stats.hpp>

#include "client/game_client.hpp"

namespace arena::client {

// One rendered frame (or, headless, one pump).
struct NetSample {
  float frame_ms = 0;           // time since the previous frame, ms
  float ping_ms = 0;            // smoothed round trip at this frame, ms
  std::uint32_t bytes_in = 0;   // UDP payload received since the previous frame, bytes
  std::uint32_t bytes_out = 0;  // UDP payload sent since the previous frame, bytes
};

class NetGraph {
 public:
  static constexpr std::size_t kSamples = 240;  // frames kept for the scrolling graph

  // Records one frame at `now_s` (seconds, any monotonic clock).
  void frame(double now_s, const tickwire::ConnectionStats& net, const ClientStats& game);

  // The readings, refreshed on every frame.
  float fps = 0;              // frames over the last second, 1/s
  float ping_ms = 0;          // smoothed round-trip time, ms
  float jitter_ms = 0;        // round-trip variance, ms
  float in_kbps = 0;          // kbit/s received (UDP payload)
  float out_kbps = 0;         // kbit/s sent
  float in_pps = 0;           // datagrams/s received
  float out_pps = 0;          // datagrams/s sent
  float loss_pct = 0;         // percent
  float updates_per_sec = 0;  // state updates received over the last second, 1/s
  // Snapshots over the last whole second (since connecting, in the first):
  float snap_bytes_avg = 0;       // mean envelope size, bytes
  float snap_full_pct = 0;        // share of the snapshots kept that came whole, percent
  std::uint64_t snap_errors = 0;  // snapshots refused since connecting (ClientStats::decode_errors)

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // i = 0 is the oldest sample kept.
  [[nodiscard]] const NetSample& at(std::size_t i) const noexcept {
    return ring_[(start_ + i) % kSamples];
  }

  // "t=12s ping=1.2ms loss=0.0% in=25.1kbps out=8.3kbps in_pps=37 out_pps=68 upd=30/s
  // snap=88B full=0% players=4"
  [[nodiscard]] std::string line(double t_s, int players) const;

 private:
  std::array<NetSample, kSamples> ring_{};
  std::size_t start_ = 0, count_ = 0;
  std::array<double, 256> frame_times_{};  // recent frame times, seconds, for fps
  std::size_t ft_next_ = 0;
  double last_s_ = -1;
  std::uint64_t last_in_ = 0, last_out_ = 0;
  // Snapshot counters at the start of the current one-second window.
  struct SnapMark {
    double t_s = -1;
    std::uint64_t envelopes = 0, bytes = 0, full = 0, kept = 0;
  };
  SnapMark snap_mark_;
};

}  // namespace arena::client
