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
//   tw-trace [COMMAND] --help
//
// An error is one line on stderr, "tw-trace COMMAND: WHAT". Exit status: 0
// done, 1 a file that is not a readable tickwire trace (or a record in it
// that is malformed, or a trace the command cannot use), 2 a bad command
// line.
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
#include "direct.hpp"
#include "help.hpp"
#include "option_values.hpp"
#include "peers.hpp"
#include "proto/trace_decoder.hpp"
#include "round_trips.hpp"
#include "say.hpp"
#include "send.hpp"
#include "view.hpp"

namespace {

using namespace tickwire::trace;
namespace cli = tickwire::cli;
using twtrace::command_help;
using twtrace::CommandHelp;
using twtrace::DirectDelivery;
using twtrace::help;
using twtrace::host_and_port;
using twtrace::room_code;
using twtrace::seconds_at_least_zero;
using twtrace::size;

// "tw-trace" or "tw-trace COMMAND": how errors begin.
std::string g_who = "tw-trace";

// One line on stderr, "tw-trace COMMAND: WHAT" (say.hpp).
void say(std::string what) {
  twtrace::say(g_who, std::move(what));
}

// A bad command line: exit status 2.
int bad(const std::string& error) {
  say(error);
  return 2;
}

// A bad file: exit status 1.
int bad_file(const std::string& error) {
  say(error);
  return 1;
}

// What a command says once it has read the whole trace well (kept until
// then, so that an error stays the one line on stderr).
std::string g_notice;
int finish(int status) {
  if (status == 0 && !g_notice.empty()) say(g_notice);
  return status;
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

// The game decoders tw-trace knows, by protocol id; nullptr for another
// game, after saying (one line on stderr) that `command` reads it at
// tickwire's level: `what` is what that means for the command.
std::unique_ptr<TraceDecoder> decoder_for(std::uint64_t protocol_id, const char* what) {
  auto arena_decoder = std::make_unique<arena::proto::TraceDecoder>();
  if (arena_decoder->protocol_id() == protocol_id) return arena_decoder;
  char id[20];
  std::snprintf(id, sizeof id, "0x%016" PRIx64, protocol_id);
  g_notice =
      std::string("no decoder for protocol id ") + id + " (a game tw-trace does not know): " + what;
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

// The ENet of the end that received record `r` (the remote's when the
// recording host sent it); nullptr without a delivery.
EnetDelivery* receiving_end(Delivery* del, const Record& r) {
  if (del == nullptr) return nullptr;
  return r.outgoing ? &del->to_remote : &del->to_local;
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
  // Authentic copies of datagrams already received, which the replay window
  // dropped before ENet (Replayed records): duplication on the way in.
  std::uint64_t duplicated = 0;
  std::array<std::uint64_t, 13> commands{};
  std::map<int, std::uint64_t> messages;  // per channel: messages (fragments counted once)
  std::uint64_t resent = 0;               // reliable commands seen again (same peer, channel, seq)
  // Unreliable messages, by their (reliable, unreliable) sequence per peer
  // and channel: skipped numbers (lost on the way, or sent by nobody: ENet
  // numbers every unreliable send), the same number again, an older one late.
  std::uint64_t unreliable_gaps = 0, unreliable_duplicates = 0, unreliable_reordered = 0;
  // Messages delivered, by ENet or the direct lane (on the sending side:
  // as sent), by name (describe_message): count and bytes.
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> kinds;
  // Direct records (the direct lane, beside ENet): not in the ENet counts
  // above; their messages delivered while a connection was up are in kinds.
  DirectDelivery direct;
  // Records of a kind ENet never got (neither ENet datagrams nor the
  // handshake's or keep-alives), by kind: not in the counts above.
  std::map<std::string, std::uint64_t> other;
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
  const std::unique_ptr<TraceDecoder> game = decoder_for(
      file.info().protocol_id,
      "messages are counted at tickwire's level (snapshot envelopes, control), the game's "
      "unnamed");
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
    if (r.kind == Kind::Replayed) {
      ++dir.duplicated;
      continue;
    }
    const bool from_server = r.outgoing == file.info().server;
    // Messages delivered at the end that received `r`, named.
    auto count_kinds = [&](std::span<const DeliveredMessage> messages, const EnetDelivery& to) {
      for (const DeliveredMessage& m : messages) {
        auto& k = dir.kinds[describe_message(m, to.channel_count(), from_server, game.get()).name];
        ++k.first;
        k.second += m.bytes.size();
      }
    };
    if (r.kind == Kind::Direct) {
      EnetDelivery* to = receiving_end(delivery_of(deliveries, peer, budget), r);
      const std::span<const DeliveredMessage> messages = dir.direct.receive(r.payload, to);
      if (to != nullptr) count_kinds(messages, *to);
      continue;
    }
    if (r.kind != Kind::Enet) {  // a datagram ENet never got (trace.hpp, Kind)
      ++dir.other[to_string(r.kind)];
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
    if (EnetDelivery* to = receiving_end(delivery_of(deliveries, peer, budget), r))
      count_kinds(to->receive(d), *to);
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
                      ", \"duplicated\": " + std::to_string(x.duplicated) +
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
      j += "}, \"other_records\": {";
      first = true;
      for (const auto& [name, n] : x.other) {
        j += std::string(first ? "" : ", ") + json_string(name) + ": " + std::to_string(n);
        first = false;
      }
      return j + "}, \"direct\": " + twtrace::direct_json(x.direct.stats()) + "}";
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
              game ? std::string(game->name()).c_str()
                   : "no decoder for it: messages counted at tickwire's level");
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
    if (x.duplicated > 0)
      std::printf("            %" PRIu64
                  " datagrams duplicated on the way (copies the replay window dropped)\n",
                  x.duplicated);
    if (const std::string line = twtrace::direct_line(x.direct.stats()); !line.empty())
      std::printf("            %s\n", line.c_str());
    for (const auto& [kind, n] : x.other)
      std::printf("            %-11s %" PRIu64 " records ENet did not get\n", kind.c_str(), n);
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
  const std::unique_ptr<TraceDecoder> game = decoder_for(
      file.info().protocol_id,
      "messages are named at tickwire's level (snapshot envelopes, control), the game's "
      "unnamed");
  Peers peers;
  DeliveryBudget budget;
  std::map<std::size_t, Delivery> deliveries;
  Record r;
  EnetDatagram d;
  DirectDelivery direct;
  std::uint64_t n = 0;
  while (file.next(r, error)) {
    ++n;
    const Address remote = r.outgoing ? r.dst : r.src;
    const std::size_t peer = peers.index(remote);
    const bool from_server = r.outgoing == file.info().server;
    std::string detail, parse_error;
    std::vector<TraceDecoder::Description> messages;
    if (r.kind == Kind::Enet) {
      if (parse_enet(r.payload, d, parse_error)) {
        detail = commands_text(d);
        // Every datagram goes through delivery, also those not shown, so
        // that a message is named on the datagram that completed it.
        if (EnetDelivery* to = receiving_end(delivery_of(deliveries, peer, budget), r))
          for (const DeliveredMessage& m : to->receive(d))
            messages.push_back(describe_message(m, to->channel_count(), from_server, game.get()));
      } else {
        detail = "malformed: " + parse_error;
      }
    } else if (r.kind == Kind::Direct) {
      // The direct lane: its messages as they came, while a connection was up.
      EnetDelivery* to = receiving_end(delivery_of(deliveries, peer, budget), r);
      for (const DeliveredMessage& m : direct.receive(r.payload, to))
        messages.push_back(describe_message(m, to->channel_count(), from_server, game.get()));
      detail = direct.text();
    } else if (r.kind == Kind::Handshake && !r.payload.empty()) {
      detail = handshake_name(r.payload[0] & 0x0F);
    } else if (r.kind == Kind::Replayed) {
      // A copy the replay window dropped: shown, never delivered.
      detail = parse_enet(r.payload, d, parse_error)
                   ? "duplicate, dropped before ENet: " + commands_text(d)
                   : "duplicate, dropped before ENet; malformed: " + parse_error;
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
  const std::unique_ptr<TraceDecoder> game =
      decoder_for(ti.protocol_id, "replaying at tickwire's level (snapshot envelopes, no worlds)");
  // A client's trace may hold more than one server (it reconnected
  // elsewhere): --connection picks one there too.
  const std::size_t wanted = connection < 0 ? 0 : static_cast<std::size_t>(connection);
  Peers peers;
  // What the client's host delivered: ENet's messages and the direct lane's.
  twtrace::HostDelivery to_client;
  Record r;
  std::uint64_t n = 0, last_us = 0, worlds = 0, envelopes = 0;
  while (file.next(r, error)) {
    ++n;
    last_us = r.time_us;
    const std::size_t peer = peers.index(r);
    if (peer != wanted || r.outgoing != ti.server) continue;  // only what went to the client
    const std::span<const DeliveredMessage> messages = to_client.receive(r);
    if (to_client.began_connection() && game) game->reset();
    const std::uint32_t channels = to_client.enet().channel_count();
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
  std::fprintf(stderr,
               "tw-trace replay: replayed %.1f s of %s in %.3f s (%.0fx real time): %" PRIu64
               " %s, %" PRIu64 " messages (%" PRIu64 " by the direct lane), %" PRIu64
               " connection(s), %" PRIu64 " malformed datagrams; peak memory %ld KiB\n",
               trace_s, to_string(peers.list()[wanted]).c_str(), took,
               took > 0 ? trace_s / took : 0.0, game ? worlds : envelopes,
               game ? "worlds" : "envelopes", to_client.delivered(),
               to_client.direct().stats().delivered, to_client.enet().stats().connections,
               to_client.malformed(), peak_memory_kib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return bad("a command is needed: info, dump, replay, view or send (tw-trace --help)");
  const std::string_view command = argv[1];
  if (command == "-h" || command == "--help") {
    twtrace::overview();
    return 0;
  }
  const CommandHelp* const about = command_help(command);
  if (about == nullptr)
    return bad("unknown command '" + std::string(command) +
               "': expected info, dump, replay, view or send (tw-trace --help)");
  g_who = "tw-trace " + std::string(command);
  if (argc >= 3 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h")) {
    help(*about);
    return 0;
  }
  if (argc < 3 || (argv[2][0] == '-' && argv[2][1] != '\0'))  // "-": the standard input
    return bad(std::string(argc < 3 ? "a trace FILE is needed" : "the trace FILE comes first") +
               ": tw-trace " + std::string(command) + " FILE [OPTIONS] (tw-trace " +
               std::string(command) + " --help)");
  const std::string path = argv[2];
  // view and send read the trace more than once: a file, not a stream.
  if (path == "-" && (command == "view" || command == "send"))
    return bad(std::string(command) + " reads the trace more than once: name a file, not -");
  DumpOptions o;
  std::vector<cli::Flag> flags;
  twtrace::ViewOptions vo;
  twtrace::SendOptions so;
  // --from and --to as typed, for an error that quotes them.
  std::string from_text, to_text;
  if (command == "send") {
    flags.push_back({"--to", true, [&](std::string_view v) {
                       so.to = std::string(v);
                       return host_and_port(v);
                     }});
    flags.push_back({"--code", true, [&](std::string_view v) {
                       so.code = std::string(v);
                       return room_code(v);
                     }});
    flags.push_back({"--token", true, [&](std::string_view v) {
                       so.token_file = std::string(v);
                       return v.empty() ? std::string("--token: a file name is needed")
                                        : std::string();
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
  if (command == "info" || command == "dump")
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
                       from_text = std::string(v);
                       return seconds_at_least_zero("--from", v, o.from_s);
                     }});
    flags.push_back({"--to", true, [&](std::string_view v) {
                       to_text = std::string(v);
                       return seconds_at_least_zero("--to", v, o.to_s);
                     }});
  }
  std::string error;
  switch (cli::parse(argc, argv, flags, error, 3)) {
    case cli::Outcome::Help: help(*about); return 0;
    case cli::Outcome::Bad: return bad(error);
    case cli::Outcome::Ok: break;
  }
  if (command == "dump" && !to_text.empty() && o.from_s > o.to_s)
    return bad("--from " + from_text + " is after --to " + to_text + ": nothing to show");
  if (command == "replay") return finish(replay(path, o.connection));
  if (command == "view") {
    // What view makes of a game tw-trace has no decoder for is view.cpp's.
    vo.connection = o.connection;
    return twtrace::view(path, vo);
  }
  if (command == "send") {
    // The command line is checked whole before send reads anything.
    if (so.to.empty()) return bad("--to HOST:PORT is needed (the live server)");
    if (so.code.empty() && so.token_file.empty())
      return bad("--code CODE or --token FILE is needed (how the clients get in)");
    if (!so.code.empty() && !so.token_file.empty())
      return bad("--code and --token are two ways in; give one");
    if (!so.token_file.empty() && so.clients > 1)
      return bad("--token gives one connection; use --code for --clients " +
                 std::to_string(so.clients));
    so.connection = o.connection;
    return twtrace::send(path, so);
  }
  return finish(command == "info" ? info(path, o.json) : dump(path, o));
}
