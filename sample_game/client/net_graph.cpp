#include "client/net_graph.hpp"

#include <algorithm>
#include <cstdio>

namespace arena::client {

void NetGraph::frame(double now_s, const tickwire::ConnectionStats& net, const ClientStats& game) {
  NetSample s;
  s.frame_ms = last_s_ < 0 ? 0 : static_cast<float>((now_s - last_s_) * 1000.0);
  s.ping_ms = net.rtt_ms;
  // Counters restart from zero on a new connection.
  s.bytes_in = static_cast<std::uint32_t>(
      net.bytes_received >= last_in_ ? net.bytes_received - last_in_ : 0);
  s.bytes_out =
      static_cast<std::uint32_t>(net.bytes_sent >= last_out_ ? net.bytes_sent - last_out_ : 0);
  last_in_ = net.bytes_received;
  last_out_ = net.bytes_sent;
  last_s_ = now_s;

  if (count_ == kSamples) {
    start_ = (start_ + 1) % kSamples;
    --count_;
  }
  ring_[(start_ + count_++) % kSamples] = s;

  frame_times_[ft_next_++ % frame_times_.size()] = now_s;
  fps = static_cast<float>(std::count_if(frame_times_.begin(), frame_times_.end(),
                                         [&](double t) { return t > now_s - 1.0 && t <= now_s; }));
  ping_ms = net.rtt_ms;
  jitter_ms = net.rtt_variance_ms;
  in_kbps = net.in_bytes_per_sec * 8.0f / 1000.0f;
  out_kbps = net.out_bytes_per_sec * 8.0f / 1000.0f;
  in_pps = net.in_packets_per_sec;
  out_pps = net.out_packets_per_sec;
  loss_pct = net.in_loss_pct;  // the server's datagrams that did not arrive
  updates_per_sec = static_cast<float>(game.updates_per_sec);

  // Snapshot size and share of whole ones, per one-second window; until the
  // first window closes (or when counters restart), since connecting.
  const std::uint64_t kept = game.full_received + game.delta_received;
  auto mean = [](std::uint64_t part, std::uint64_t whole) {
    return whole ? static_cast<float>(static_cast<double>(part) / static_cast<double>(whole))
                 : 0.0f;
  };
  if (snap_mark_.t_s < 0 || game.snapshot_envelopes < snap_mark_.envelopes) {
    snap_mark_ = {now_s, game.snapshot_envelopes, game.snapshot_bytes, game.full_received, kept};
    snap_bytes_avg = mean(game.snapshot_bytes, game.snapshot_envelopes);
    snap_full_pct = 100.0f * mean(game.full_received, kept);
  } else if (now_s - snap_mark_.t_s >= 1.0) {
    if (game.snapshot_envelopes > snap_mark_.envelopes) {
      snap_bytes_avg = mean(game.snapshot_bytes - snap_mark_.bytes,
                            game.snapshot_envelopes - snap_mark_.envelopes);
      snap_full_pct = 100.0f * mean(game.full_received - snap_mark_.full, kept - snap_mark_.kept);
    }
    snap_mark_ = {now_s, game.snapshot_envelopes, game.snapshot_bytes, game.full_received, kept};
  } else if (snap_mark_.envelopes == 0) {
    snap_bytes_avg = mean(game.snapshot_bytes, game.snapshot_envelopes);
    snap_full_pct = 100.0f * mean(game.full_received, kept);
  }
  snap_errors = game.decode_errors;
}

std::string NetGraph::line(double t_s, int players) const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "t=%.0fs ping=%.1fms loss=%.1f%% in=%.1fkbps out=%.1fkbps in_pps=%.0f out_pps=%.0f "
                "upd=%.0f/s snap=%.0fB full=%.0f%% players=%d",
                t_s, static_cast<double>(ping_ms), static_cast<double>(loss_pct),
                static_cast<double>(in_kbps), static_cast<double>(out_kbps),
                static_cast<double>(in_pps), static_cast<double>(out_pps),
                static_cast<double>(updates_per_sec), static_cast<double>(snap_bytes_avg),
                static_cast<double>(snap_full_pct), players);
  return buf;
}

}  // namespace arena::client
