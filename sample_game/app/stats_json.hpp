// arena — the --stats-json file: one JSON object written on exit.
//
// Client fields (the list first): connected (bool, connected at exit),
// disconnect_reason (string or null while connected), rtt_ms, loss_pct (the
// server's datagrams lost on the way in, last second), out_loss_pct (our
// reliable packets lost on the way out, ENet's estimate), in_kbps, out_kbps, updates_received
// (snapshots kept), snapshot_bytes_avg (mean envelope received, bytes), full_received and
// delta_received (of those kept, sent whole or as deltas), decode_errors (snapshots refused:
// bad envelope, unknown baseline, bad stream, not a valid world),
// ticks (input ticks run), players_seen (distinct players, bots included); then role, server, name,
// slot, state_rate_hz, connected_s, updates_expected (state_rate_hz x connected_s), stale_updates,
// bad_messages, protocol_violations, send_failures. Server: role "server", the same names where
// they mean something there, and full_sent, delta_sent, snapshot_bytes_avg
// (bytes per envelope sent), snapshot_encode_errors, tick_ms (count, mean, median, p99,
// max: the server's tick time over the whole run, server::TickTimes), players_left and
// players_timed_out, drops (tickwire's dropped datagrams by
// cause, tickwire::kDropCauses) and joins_refused (joins refused or dropped, by
// tickwire::JoinRefusal).
#pragma once

#include <string>
#include <vector>

#include <tickwire/stats.hpp>

#include "client/game_client.hpp"
#include "server/game_server.hpp"

namespace arena::app {

// "none", or the non-zero causes: "enet_malformed=200 auth_failed=3".
std::string drop_summary(const tickwire::DropCounters& drops);
std::string refusal_summary(const tickwire::JoinRefusals& joins);

// Snapshot of a client, taken before it disconnects.
struct ClientReport {
  bool connected = false;
  tickwire::DisconnectReason reason = tickwire::DisconnectReason::None;
  bool ever_connected = false;
  std::string server, name;
  int slot = -1;
  std::uint16_t state_rate_hz = 0;
  tickwire::ConnectionStats net;
  client::ClientStats game;
};

ClientReport report_of(const client::GameClient& c);

// One of the bot players of `arena --clients N`.
struct BotReport {
  ClientReport client;
  std::uint32_t disconnects = 0;  // sessions that ended while the process ran on
};

// Bots (role "bots"): clients, connected (at exit), disconnects, reconnects,
// decode_errors, bad_messages, updates_received, stale_updates (sums over the
// bots), rtt_ms_avg and in_kbps_avg (means over the connected bots; in_kbps_avg
// over each one's connected time), then "bots": each one's name, connected,
// disconnect_reason, rtt_ms, updates_received, decode_errors, disconnects.

// Write the JSON; false with `error` when the file cannot be written.
bool write_client_json(const std::string& path, const ClientReport& r, std::string& error);
bool write_bots_json(const std::string& path, const std::vector<BotReport>& bots,
                     std::string& error);
bool write_server_json(const std::string& path, const server::ServerStats& s, std::uint16_t port,
                       std::string& error);

}  // namespace arena::app
