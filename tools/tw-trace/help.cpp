// tw-trace's help: the overview and each command's usage, options and exit
// status (help.hpp).
#include "help.hpp"

#include <cstdio>

#include "view.hpp"

namespace twtrace {

namespace {

constexpr const char* kOverview =
    "usage: tw-trace info FILE [--json]\n"
    "       tw-trace dump FILE [--json] [--connection N] [--from S] [--to S]\n"
    "       tw-trace replay FILE [--connection N]\n"
    "       tw-trace view FILE [--connection N] [--from S] [--speed X] [--paused]\n"
    "                          [--size WxH] [--screenshot FILE.bmp]\n"
    "       tw-trace send FILE --to HOST:PORT (--code CODE | --token FILE)\n"
    "                          [--clients N] [--connection N] [--quiet]\n"
    "       tw-trace COMMAND --help     that command's usage and options\n"
    "\n"
    "FILE is a trace a tickwire program recorded (TICKWIRE_CAPTURE=FILE.pcap).\n"
    "Its records: ENet datagrams, handshake packets, keep-alives, duplicates the\n"
    "replay window dropped (Replayed), and Direct datagrams (the direct lane:\n"
    "unreliable messages sent beside ENet; trace version 3).\n"
    "  info    what the trace holds: duration, connections, datagrams and bytes\n"
    "          each way, the direct lane's, messages by kind with their rates,\n"
    "          resends, loss and reordering, round trips from ENet's acks\n"
    "  dump    one line per datagram: time, direction, size, kind, its ENet\n"
    "          commands or direct-lane messages, and the messages it delivered\n"
    "  replay  rebuilds the worlds one client had, as fast as it can: a line\n"
    "          \"TICK HASH\" per world\n"
    "  view    plays the match back from one client's view in arena's window\n"
    "  send    has new clients play one recorded client's inputs against a live\n"
    "          server\n"
    "Games: arena's messages are decoded (protocol id 0x6172656e61303031); a trace\n"
    "of a game tw-trace has no decoder for is read at tickwire's level (ENet,\n"
    "snapshot envelopes), and tw-trace says so.\n"
    "Exit status: 0 done; 1 a file that is not a readable tickwire trace, or a\n"
    "trace the command cannot use; 2 a bad command line.\n";

// One command's help: its usage, what it does, its options.
constexpr const char* kExitStatus =
    "Exit status: 0 done; 1 FILE is not a readable tickwire trace; 2 a bad command\n"
    "line.\n";

constexpr CommandHelp kCommands[] = {
    {"info", "usage: tw-trace info FILE [--json]\n",
     "What the trace holds: who recorded it (a server or a client, which game),\n"
     "its duration, the connections (numbered from 0 in order of appearance, as\n"
     "the other commands take them), datagrams and bytes each way, messages per\n"
     "channel and by kind (snapshots, the game's inputs...) with their rates,\n"
     "reliable commands resent, unreliable numbers skipped, duplicated or late,\n"
     "datagrams duplicated on the way in (copies the replay window dropped before\n"
     "ENet, which the trace keeps as Replayed records), the direct lane's\n"
     "datagrams and messages (Direct records: sent beside ENet, delivered as they\n"
     "came while a connection was up; not in ENet's datagram and byte counts, in\n"
     "the messages by kind), and round trips from ENet's acks.\n",
     "  --json          one JSON object instead of the table\n"
     "  -h, --help      this help\n",
     kExitStatus},
    {"dump", "usage: tw-trace dump FILE [--json] [--connection N] [--from S] [--to S]\n",
     "One line per datagram: time (s), direction, connection, size, kind, its ENet\n"
     "commands (type, channel, sequence numbers, fragment parts) or, for a Direct\n"
     "record (the direct lane), its peer field and each message's channel and\n"
     "size (and why it was not delivered, if it was not), and the messages it\n"
     "delivered (snapshots: tick, baseline and size; the game's messages by name).\n"
     "A datagram that does not parse says \"malformed: WHY\".\n",
     "  --json          one JSON object per line\n"
     "  --connection N  only connection N (as info numbers them, from 0)\n"
     "  --from S        only datagrams at least S seconds into the trace (default 0)\n"
     "  --to S          only datagrams at most S seconds into the trace (default: to\n"
     "                  the end; not before --from)\n"
     "  -h, --help      this help\n",
     kExitStatus},
    {"replay", "usage: tw-trace replay FILE [--connection N]\n",
     "Rebuilds the worlds one client had from the snapshots its host delivered\n"
     "(ENet's, and the direct lane's while connected, in the trace's order),\n"
     "through the game's own decoder, as fast as it can: one line \"TICK HASH\" per\n"
     "world on stdout (as `arena --world-hashes` writes them), a summary on\n"
     "stderr. A client's trace replays what it received; a server's, what it sent\n"
     "to connection N. A trace of a game tw-trace has no decoder for replays at\n"
     "tickwire's level: a line \"TICK envelope SIZE B\" per snapshot envelope.\n",
     "  --connection N  the connection to follow, as info numbers them (a server's\n"
     "                  trace: its client N), default 0\n"
     "  -h, --help      this help\n",
     kExitStatus},
    {"view",
     "usage: tw-trace view FILE [--connection N] [--from S] [--speed X] [--paused]\n"
     "                          [--size WxH] [--screenshot FILE.bmp]\n",
     "Plays the match back from one client's view in arena's window: the world as\n"
     "it drew it, scoreboard, kill feed and net graph as they were, a timeline of\n"
     "traffic and round trip to seek on. Another game's trace plays at tickwire's\n"
     "level (timeline and net graph, no world), and the window says so. Keys:\n",
     "  --connection N  the client to follow (a server's trace: its client N),\n"
     "                  default 0\n"
     "  --from S        start S seconds into the trace (default 0)\n"
     "  --speed X       playback speed, 0.125 to 64 (default 1)\n"
     "  --paused        start paused\n"
     "  --size WxH      window size in pixels (default 1280x720)\n"
     "  --screenshot F  draw the frame at --from, save it as the BMP file F, exit\n"
     "  -h, --help      this help\n",
     "Exit status: 0 done; 1 FILE is not a readable tickwire trace, or no window;\n"
     "2 a bad command line.\n"},
    {"send",
     "usage: tw-trace send FILE --to HOST:PORT (--code CODE | --token FILE)\n"
     "                          [--clients N] [--connection N] [--quiet]\n",
     "Has new clients play the inputs one client sent in the trace (one per tick,\n"
     "first to last, sent on ENet or the direct lane) against a live arena\n"
     "server, joining with --code or --token: a recorded session as a regression\n"
     "or load run. A line a second, then one per client.\n",
     "  --to HOST:PORT  the live server (an IPv4 address or a host name; port\n"
     "                  1..65535)\n"
     "  --code CODE     its room code (as `arena --server` printed it), or\n"
     "  --token FILE    a connect token from its backend (tw-token make)\n"
     "  --clients N     how many clients play the inputs at once (1..64, default\n"
     "                  1; with --token only 1: a token holds one connection)\n"
     "  --connection N  a server's trace: the client whose inputs to play\n"
     "                  (default 0)\n"
     "  --quiet         no line a second\n"
     "  -h, --help      this help\n",
     "Exit status: 0 every client played the inputs through; 1 FILE is not a\n"
     "readable trace of a game send can play (arena), the token file cannot be\n"
     "read, or a client could not connect or play every input; 2 a bad command\n"
     "line.\n"},
};

}  // namespace

void overview() {
  std::fputs(kOverview, stdout);
}

const CommandHelp* command_help(std::string_view name) {
  for (const CommandHelp& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

void help(const CommandHelp& c) {
  std::printf("%s\n%s", c.usage, c.about);
  if (c.name == "view") std::fputs(kViewKeys, stdout);
  std::printf("\nOptions:\n%s\n%s", c.options, c.exit_status);
}

}  // namespace twtrace
