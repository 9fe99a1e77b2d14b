// tw-trace: inspect tickwire packet traces (TICKWIRE_CAPTURE, docs/PROTOCOL.md
// "Packet traces").
//
//   tw-trace info FILE [--json]
//   tw-trace dump FILE [--json] [--connection N] [--from S] [--to S]
//   tw-trace replay FILE [--connection N]
//   tw-trace view FILE [--connection N] [--from S] [--speed X] [--paused] [--size WxH]
//                      [--screenshot FILE.bmp]
//   tw-trace send FILE --to HOST:PORT (--code CODE | --token FILE) [--clients N]
//                      [--connection N] [--quiet]
//
// Exit status: 0 done, 1 a file that is not a readable tickwire trace (or a
// record in it that is malformed), 2 a bad command line.
#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tickwire/trace.hpp>
#include "args.hpp"
#include "peers.hpp"
#include "proto/trace_decoder.hpp"
#include "round_trips.hpp"
#include "send.hpp"
#include "view.hpp"

namespace {

using namespace tickwire::trace;
namespace cli = tickwire::cli;

constexpr const char* kUsage =
    "usage: tw-trace info FILE [--json]\n"
    "       tw-trace dump FILE [--json] [--connection N] [--from S] [--to S]\n"
    "       tw-trace replay FILE [--connection N]\n"
    "       tw-trace view FILE [--connection N] [--from S] [--speed X] [--paused]\n"
    "                          [--size WxH] [--screenshot FILE.bmp]\n"
    "       tw-trace send FILE --to HOST:PORT (--code CODE | --token FILE)\n"
    "                          [--clients N] [--connection N] [--quiet]\n"
    "       tw-trace COMMAND --help\n";

constexpr const char* kHelp =
    "\nFILE is a trace a tickwire program recorded (TICKWIRE_CAPTURE=FILE.pcap).\n"
    "  info   what the trace holds: duration, connections, datagrams and bytes each\n"
    "         way, messages per channel and by kind (snapshots, the game's inputs...)\n"
    "         with their rates, resends, unreliable numbers skipped or late, round\n"
    "         trips from ENet's acks\n"
    "  dump   one line per datagram: time (s), direction, connection, size, kind,\n"
    "         its ENet commands, and the messages it completed (snapshots: tick,\n"
    "         baseline and size; the game's messages by name)\n"
    "  replay rebuilds the worlds one client had from the snapshots its ENet\n"
    "         delivered, through the game's own decoder, as fast as it can: one\n"
    "         line \"TICK HASH\" per world (as `arena --world-hashes` writes them),\n"
    "         a summary on stderr. A client's trace replays what it received; a\n"
    "         server's, what it sent to connection N (default 0)\n"
    "  view   plays the match back from that client's view in arena's window: the\n"
    "         world as it drew it, scoreboard, kill feed and net graph as they were,\n"
    "         a timeline of traffic and round trip to seek on. Keys:\n"
    "%s"
    "  send   has new clients play the inputs one client sent in the trace (one per\n"
    "         tick, first to last) against a live arena server, joining with --code\n"
    "         or --token: a recorded session as a regression or load run. A line\n"
    "         a second, then one per client; exit 1 when one did not play through\n"
    "  --json          info: one JSON object; dump: one JSON object per line\n"
    "  --connection N  dump: only connection N (as info numbers them, from 0);\n"
    "                  replay, view, send: the connection to follow (a server's\n"
    "                  trace: its client N; default 0)\n"
    "  --from S, --to S\n"
    "                  dump: only datagrams from / to that many seconds into the trace;\n"
    "                  view: start --from seconds in\n"
    "  --speed X       view: playback speed, 0.125 to 64 (default 1)\n"
    "  --paused        view: start paused\n"
    "  --size WxH      view: window size in pixels (default 1280x720)\n"
    "  --screenshot F  view: draw the frame at --from, save it as a BMP file, exit\n"
    "  --to HOST:PORT  send: the live server\n"
    "  --code CODE     send: its room code (as `arena --server` printed it)\n"
    "  --token FILE    send: a connect token from its backend (tw-token make)\n"
    "  --clients N     send: how many clients play the inputs at once (1..64, default 1;\n"
    "                  with --token only 1: a token holds one connection)\n"
    "  --quiet         send: no line a second\n"
    "Games: arena's messages are decoded (protocol id 0x6172656e61303031); for\n"
    "another game's trace, tw-trace stops at tickwire's level (ENet, snapshot\n"
    "envelopes) and says so.\n"
    "Exit status: 0 done; 1 not a readable tickwire trace (view: no window; send: a\n"
    "client that could not play every input); 2 a bad command line (view, send: a\n"
    "trace of a game other than arena).\n";

void usage(std::FILE* to) {
  std::fputs(kUsage, to);
}

void help() {
  std::fputs(kUsage, stdout);
  std::printf(kHelp, twtrace::kViewKeys);
}

// "--from"/"--to": seconds, 0 or more.
std::string seconds_at_least_zero(const char* flag, std::string_view v, double& out) {
  if (v == "0") {
    out = 0;
    return {};
  }
  return cli::seconds(flag, v, 1e9, out);
}

// "--size WxH": a window of 320x200 to 7680x4320.
std::string size(std::string_view v, int& w, int& h) {
  const std::size_t x = v.find('x');
  long lw = 0, lh = 0;
  if (x == std::string_view::npos || !cli::parse_number<long>(v.substr(0, x), 320, 7680, lw) ||
      !cli::parse_number<long>(v.substr(x + 1), 200, 4320, lh))
    return "--size: expected WxH within 320x200..7680x4320, got '" + std::string(v) + "'";
  w = static_cast<int>(lw);
  h = static_cast<int>(lh);
  return {};
}

int bad(const std::string& error) {
  std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
  usage(stderr);
  return 2;
}

int bad_file(const std::string& error) {
  std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
  return 1;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

using twtrace::Peers;

// ---- messages ----

// The game decoders tw-trace knows, by protocol id; nullptr for another game.
std::unique_ptr<TraceDecoder> decoder_for(std::uint64_t protocol_id) {
  auto arena_decoder = std::make_unique<arena::proto::TraceDecoder>();
  if (arena_decoder->protocol_id() == protocol_id) return arena_decoder;
  return nullptr;
}

// What each end of one connection's ENet delivered: to the recording host
// (what it received) and to the remote (what the recording host sent; the
// trace cannot see what was lost after sending).
// All connections' deliveries share one budget (DeliveryBudget's 64 MiB), so
// a file of many addresses stays bounded.
struct Delivery {
  explicit Delivery(DeliveryBudget* budget)
      : to_local(1u << 20, 1024, 2u << 20, budget), to_remote(1u << 20, 1024, 2u << 20, budget) {}
  EnetDelivery to_local, to_remote;
};

// The delivery of connection `peer`; nullptr for Peers::kOthers.
Delivery* delivery_of(std::map<std::size_t, Delivery>& all, std::size_t peer,
                      DeliveryBudget& budget) {
  if (peer == Peers::kOthers) return nullptr;
  return &all.try_emplace(peer, &budget).first->second;
}

// A message named: "control" (tickwire's control lane, the last channel),
// "snapshot" (a snapshot envelope, any game), the game's own name for it,
// or "message" when nobody knows it.
TraceDecoder::Description describe_message(const DeliveredMessage& m, std::uint32_t channels,
                                           bool from_server, TraceDecoder* game) {
  char buf[200];
  if (channels > 0 && m.channel == channels - 1) {
    const bool welcome = !m.bytes.empty() && m.bytes[0] == 1;
    return {"control",
            welcome ? "welcome" : "type " + std::to_string(m.bytes.empty() ? 0 : m.bytes[0])};
  }
  if (const std::optional<EnvelopeHeader> e = read_envelope(m.bytes)) {
    std::string base =
        e->baseline_tick ? "delta from " + std::to_string(*e->baseline_tick) : "full";
    std::snprintf(buf, sizeof buf, "tick %" PRIu32 ", %s, %zu B (stream %zu B), input ack %" PRIu32,
                  e->tick, base.c_str(), m.bytes.size(), e->stream_bytes, e->acked_input_tick);
    return {"snapshot", buf};
  }
  if (game != nullptr) {
    TraceDecoder::Description d = game->describe(m.channel, m.bytes, from_server);
    if (!d.name.empty()) return d;
  }
  std::snprintf(buf, sizeof buf, "ch%u, %zu B", m.channel, m.bytes.size());
  return {"message", buf};
}

// ---- info ----

struct Direction {
  std::uint64_t datagrams = 0, bytes = 0, handshake = 0, keepalive = 0, malformed = 0;
  std::array<std::uint64_t, 13> commands{};
  std::map<int, std::uint64_t> messages;  // per channel: messages (fragments counted once)
  std::uint64_t resent = 0;               // reliable commands seen again (same peer, channel, seq)
  // Unreliable messages, by their (reliable, unreliable) sequence per peer
  // and channel: skipped numbers (lost on the way, or sent by nobody: ENet
  // numbers every unreliable send), the same number again, an older one late.
  std::uint64_t unreliable_gaps = 0, unreliable_duplicates = 0, unreliable_reordered = 0;
  // Messages ENet delivered (on the sending side: as sent), by name
  // (describe_message): count and bytes.
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> kinds;
};

struct PeerState {
  twtrace::RoundTrips round_trips;
  std::map<std::uint32_t, bool> reliable_out, reliable_in;  // (channel << 16 | seq) seen
  std::map<int, std::uint32_t> unreliable_out,
      unreliable_in;             // channel -> newest (rel << 16 | unrel)
  std::uint32_t connect_id = 0;  // the connection these numbers belong to
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

int info(const std::string& path, bool json) {
  TraceReader file;
  std::string error;
  if (!file.open(path, error)) return bad_file(error);
  const std::unique_ptr<TraceDecoder> game = decoder_for(file.info().protocol_id);
  Peers peers;
  std::map<std::size_t, PeerState> state;
  DeliveryBudget budget;
  std::map<std::size_t, Delivery> deliveries;
  Direction out, in;
  std::vector<double> rtts;  // ms
  std::uint64_t records = 0, last_us = 0;
  Record r;
  EnetDatagram d;
  std::string parse_error;
  while (file.next(r, error)) {
    ++records;
    last_us = r.time_us;
    const std::size_t peer = peers.index(r);
    Direction& dir = r.outgoing ? out : in;
    // Addresses past Peers' limit count in the totals only.
    PeerState* ps = peer == Peers::kOthers ? nullptr : &state[peer];
    if (r.kind == Kind::Handshake) {
      ++dir.handshake;
      continue;
    }
    if (r.kind == Kind::KeepAlive) {
      ++dir.keepalive;
      continue;
    }
    ++dir.datagrams;
    dir.bytes += r.payload.size();
    if (!parse_enet(r.payload, d, parse_error)) {
      ++dir.malformed;
      continue;
    }
    if (ps != nullptr)
      if (const std::optional<double> rtt = ps->round_trips.on_datagram(r, d)) rtts.push_back(*rtt);
    if (Delivery* del = delivery_of(deliveries, peer, budget)) {
      EnetDelivery& to = r.outgoing ? del->to_remote : del->to_local;
      const bool from_server = r.outgoing == file.info().server;
      for (const DeliveredMessage& m : to.receive(d)) {
        auto& k = dir.kinds[describe_message(m, to.channel_count(), from_server, game.get()).name];
        ++k.first;
        k.second += m.bytes.size();
      }
    }
    for (std::size_t i = 0; i < d.count; ++i) {
      const EnetCommand& c = d.commands[i];
      ++dir.commands[c.type];
      if (c.type == 6 || c.type == 7 || c.type == 9 ||
          ((c.type == 8 || c.type == 12) && c.fragment_number == 0))
        ++dir.messages[c.channel];
      if (ps == nullptr) continue;
      if ((c.type == 2 || c.type == 3) && c.connect_id != ps->connect_id) {
        // A new connection numbers everything from the start again.
        ps->connect_id = c.connect_id;
        ps->reliable_out.clear();
        ps->reliable_in.clear();
        ps->unreliable_out.clear();
        ps->unreliable_in.clear();
      }
      if (c.type == 7) {  // SEND_UNRELIABLE: the sequenced lanes
        auto& newest = r.outgoing ? ps->unreliable_out : ps->unreliable_in;
        const std::uint32_t key = std::uint32_t{c.reliable_seq} << 16 | c.unreliable_seq;
        const auto it = newest.find(c.channel);
        if (it == newest.end()) {
          newest[c.channel] = key;
        } else if (key == it->second) {
          ++dir.unreliable_duplicates;
        } else if (static_cast<std::int32_t>(key - it->second) < 0) {
          ++dir.unreliable_reordered;
        } else {
          if ((key >> 16) == (it->second >> 16)) dir.unreliable_gaps += key - it->second - 1;
          it->second = key;
        }
      }
      if (c.ack_wanted && c.channel != 0xFF) {
        auto& seen = r.outgoing ? ps->reliable_out : ps->reliable_in;
        const std::uint32_t key = std::uint32_t{c.channel} << 16 | c.reliable_seq;
        if (seen.count(key) != 0) {
          ++dir.resent;
        } else {
          seen[key] = true;
          // Half the sequence space behind is forgotten: after a wrap the
          // same number is a new command.
          seen.erase(std::uint32_t{c.channel} << 16 |
                     static_cast<std::uint16_t>(c.reliable_seq + 0x8000));
        }
      }
    }
  }
  if (!error.empty()) return bad_file("record " + std::to_string(records + 2) + ": " + error);
  const TraceInfo& ti = file.info();
  const double seconds = static_cast<double>(last_us) / 1e6;
  auto rate = [&](std::uint64_t n) { return seconds > 0 ? static_cast<double>(n) / seconds : 0.0; };
  if (json) {
    auto dir_json = [&](const Direction& x) {
      std::string j = "{\"datagrams\": " + std::to_string(x.datagrams) +
                      ", \"bytes\": " + std::to_string(x.bytes) +
                      ", \"handshake\": " + std::to_string(x.handshake) +
                      ", \"keepalive\": " + std::to_string(x.keepalive) +
                      ", \"malformed\": " + std::to_string(x.malformed) +
                      ", \"resent\": " + std::to_string(x.resent) +
                      ", \"unreliable_gaps\": " + std::to_string(x.unreliable_gaps) +
                      ", \"unreliable_duplicates\": " + std::to_string(x.unreliable_duplicates) +
                      ", \"unreliable_reordered\": " + std::to_string(x.unreliable_reordered) +
                      ", \"commands\": {";
      bool first = true;
      for (std::size_t t = 1; t < x.commands.size(); ++t) {
        if (x.commands[t] == 0) continue;
        j += std::string(first ? "" : ", ") +
             json_string(enet_command_name(static_cast<std::uint8_t>(t))) + ": " +
             std::to_string(x.commands[t]);
        first = false;
      }
      j += "}, \"messages\": {";
      first = true;
      for (const auto& [name, k] : x.kinds) {
        char buf[200];
        std::snprintf(buf, sizeof buf,
                      "%s%s: {\"count\": %" PRIu64 ", \"per_second\": %.2f, \"bytes_avg\": %.1f}",
                      first ? "" : ", ", json_string(name).c_str(), k.first, rate(k.first),
                      static_cast<double>(k.second) / static_cast<double>(k.first));
        j += buf;
        first = false;
      }
      j += "}, \"messages_per_channel\": {";
      first = true;
      for (const auto& [ch, n] : x.messages) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s\"%d\": {\"count\": %" PRIu64 ", \"per_second\": %.2f}",
                      first ? "" : ", ", ch, n, rate(n));
        j += buf;
        first = false;
      }
      return j + "}}";
    };
    std::string peers_json;
    for (std::size_t i = 0; i < peers.list().size(); ++i)
      peers_json += (i ? ", " : "") + json_string(to_string(peers.list()[i]));
    std::printf("{\"version\": %u, \"role\": \"%s\", \"protocol_id\": \"0x%016" PRIx64
                "\", \"game\": %s, \"start_unix_us\": %" PRIu64
                ", \"local\": %s, \"records\": %" PRIu64
                ", \"duration_s\": %.3f, \"connections\": [%s], \"sent\": %s, \"received\": %s, "
                "\"rtt_ms\": {\"samples\": %zu, \"median\": %.2f, \"p90\": %.2f}}\n",
                ti.version, ti.server ? "server" : "client", ti.protocol_id,
                game ? json_string(game->name()).c_str() : "null", ti.start_unix_us,
                json_string(to_string(ti.local)).c_str(), records, seconds, peers_json.c_str(),
                dir_json(out).c_str(), dir_json(in).c_str(), rtts.size(), percentile(rtts, 0.5),
                percentile(rtts, 0.9));
    return 0;
  }
  std::printf("trace       %s (version %u), a %s's, protocol id 0x%016" PRIx64 " (%s)\n",
              path.c_str(), ti.version, ti.server ? "server" : "client", ti.protocol_id,
              game ? std::string(game->name()).c_str() : "a game tw-trace does not know");
  std::printf("local       %s\n", to_string(ti.local).c_str());
  std::printf("duration    %.3f s, %" PRIu64 " records\n", seconds, records);
  std::printf("connections %zu:", peers.list().size());
  for (std::size_t i = 0; i < peers.list().size(); ++i)
    std::printf(" [%zu] %s", i, to_string(peers.list()[i]).c_str());
  std::printf("\n");
  for (const auto& [name, x] : {std::pair<const char*, const Direction&>{"sent", out},
                                std::pair<const char*, const Direction&>{"received", in}}) {
    std::printf("%-11s %" PRIu64 " datagrams, %" PRIu64 " bytes (%.1f kbit/s), %" PRIu64
                " handshake, %" PRIu64 " keep-alives, %" PRIu64
                " reliable commands resent, %" PRIu64 " malformed\n",
                name, x.datagrams, x.bytes, rate(x.bytes) * 8 / 1000, x.handshake, x.keepalive,
                x.resent, x.malformed);
    for (const auto& [ch, n] : x.messages)
      std::printf("            channel %d: %" PRIu64 " messages, %.1f/s\n", ch, n, rate(n));
    for (const auto& [name, k] : x.kinds)
      std::printf("            %-11s %" PRIu64 " (%.1f/s, %.0f B each)\n", name.c_str(), k.first,
                  rate(k.first), static_cast<double>(k.second) / static_cast<double>(k.first));
    std::printf("            unreliable: %" PRIu64 " numbers skipped, %" PRIu64
                " duplicated, %" PRIu64 " late (out of order)\n",
                x.unreliable_gaps, x.unreliable_duplicates, x.unreliable_reordered);
  }
  if (!rtts.empty())
    std::printf("round trip  median %.2f ms, p90 %.2f ms (%zu ENet acks)\n", percentile(rtts, 0.5),
                percentile(rtts, 0.9), rtts.size());
  return 0;
}

// ---- dump ----

struct DumpOptions {
  bool json = false;
  long connection = -1;
  double from_s = 0, to_s = 1e18;
};

std::string commands_text(const EnetDatagram& d) {
  std::string s;
  for (std::size_t i = 0; i < d.count; ++i) {
    const EnetCommand& c = d.commands[i];
    char buf[160];
    switch (c.type) {
      case 1:
        std::snprintf(buf, sizeof buf, "ACK ch%u #%u t%u", c.channel, c.acked_seq,
                      c.acked_sent_time);
        break;
      case 8:
      case 12:
        std::snprintf(buf, sizeof buf, "%s ch%u #%u part %u/%u of %u B (%zu B)",
                      enet_command_name(c.type), c.channel, c.reliable_seq, c.fragment_number + 1,
                      c.fragment_count, c.total_length, c.data.size());
        break;
      case 7:
      case 9:
        std::snprintf(buf, sizeof buf, "%s ch%u #%u.%u (%zu B)", enet_command_name(c.type),
                      c.channel, c.reliable_seq, c.unreliable_seq, c.data.size());
        break;
      case 6:
        std::snprintf(buf, sizeof buf, "SEND_RELIABLE ch%u #%u (%zu B)", c.channel, c.reliable_seq,
                      c.data.size());
        break;
      default:
        std::snprintf(buf, sizeof buf, "%s ch%u #%u", enet_command_name(c.type), c.channel,
                      c.reliable_seq);
        break;
    }
    s += (i ? "; " : "") + std::string(buf);
  }
  return s;
}

// The handshake packet types (docs/PROTOCOL.md, "Handshake").
std::string handshake_name(int type) {
  static constexpr const char* kNames[7] = {"request",   "denied",  "challenge", "response",
                                            "keepalive", "payload", "rejected"};
  return type < 7 ? kNames[type] : "type " + std::to_string(type);
}

int dump(const std::string& path, const DumpOptions& o) {
  TraceReader file;
  std::string error;
  if (!file.open(path, error)) return bad_file(error);
  const std::unique_ptr<TraceDecoder> game = decoder_for(file.info().protocol_id);
  Peers peers;
  DeliveryBudget budget;
  std::map<std::size_t, Delivery> deliveries;
  Record r;
  EnetDatagram d;
  std::uint64_t n = 0;
  while (file.next(r, error)) {
    ++n;
    const Address remote = r.outgoing ? r.dst : r.src;
    const std::size_t peer = peers.index(remote);
    std::string detail, parse_error;
    std::vector<TraceDecoder::Description> messages;
    if (r.kind == Kind::Enet) {
      if (parse_enet(r.payload, d, parse_error)) {
        detail = commands_text(d);
        // Every datagram goes through delivery, also those not shown, so
        // that a message is named on the datagram that completed it.
        if (Delivery* del = delivery_of(deliveries, peer, budget)) {
          EnetDelivery& to = r.outgoing ? del->to_remote : del->to_local;
          const bool from_server = r.outgoing == file.info().server;
          for (const DeliveredMessage& m : to.receive(d))
            messages.push_back(describe_message(m, to.channel_count(), from_server, game.get()));
        }
      } else {
        detail = "malformed: " + parse_error;
      }
    } else if (r.kind == Kind::Handshake && !r.payload.empty()) {
      detail = handshake_name(r.payload[0] & 0x0F);
    }
    const double t = static_cast<double>(r.time_us) / 1e6;
    if (t < o.from_s || t > o.to_s) continue;
    if (o.connection >= 0 && peer != static_cast<std::size_t>(o.connection)) continue;
    if (o.json) {
      std::string list;
      for (const auto& m : messages)
        list += std::string(list.empty() ? "" : ", ") + "{\"name\": " + json_string(m.name) +
                ", \"detail\": " + json_string(m.detail) + "}";
      std::printf(
          "{\"t\": %.6f, \"dir\": \"%s\", \"connection\": %zu, \"peer\": %s, \"kind\": "
          "\"%s\", \"bytes\": %zu, \"detail\": %s, \"messages\": [%s]}\n",
          t, r.outgoing ? "out" : "in", peer, json_string(to_string(remote)).c_str(),
          to_string(r.kind), r.payload.size(), json_string(detail).c_str(), list.c_str());
    } else {
      for (const auto& m : messages) detail += " => " + m.name + " " + m.detail;
      std::printf("%10.6f %s [%zu] %-21s %5zu B %-9s %s\n", t, r.outgoing ? "->" : "<-", peer,
                  to_string(remote).c_str(), r.payload.size(), to_string(r.kind), detail.c_str());
    }
  }
  if (!error.empty()) return bad_file("record " + std::to_string(n + 2) + ": " + error);
  return 0;
}

// ---- replay ----

// The process's peak resident memory (VmHWM), KiB; -1 when unknown.
long peak_memory_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

// One client's received traffic through ENet's delivery and the game's
// decoder, as fast as it goes. A client's trace: what it received. A
// server's: what it sent to connection `connection`.
int replay(const std::string& path, long connection) {
  const auto began = std::chrono::steady_clock::now();
  TraceReader file;
  std::string error;
  if (!file.open(path, error)) return bad_file(error);
  const TraceInfo& ti = file.info();
  const std::unique_ptr<TraceDecoder> game = decoder_for(ti.protocol_id);
  if (!game)
    std::fprintf(stderr,
                 "tw-trace: no decoder for protocol id 0x%016" PRIx64
                 ": replaying at tickwire's level (snapshot envelopes, no worlds)\n",
                 ti.protocol_id);
  // A client's trace may hold more than one server (it reconnected
  // elsewhere): --connection picks one there too.
  const std::size_t wanted = connection < 0 ? 0 : static_cast<std::size_t>(connection);
  Peers peers;
  EnetDelivery delivery;
  Record r;
  EnetDatagram d;
  std::string parse_error;
  std::uint64_t n = 0, last_us = 0, worlds = 0, envelopes = 0, malformed = 0, connections = 0;
  while (file.next(r, error)) {
    ++n;
    last_us = r.time_us;
    const std::size_t peer = peers.index(r);
    if (r.kind != Kind::Enet || peer != wanted) continue;
    if (r.outgoing != ti.server) continue;  // only what went to the client
    if (!parse_enet(r.payload, d, parse_error)) {
      ++malformed;
      continue;
    }
    const std::span<const DeliveredMessage> messages = delivery.receive(d);
    if (delivery.stats().connections != connections) {
      connections = delivery.stats().connections;
      if (game) game->reset();
    }
    const std::uint32_t channels = delivery.channel_count();
    for (const DeliveredMessage& m : messages) {
      if (channels > 0 && m.channel == channels - 1) continue;  // tickwire's control lane
      if (game) {
        if (const std::optional<WorldHash> w = game->deliver(m.channel, m.bytes, r.time_us)) {
          std::printf("%" PRIu32 " %016" PRIx64 "\n", w->tick, w->hash);
          ++worlds;
        }
      } else if (const std::optional<EnvelopeHeader> e = read_envelope(m.bytes)) {
        std::printf("%" PRIu32 " envelope %zu B\n", e->tick, m.bytes.size());
        ++envelopes;
      }
    }
  }
  if (!error.empty()) return bad_file("record " + std::to_string(n + 2) + ": " + error);
  if (wanted >= peers.list().size())
    return bad_file("the trace has no connection " + std::to_string(wanted));
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double trace_s = static_cast<double>(last_us) / 1e6;
  const DeliveryStats& ds = delivery.stats();
  std::fprintf(stderr,
               "tw-trace: replayed %.1f s of %s in %.3f s (%.0fx real time): %" PRIu64
               " %s, %" PRIu64 " messages, %" PRIu64 " connection(s), %" PRIu64
               " malformed datagrams; peak memory %ld KiB\n",
               trace_s, to_string(peers.list()[wanted]).c_str(), took,
               took > 0 ? trace_s / took : 0.0, game ? worlds : envelopes,
               game ? "worlds" : "envelopes", ds.delivered, ds.connections, malformed,
               peak_memory_kib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return bad("a command is needed");
  const std::string_view command = argv[1];
  if (command == "-h" || command == "--help") {
    help();
    return 0;
  }
  if (command != "info" && command != "dump" && command != "replay" && command != "view" &&
      command != "send")
    return bad("unknown command '" + std::string(command) + "'");
  if (argc >= 3 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h")) {
    help();
    return 0;
  }
  if (argc < 3 || std::string_view(argv[2]).starts_with("--"))
    return bad(std::string(command) + " needs a trace file");
  const std::string path = argv[2];
  DumpOptions o;
  std::vector<cli::Flag> flags;
  twtrace::ViewOptions vo;
  twtrace::SendOptions so;
  if (command == "send") {
    flags.push_back({"--to", true, [&](std::string_view v) {
                       so.to = std::string(v);
                       return v.empty() ? std::string("--to: HOST:PORT is needed") : std::string();
                     }});
    flags.push_back({"--code", true, [&](std::string_view v) {
                       so.code = std::string(v);
                       return std::string();
                     }});
    flags.push_back({"--token", true, [&](std::string_view v) {
                       so.token_file = std::string(v);
                       return std::string();
                     }});
    flags.push_back({"--clients", true, [&](std::string_view v) {
                       long n = 0;
                       std::string e = cli::number("--clients", v, 1L, 64L, n);
                       so.clients = static_cast<int>(n);
                       return e;
                     }});
    flags.push_back(
        {"--quiet", false, [&](std::string_view) { return (so.quiet = true), std::string(); }});
  }
  if (command != "replay" && command != "view" && command != "send")
    flags.push_back(
        {"--json", false, [&](std::string_view) { return (o.json = true), std::string(); }});
  if (command != "info")
    flags.push_back({"--connection", true, [&](std::string_view v) {
                       return cli::parse_number<long>(v, 0, 1 << 20, o.connection)
                                  ? std::string()
                                  : "--connection: expected 0..1048576, got '" + std::string(v) +
                                        "'";
                     }});
  if (command == "view") {
    flags.push_back({"--from", true, [&](std::string_view v) {
                       return seconds_at_least_zero("--from", v, vo.from_s);
                     }});
    flags.push_back({"--speed", true, [&](std::string_view v) {
                       return cli::parse_seconds(v, 64, vo.speed) && vo.speed >= 0.125
                                  ? std::string()
                                  : "--speed: expected 0.125..64, got '" + std::string(v) + "'";
                     }});
    flags.push_back(
        {"--paused", false, [&](std::string_view) { return (vo.paused = true), std::string(); }});
    flags.push_back(
        {"--size", true, [&](std::string_view v) { return size(v, vo.width, vo.height); }});
    flags.push_back({"--screenshot", true, [&](std::string_view v) {
                       vo.screenshot = std::string(v);
                       return v.empty() ? std::string("--screenshot: a file name is needed")
                                        : std::string();
                     }});
  }
  if (command == "dump") {
    flags.push_back({"--from", true, [&](std::string_view v) {
                       return seconds_at_least_zero("--from", v, o.from_s);
                     }});
    flags.push_back({"--to", true,
                     [&](std::string_view v) { return seconds_at_least_zero("--to", v, o.to_s); }});
  }
  std::string error;
  switch (cli::parse(argc, argv, flags, error, 3)) {
    case cli::Outcome::Help: help(); return 0;
    case cli::Outcome::Bad: return bad(error);
    case cli::Outcome::Ok: break;
  }
  if (command == "replay") return replay(path, o.connection);
  if (command == "view") {
    vo.connection = o.connection;
    return twtrace::view(path, vo);
  }
  if (command == "send") {
    if (so.to.empty()) return bad("send: --to HOST:PORT is needed");
    if (so.code.empty() == so.token_file.empty())
      return bad("send: one of --code CODE and --token FILE is needed");
    if (!so.token_file.empty() && so.clients > 1)
      return bad("send: --token gives one connection; use --code for --clients " +
                 std::to_string(so.clients));
    so.connection = o.connection;
    return twtrace::send(path, so);
  }
  return command == "info" ? info(path, o.json) : dump(path, o);
}
