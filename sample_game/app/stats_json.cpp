#include "app/stats_json.hpp"

#include <cstdio>
#include <iterator>

namespace arena::app {

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

bool write_file(const std::string& path, const std::string& text, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    error = "cannot write " + path;
    return false;
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace

ClientReport report_of(const client::GameClient& c) {
  ClientReport r;
  r.connected = c.connected();
  r.reason = c.connected() ? tickwire::DisconnectReason::None : c.disconnect_reason();
  r.ever_connected = c.ever_connected();
  r.server = c.server_address();
  r.slot = c.slot();
  if (const proto::PlayerInfo* me = c.player(c.slot())) r.name = me->name;
  r.state_rate_hz = c.state_rate_hz();
  r.net = c.net_stats();
  r.game = c.stats();
  return r;
}

namespace {

// tickwire's counters of dropped datagrams, by cause: a JSON object.
std::string drops_json(const tickwire::DropCounters& drops) {
  std::string j = "{";
  for (std::size_t i = 0; i < std::size(tickwire::kDropCauses); ++i) {
    const tickwire::DropCause& c = tickwire::kDropCauses[i];
    j += std::string(i ? ", " : "") + "\"" + c.name + "\": " + std::to_string(drops.*c.count);
  }
  return j + "}";
}

}  // namespace

bool write_client_json(const std::string& path, const ClientReport& r, std::string& error) {
  const bool never = !r.connected && r.reason == tickwire::DisconnectReason::None;
  std::string reason = r.connected ? "null"
                       : never     ? quoted(r.ever_connected ? "closed locally" : "never connected")
                                   : quoted(tickwire::to_string(r.reason));
  std::string j = "{\n";
  j += "  \"connected\": " + std::string(r.connected ? "true" : "false") + ",\n";
  j += "  \"disconnect_reason\": " + reason + ",\n";
  // null: never measured (a client that never connected has no round trip).
  j += "  \"rtt_ms\": " + (r.net.rtt_ms > 0 ? num(r.net.rtt_ms) : std::string("null")) + ",\n";
  j += "  \"loss_pct\": " + num(r.net.in_loss_pct) + ",\n";
  j += "  \"out_loss_pct\": " + num(r.net.loss_pct) + ",\n";
  // The suite that sealed the connection; null when no session was made.
  j += "  \"cipher\": " +
       (r.net.cipher == tickwire::CipherSuite::Auto ? std::string("null")
                                                    : quoted(tickwire::to_string(r.net.cipher))) +
       ",\n";
  j += "  \"in_kbps\": " + num(r.net.in_bytes_per_sec * 8.0 / 1000.0) + ",\n";
  j += "  \"out_kbps\": " + num(r.net.out_bytes_per_sec * 8.0 / 1000.0) + ",\n";
  j += "  \"updates_received\": " + std::to_string(r.game.updates_received) + ",\n";
  j += "  \"snapshot_bytes_avg\": " + num(r.game.snapshot_bytes_avg) + ",\n";
  j += "  \"full_received\": " + std::to_string(r.game.full_received) + ",\n";
  j += "  \"delta_received\": " + std::to_string(r.game.delta_received) + ",\n";
  j += "  \"decode_errors\": " + std::to_string(r.game.decode_errors) + ",\n";
  j += "  \"ticks\": " + std::to_string(r.game.input_ticks) + ",\n";
  j += "  \"players_seen\": " + std::to_string(r.game.players_seen) + ",\n";
  j += "  \"role\": \"client\",\n";
  j += "  \"server\": " + quoted(r.server) + ",\n";
  j += "  \"name\": " + quoted(r.name) + ",\n";
  j += "  \"slot\": " + std::to_string(r.slot) + ",\n";
  j += "  \"state_rate_hz\": " + std::to_string(r.state_rate_hz) + ",\n";
  j += "  \"connected_s\": " + num(r.game.connected_s) + ",\n";
  j += "  \"updates_expected\": " +
       std::to_string(static_cast<long long>(r.game.connected_s * r.state_rate_hz)) + ",\n";
  j += "  \"stale_updates\": " + std::to_string(r.game.stale_updates) + ",\n";
  j += "  \"bad_messages\": " + std::to_string(r.game.bad_messages.total()) + ",\n";
  j += "  \"protocol_violations\": " + std::to_string(r.game.protocol_violations) + ",\n";
  j += "  \"send_failures\": " + std::to_string(r.game.send_failures) + ",\n";
  j += "  \"reconnects\": " + std::to_string(r.game.reconnects) + ",\n";
  j += "  \"bytes_received\": " + std::to_string(r.net.bytes_received) + ",\n";
  j += "  \"bytes_sent\": " + std::to_string(r.net.bytes_sent) + ",\n";
  // Datagrams from or to the server that tickwire dropped, by cause.
  j += "  \"drops\": " + drops_json(r.net.drops) + ",\n";
  const client::ClientStats& g = r.game;
  std::string causes;
  for (std::size_t i = 0; i < tickwire::kCorrectionCauses; ++i)
    causes += (i ? ", " : "") +
              quoted(tickwire::to_string(static_cast<tickwire::CorrectionCause>(i))) +
              ": {\"count\": " + std::to_string(g.corrections_by_cause[i]) +
              ", \"p95\": " + num(g.correction_p95_by_cause[i]) +
              ", \"max\": " + num(g.correction_max_by_cause[i]) + "}";
  j += "  \"prediction\": {\"enabled\": " + std::string(g.predicting ? "true" : "false") +
       ", \"reconciles\": " + std::to_string(g.reconciles) +
       ", \"corrections\": " + std::to_string(g.corrections) +
       ", \"corrections_per_min\": " + num(g.corrections_per_min) +
       ", \"correction_p50\": " + num(g.correction_p50) +
       ", \"correction_p95\": " + num(g.correction_p95) +
       ", \"correction_max\": " + num(g.correction_max) + ", \"by_cause\": {" + causes + "}" +
       ", \"resim_ticks_avg\": " + num(g.resim_ticks_avg) +
       ", \"predicted_hits\": " + std::to_string(g.predicted_hits) + "},\n";
  j += "  \"time_sync\": {\"dilation_pct_avg\": " + num(g.dilation_pct_avg) +
       ", \"input_slack_ticks\": " + num(g.input_slack_ticks) +
       ", \"input_buffer_avg\": " + num(g.input_buffer_avg) +
       ", \"inputs_late\": " + std::to_string(g.inputs_late) +
       ", \"inputs_missing\": " + std::to_string(g.inputs_missing) +
       ", \"clock_jumps\": " + std::to_string(g.clock_jumps) + "},\n";
  j += "  \"interpolation\": {\"delay_ms\": " + num(g.interp_delay_ms) +
       ", \"extrapolated_ms\": " + num(g.extrapolated_ms) +
       ", \"underruns\": " + std::to_string(g.underruns) + "}\n";
  j += "}\n";
  return write_file(path, j, error);
}

std::string drop_summary(const tickwire::DropCounters& drops) {
  std::string out;
  for (const tickwire::DropCause& c : tickwire::kDropCauses) {
    if (drops.*c.count == 0) continue;
    out += (out.empty() ? "" : " ") + std::string(c.name) + "=" + std::to_string(drops.*c.count);
  }
  return out.empty() ? "none" : out;
}

std::string refusal_summary(const tickwire::JoinRefusals& joins) {
  std::string out;
  for (std::size_t i = 0; i < tickwire::kJoinRefusalCount; ++i) {
    const auto r = static_cast<tickwire::JoinRefusal>(i);
    if (joins.of(r) == 0) continue;
    out += (out.empty() ? "" : " ") + std::string(tickwire::to_string(r)) + "=" +
           std::to_string(joins.of(r));
  }
  return out.empty() ? "none" : out;
}

bool write_bots_json(const std::string& path, const std::vector<BotReport>& bots,
                     std::string& error) {
  std::uint64_t connected = 0, disconnects = 0, reconnects = 0, decode_errors = 0, bad = 0;
  std::uint64_t updates = 0, stale = 0;
  double rtt = 0, kbps = 0;
  std::string each;
  for (const BotReport& b : bots) {
    const ClientReport& r = b.client;
    connected += r.connected;
    disconnects += b.disconnects;
    reconnects += r.game.reconnects;
    decode_errors += r.game.decode_errors;
    bad += r.game.bad_messages.total();
    updates += r.game.updates_received;
    stale += r.game.stale_updates;
    if (r.connected) {
      rtt += r.net.rtt_ms;
      if (r.game.connected_s > 0)
        kbps += static_cast<double>(r.net.bytes_received) * 8.0 / 1000.0 / r.game.connected_s;
    }
    each += std::string(each.empty() ? "" : ",\n") + "    {\"name\": " + quoted(r.name) +
            ", \"connected\": " + (r.connected ? "true" : "false") + ", \"disconnect_reason\": " +
            (r.connected ? std::string("null") : quoted(tickwire::to_string(r.reason))) +
            ", \"rtt_ms\": " + (r.net.rtt_ms > 0 ? num(r.net.rtt_ms) : std::string("null")) +
            ", \"updates_received\": " + std::to_string(r.game.updates_received) +
            ", \"decode_errors\": " + std::to_string(r.game.decode_errors) +
            ", \"disconnects\": " + std::to_string(b.disconnects) + "}";
  }
  const double up = connected ? static_cast<double>(connected) : 1.0;
  std::string j = "{\n";
  j += "  \"role\": \"bots\",\n";
  j += "  \"clients\": " + std::to_string(bots.size()) + ",\n";
  j += "  \"connected\": " + std::to_string(connected) + ",\n";
  j += "  \"disconnects\": " + std::to_string(disconnects) + ",\n";
  j += "  \"reconnects\": " + std::to_string(reconnects) + ",\n";
  j += "  \"decode_errors\": " + std::to_string(decode_errors) + ",\n";
  j += "  \"bad_messages\": " + std::to_string(bad) + ",\n";
  j += "  \"updates_received\": " + std::to_string(updates) + ",\n";
  j += "  \"stale_updates\": " + std::to_string(stale) + ",\n";
  j += "  \"rtt_ms_avg\": " + num(rtt / up) + ",\n";
  j += "  \"in_kbps_avg\": " + num(kbps / up) + ",\n";
  j += "  \"bots\": [\n" + each + "\n  ]\n";
  j += "}\n";
  return write_file(path, j, error);
}

bool write_server_json(const std::string& path, const server::ServerStats& s, std::uint16_t port,
                       std::string& error) {
  std::string j = "{\n";
  j += "  \"connected\": true,\n";
  j += "  \"disconnect_reason\": null,\n";
  j += "  \"in_kbps\": " + num(s.in_bytes_per_sec * 8.0 / 1000.0) + ",\n";
  j += "  \"out_kbps\": " + num(s.out_bytes_per_sec * 8.0 / 1000.0) + ",\n";
  j += "  \"ticks\": " + std::to_string(s.ticks) + ",\n";
  j += "  \"players_seen\": " + std::to_string(s.players_seen) + ",\n";
  j += "  \"role\": \"server\",\n";
  j += "  \"port\": " + std::to_string(port) + ",\n";
  j += "  \"updates_sent\": " + std::to_string(s.states_sent) + ",\n";
  j += "  \"full_sent\": " + std::to_string(s.full_sent) + ",\n";
  j += "  \"delta_sent\": " + std::to_string(s.delta_sent) + ",\n";
  j +=
      "  \"snapshot_bytes_avg\": " +
      num(s.states_sent ? static_cast<double>(s.snapshot_bytes) / static_cast<double>(s.states_sent)
                        : 0.0) +
      ",\n";
  j += "  \"snapshot_encode_errors\": " + std::to_string(s.snapshot_encode_errors) + ",\n";
  j += "  \"humans\": " + std::to_string(s.humans) + ",\n";
  j += "  \"bots\": " + std::to_string(s.bots) + ",\n";
  j += "  \"late_ticks_skipped\": " + std::to_string(s.late_ticks_skipped) + ",\n";
  j += "  \"bad_messages\": " + std::to_string(s.bad_messages.total()) + ",\n";
  j += "  \"protocol_violations\": " + std::to_string(s.protocol_violations) + ",\n";
  j += "  \"send_failures\": " + std::to_string(s.send_failures) + ",\n";
  j += "  \"inputs\": {\"missing\": " + std::to_string(s.inputs_missing) +
       ", \"late\": " + std::to_string(s.inputs_late) +
       ", \"duplicate\": " + std::to_string(s.inputs_duplicate) +
       ", \"too_early\": " + std::to_string(s.inputs_too_early) +
       ", \"buffer_avg\": " + num(s.input_buffer_avg) + "},\n";
  j += "  \"tick_ms\": {\"count\": " + std::to_string(s.tick_ms.count) +
       ", \"mean\": " + num(s.tick_ms.mean_ms) + ", \"median\": " + num(s.tick_ms.median_ms) +
       ", \"p99\": " + num(s.tick_ms.p99_ms) + ", \"max\": " + num(s.tick_ms.max_ms) + "},\n";
  j += "  \"players_left\": " + std::to_string(s.players_left) + ",\n";
  j += "  \"players_timed_out\": " + std::to_string(s.players_timed_out) + ",\n";
  j += "  \"lag_compensation\": {\"rewinds\": " + std::to_string(s.lag_compensation.rewinds) +
       ", \"clamped\": " + std::to_string(s.lag_compensation.clamped) +
       ", \"distrusted\": " + std::to_string(s.lag_compensation.distrusted) +
       ", \"hits\": " + std::to_string(s.hits) + "},\n";
  // tickwire's counters: datagrams dropped and joins refused, by cause.
  j += "  \"drops\": " + drops_json(s.drops) + ",\n";
  j += "  \"joins_refused\": {";
  for (std::size_t i = 0; i < tickwire::kJoinRefusalCount; ++i) {
    const auto r = static_cast<tickwire::JoinRefusal>(i);
    j += std::string(i ? ", " : "") + "\"" + tickwire::to_string(r) +
         "\": " + std::to_string(s.joins_refused.of(r));
  }
  j += "}\n";
  j += "}\n";
  return write_file(path, j, error);
}

}  // namespace arena::app
