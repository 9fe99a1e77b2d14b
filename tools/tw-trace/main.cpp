// tw-trace: inspect tickwire packet traces (TICKWIRE_CAPTURE, docs/PROTOCOL.md
// "Packet traces").
//
//   tw-trace info FILE [--json]
//   tw-trace dump FILE [--json] [--connection N] [--from S] [--to S]
//
// Exit status: 0 done, 1 a file that is not a readable tickwire trace (or a
// record in it that is malformed), 2 a bad command line.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "enet_datagram.hpp"
#include "trace_file.hpp"

namespace {

using namespace twtrace;
namespace cli = tickwire::cli;

constexpr const char* kUsage =
    "usage: tw-trace info FILE [--json]\n"
    "       tw-trace dump FILE [--json] [--connection N] [--from S] [--to S]\n"
    "       tw-trace COMMAND --help\n";

constexpr const char* kHelp =
    "\nFILE is a trace a tickwire program recorded (TICKWIRE_CAPTURE=FILE.pcap).\n"
    "  info   what the trace holds: duration, connections, datagrams and bytes each\n"
    "         way, messages per channel, resends, unreliable numbers skipped or\n"
    "         late, round trips from ENet's acks\n"
    "  dump   one line per datagram: time (s), direction, connection, size, kind\n"
    "         and its ENet commands\n"
    "  --json          info: one JSON object; dump: one JSON object per line\n"
    "  --connection N  dump: only connection N (as info numbers them, from 0)\n"
    "  --from S, --to S\n"
    "                  dump: only datagrams from / to that many seconds into the trace\n"
    "Exit status: 0 done, 1 not a readable tickwire trace, 2 bad command line.\n";

void usage(std::FILE* to) {
  std::fputs(kUsage, to);
}

void help() {
  std::fputs(kUsage, stdout);
  std::fputs(kHelp, stdout);
}

// "--from"/"--to": seconds, 0 or more.
std::string seconds_at_least_zero(const char* flag, std::string_view v, double& out) {
  if (v == "0") {
    out = 0;
    return {};
  }
  return cli::seconds(flag, v, 1e9, out);
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

// Remote endpoints in order of first appearance: connection 0, 1, ...
struct Peers {
  std::vector<Address> list;
  std::size_t index(Address a) {
    for (std::size_t i = 0; i < list.size(); ++i)
      if (list[i] == a) return i;
    list.push_back(a);
    return list.size() - 1;
  }
};

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
};

struct PeerState {
  // Outgoing datagrams' sent times (16-bit ms) -> trace time, the newest 256.
  std::array<std::pair<std::uint16_t, std::uint64_t>, 256> sent{};
  std::size_t next = 0;
  std::map<std::uint32_t, bool> reliable_out, reliable_in;  // (channel << 16 | seq) seen
  std::map<int, std::uint32_t> unreliable_out,
      unreliable_in;  // channel -> newest (rel << 16 | unrel)
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

int info(const std::string& path, bool json) {
  TraceFile file;
  std::string error;
  if (!file.open(path, error)) return bad_file(error);
  Peers peers;
  std::map<std::size_t, PeerState> state;
  Direction out, in;
  std::vector<double> rtts;  // ms
  std::uint64_t records = 0, last_us = 0;
  Record r;
  EnetDatagram d;
  std::string parse_error;
  while (file.next(r, error)) {
    ++records;
    last_us = r.time_us;
    const Address remote = r.outgoing ? r.dst : r.src;
    const std::size_t peer = peers.index(remote);
    Direction& dir = r.outgoing ? out : in;
    PeerState& ps = state[peer];
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
    if (r.outgoing && d.has_sent_time) {
      ps.sent[ps.next] = {d.sent_time, r.time_us};
      ps.next = (ps.next + 1) % ps.sent.size();
    }
    for (std::size_t i = 0; i < d.count; ++i) {
      const EnetCommand& c = d.commands[i];
      ++dir.commands[c.type];
      if (c.type == 6 || c.type == 7 || c.type == 9 ||
          ((c.type == 8 || c.type == 12) && c.fragment_number == 0))
        ++dir.messages[c.channel];
      if (c.type == 7) {  // SEND_UNRELIABLE: the sequenced lanes
        auto& newest = r.outgoing ? ps.unreliable_out : ps.unreliable_in;
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
        auto& seen = r.outgoing ? ps.reliable_out : ps.reliable_in;
        const std::uint32_t key = std::uint32_t{c.channel} << 16 | c.reliable_seq;
        if (seen.count(key) != 0)
          ++dir.resent;
        else
          seen[key] = true;
      }
      // A round trip: our datagram's sent time comes back in the peer's ACK.
      if (!r.outgoing && c.type == 1) {
        for (const auto& [sent_time, at] : ps.sent)
          if (at != 0 && sent_time == c.acked_sent_time && at <= r.time_us) {
            rtts.push_back(static_cast<double>(r.time_us - at) / 1000.0);
            break;
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
    for (std::size_t i = 0; i < peers.list.size(); ++i)
      peers_json += (i ? ", " : "") + json_string(to_string(peers.list[i]));
    std::printf("{\"version\": %u, \"role\": \"%s\", \"protocol_id\": \"0x%016" PRIx64
                "\", \"start_unix_us\": %" PRIu64 ", \"local\": %s, \"records\": %" PRIu64
                ", \"duration_s\": %.3f, \"connections\": [%s], \"sent\": %s, \"received\": %s, "
                "\"rtt_ms\": {\"samples\": %zu, \"median\": %.2f, \"p90\": %.2f}}\n",
                ti.version, ti.server ? "server" : "client", ti.protocol_id, ti.start_unix_us,
                json_string(to_string(ti.local)).c_str(), records, seconds, peers_json.c_str(),
                dir_json(out).c_str(), dir_json(in).c_str(), rtts.size(), percentile(rtts, 0.5),
                percentile(rtts, 0.9));
    return 0;
  }
  std::printf("trace       %s (version %u), a %s's, protocol id 0x%016" PRIx64 "\n", path.c_str(),
              ti.version, ti.server ? "server" : "client", ti.protocol_id);
  std::printf("local       %s\n", to_string(ti.local).c_str());
  std::printf("duration    %.3f s, %" PRIu64 " records\n", seconds, records);
  std::printf("connections %zu:", peers.list.size());
  for (std::size_t i = 0; i < peers.list.size(); ++i)
    std::printf(" [%zu] %s", i, to_string(peers.list[i]).c_str());
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
  TraceFile file;
  std::string error;
  if (!file.open(path, error)) return bad_file(error);
  Peers peers;
  Record r;
  EnetDatagram d;
  std::uint64_t n = 0;
  while (file.next(r, error)) {
    ++n;
    const Address remote = r.outgoing ? r.dst : r.src;
    const std::size_t peer = peers.index(remote);
    const double t = static_cast<double>(r.time_us) / 1e6;
    if (t < o.from_s || t > o.to_s) continue;
    if (o.connection >= 0 && peer != static_cast<std::size_t>(o.connection)) continue;
    std::string detail, parse_error;
    if (r.kind == Kind::Enet)
      detail =
          parse_enet(r.payload, d, parse_error) ? commands_text(d) : "malformed: " + parse_error;
    else if (r.kind == Kind::Handshake && !r.payload.empty())
      detail = handshake_name(r.payload[0] & 0x0F);
    if (o.json) {
      std::printf(
          "{\"t\": %.6f, \"dir\": \"%s\", \"connection\": %zu, \"peer\": %s, \"kind\": "
          "\"%s\", \"bytes\": %zu, \"detail\": %s}\n",
          t, r.outgoing ? "out" : "in", peer, json_string(to_string(remote)).c_str(),
          to_string(r.kind), r.payload.size(), json_string(detail).c_str());
    } else {
      std::printf("%10.6f %s [%zu] %-21s %5zu B %-9s %s\n", t, r.outgoing ? "->" : "<-", peer,
                  to_string(remote).c_str(), r.payload.size(), to_string(r.kind), detail.c_str());
    }
  }
  if (!error.empty()) return bad_file("record " + std::to_string(n + 2) + ": " + error);
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
  if (command != "info" && command != "dump")
    return bad("unknown command '" + std::string(command) + "'");
  if (argc >= 3 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h")) {
    help();
    return 0;
  }
  if (argc < 3 || std::string_view(argv[2]).starts_with("--"))
    return bad(std::string(command) + " needs a trace file");
  const std::string path = argv[2];
  DumpOptions o;
  std::vector<cli::Flag> flags = {
      {"--json", false, [&](std::string_view) { return (o.json = true), std::string(); }}};
  if (command == "dump") {
    flags.push_back({"--connection", true, [&](std::string_view v) {
                       return cli::parse_number<long>(v, 0, 1 << 20, o.connection)
                                  ? std::string()
                                  : "--connection: expected 0..1048576, got '" + std::string(v) +
                                        "'";
                     }});
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
  return command == "info" ? info(path, o.json) : dump(path, o);
}
