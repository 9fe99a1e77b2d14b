// Packet capture: a server and a client on loopback each record a trace;
// read back with libpcap, the two traces mirror each other datagram for
// datagram (what one sent, plaintext, is what the other received), the files
// are the documented layout, owner-only, and bounded by their limit.
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "harness.hpp"
#include "secure/token_format.hpp"
#include "trace/capture.hpp"

namespace tickwire::test {
namespace {

struct Record {
  std::uint64_t time_us = 0;
  std::uint32_t src = 0, dst = 0;  // network byte order
  std::uint16_t sport = 0, dport = 0;
  trace::RecordKind kind = trace::RecordKind::Meta;
  std::vector<std::uint8_t> payload;  // after the kind byte
};

// Every record of a trace, through libpcap; fails the test on a bad layout.
std::vector<Record> read_trace(const std::string& path, int* link_type = nullptr) {
  std::vector<Record> out;
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  EXPECT_NE(p, nullptr) << err;
  if (p == nullptr) return out;
  if (link_type) *link_type = pcap_datalink(p);
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) {
    EXPECT_GE(h->caplen, trace::kHeaderBytes + 1);
    EXPECT_EQ(h->caplen, h->len);
    if (h->caplen < trace::kHeaderBytes + 1) break;
    Record r;
    r.time_us = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000 +
                static_cast<std::uint64_t>(h->ts.tv_usec);
    EXPECT_EQ(data[0], 0x45);  // IPv4, 20-byte header
    EXPECT_EQ(data[9], 17);    // UDP
    EXPECT_EQ((data[2] << 8 | data[3]), static_cast<int>(h->caplen));
    std::memcpy(&r.src, data + 12, 4);
    std::memcpy(&r.dst, data + 16, 4);
    r.sport = static_cast<std::uint16_t>(data[20] << 8 | data[21]);
    r.dport = static_cast<std::uint16_t>(data[22] << 8 | data[23]);
    EXPECT_EQ((data[24] << 8 | data[25]), static_cast<int>(h->caplen - 20));
    r.kind = static_cast<trace::RecordKind>(data[28]);
    r.payload.assign(data + 29, data + h->caplen);
    out.push_back(std::move(r));
  }
  pcap_close(p);
  return out;
}

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "tickwire_" + std::to_string(::getpid()) + "_" + name + ".pcap";
}

TEST(Capture, TheTwoEndsTracesMirrorEachOther) {
  const std::string server_file = temp_path("server"), client_file = temp_path("client");
  ::unlink(server_file.c_str());
  ::unlink(client_file.c_str());
  secure::PublicToken token;  // the client's: its handshake keys, in clear
  {
    Server server;
    Client client;
    Loop loop;
    ServerSettings ss = loopback_server();
    ss.capture_path = server_file;
    ASSERT_TRUE(server.start(ss));
    ClientSettings cs;
    cs.capture_path = client_file;
    cs = client_for(server, cs);
    ASSERT_TRUE(secure::parse_public(cs.token.bytes, token));
    ASSERT_TRUE(client.connect(address_of(server), cs));
    loop.server = &server;
    loop.clients = {&client};
    ASSERT_TRUE(
        loop.until([&] { return client.connected() && server.connection_count() == 1; }, 5s));
    // Reliable and unreliable traffic both ways, large enough to fragment.
    const std::string big(3000, 'x');
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(client.send(0, bytes("ping " + std::to_string(i))));
      ASSERT_TRUE(server.broadcast(1, bytes("state " + std::to_string(i))));
      loop.run_for(5ms);
    }
    ASSERT_TRUE(server.broadcast(0, bytes(big)));
    ASSERT_TRUE(loop.until([&] { return loop.client_events[0].messages.size() >= 1; }, 2s));
    loop.run_for(300ms);
    client.disconnect();
    loop.until([&] { return !client.connected(); }, 2s);
    loop.run_for(100ms);
  }  // both hosts closed: the traces are flushed and closed

  for (const std::string& f : {server_file, client_file}) {
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f << ": readable by its owner only";
  }
  int link_type = 0;
  const std::vector<Record> srv = read_trace(server_file, &link_type);
  EXPECT_EQ(link_type, trace::kLinkType);
  const std::vector<Record> cli = read_trace(client_file);
  ASSERT_GT(srv.size(), 20u);
  ASSERT_GT(cli.size(), 20u);
  // The metadata record first: magic, version, role.
  for (const auto* t : {&srv, &cli}) {
    ASSERT_EQ((*t)[0].kind, trace::RecordKind::Meta);
    ASSERT_GE((*t)[0].payload.size(), 27u);
    EXPECT_EQ(std::memcmp((*t)[0].payload.data(), trace::kMagic, 8), 0);
    EXPECT_EQ((*t)[0].payload[8] | (*t)[0].payload[9] << 8, trace::kTraceVersion);
  }
  EXPECT_EQ(srv[0].payload[10], 0) << "server";
  EXPECT_EQ(cli[0].payload[10], 1) << "client";
  // Times never go back.
  for (const auto* t : {&srv, &cli})
    for (std::size_t i = 1; i < t->size(); ++i) EXPECT_GE((*t)[i].time_us, (*t)[i - 1].time_us);

  // Ports: the server's from its metadata record, the client's from traffic.
  const std::uint16_t server_port = srv[0].sport;
  std::uint16_t client_port = 0;
  for (const Record& r : srv)
    if (r.kind == trace::RecordKind::Enet && r.dport == server_port) client_port = r.sport;
  ASSERT_NE(client_port, 0);
  // What the client sent is what the server received, in order, byte for
  // byte (loopback loses nothing), and the other way round; the handshake too.
  // Only the last few sent as the client closed may not have arrived.
  // The payloads of one kind a trace's host sent (outgoing) or received.
  auto of = [](const std::vector<Record>& t, trace::RecordKind kind, bool outgoing,
               std::uint16_t local_port) {
    std::vector<std::vector<std::uint8_t>> out;
    for (std::size_t i = 1; i < t.size(); ++i)
      if (t[i].kind == kind && (outgoing ? t[i].sport : t[i].dport) == local_port)
        out.push_back(t[i].payload);
    return out;
  };
  for (const trace::RecordKind kind : {trace::RecordKind::Enet, trace::RecordKind::Handshake}) {
    const auto client_out = of(cli, kind, true, client_port);
    const auto server_in = of(srv, kind, false, server_port);
    const auto server_out = of(srv, kind, true, server_port);
    const auto client_in = of(cli, kind, false, client_port);
    EXPECT_GT(client_out.size(), 0u);
    EXPECT_GT(server_out.size(), 0u);
    for (const auto& [sent, received] :
         {std::pair{&client_out, &server_in}, std::pair{&server_out, &client_in}}) {
      ASSERT_LE(received->size(), sent->size()) << "kind " << static_cast<int>(kind);
      EXPECT_LE(sent->size() - received->size(), 4u) << "kind " << static_cast<int>(kind);
      EXPECT_TRUE(std::equal(received->begin(), received->end(), sent->begin()))
          << "kind " << static_cast<int>(kind);
    }
  }
  // The 3000-byte message went in fragments: some ENet datagram the server
  // sent holds a run of its bytes in clear.
  const std::string run(500, 'x');
  bool found = false;
  for (const Record& r : srv)
    if (r.kind == trace::RecordKind::Enet &&
        std::search(r.payload.begin(), r.payload.end(), run.begin(), run.end()) != r.payload.end())
      found = true;
  EXPECT_TRUE(found) << "payloads are recorded decrypted";
  // Keys are never written: the handshake keys the client holds in clear
  // (each end seals its handshake packets with them) appear in neither trace.
  for (const auto* key : {&token.client_to_server, &token.server_to_client})
    for (const auto* t : {&srv, &cli})
      for (const Record& r : *t)
        EXPECT_EQ(
            std::search(r.payload.begin(), r.payload.end(), key->bytes.begin(), key->bytes.end()),
            r.payload.end());
  ::unlink(server_file.c_str());
  ::unlink(client_file.c_str());
}

// Datagrams duplicated on the way in never reach ENet (the replay window
// drops them), but the trace shows them: each one is a Replayed record, the
// very bytes of a datagram received before, and there are no more of them
// than the drops the client counted as replayed.
TEST(Capture, DuplicatesTheReplayWindowDropsAreRecordedAsReplayed) {
  const std::string file = temp_path("replayed");
  ::unlink(file.c_str());
  std::uint64_t replayed_drops = 0;
  {
    Server server;
    Client client;
    Loop loop;
    ClientSettings cs;
    cs.capture_path = file;
    ASSERT_TRUE(start_and_connect(server, client, loop, loopback_server(), cs));
    LinkConditionerSettings doubled;
    doubled.incoming.duplicate_pct = 40.0f;
    doubled.seed = 7;
    ASSERT_TRUE(client.set_conditioner(doubled));
    const std::uint64_t before = client.host_stats().drops.replayed;
    for (int i = 0; i < 60; ++i) {
      ASSERT_TRUE(server.broadcast(1, bytes("state " + std::to_string(i))));
      loop.run_for(3ms);
    }
    loop.run_for(100ms);
    replayed_drops = client.host_stats().drops.replayed - before;
  }
  const std::vector<Record> t = read_trace(file);
  ASSERT_FALSE(t.empty());
  const std::uint16_t client_port = t[0].sport;
  std::vector<std::vector<std::uint8_t>> received;
  std::uint64_t replayed_records = 0;
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (t[i].dport != client_port) continue;
    if (t[i].kind == trace::RecordKind::Enet) received.push_back(t[i].payload);
    if (t[i].kind != trace::RecordKind::Replayed) continue;
    ++replayed_records;
    EXPECT_NE(std::find(received.begin(), received.end(), t[i].payload), received.end())
        << "record " << i << " is not a copy of a datagram received before it";
  }
  EXPECT_GE(replayed_records, 10u) << "40 % of about 60 datagrams were doubled";
  EXPECT_LE(replayed_records, replayed_drops);
  EXPECT_GE(replayed_records + 2, replayed_drops) << "only duplicated keep-alives go unrecorded";
  ::unlink(file.c_str());
}

TEST(Capture, StopsAtItsLimit) {
  const std::string file = temp_path("limit");
  ::unlink(file.c_str());
  {
    Server server;
    Client client;
    Loop loop;
    ServerSettings ss = loopback_server();
    ss.capture_path = file;
    ss.capture_max_bytes = 4096;
    ::testing::internal::CaptureStderr();
    ASSERT_TRUE(start_and_connect(server, client, loop, ss));
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(server.broadcast(0, bytes(std::string(200, 'y'))));
      loop.run_for(2ms);
    }
    loop.run_for(100ms);
  }
  // One line when recording starts, one when the limit stops it.
  const std::string said = ::testing::internal::GetCapturedStderr();
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = said.find(what); at != std::string::npos; at = said.find(what, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("recording decrypted traffic to " + file), 1u) << said;
  EXPECT_EQ(count("reached its limit of 4096 bytes; recording stopped"), 1u) << said;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_LE(st.st_size, 4096);
  EXPECT_GT(st.st_size, 3000) << "it recorded up to the limit";
  EXPECT_GT(read_trace(file).size(), 3u);
  ::unlink(file.c_str());
}

// A server can record one connection only.
TEST(Capture, AServerCanRecordOneConnectionOnly) {
  const std::string file = temp_path("only");
  ::unlink(file.c_str());
  std::uint16_t first_port = 0, second_port = 0;
  {
    Server server;
    Client a, b;
    Loop loop;
    ServerSettings ss = loopback_server();
    ss.capture_path = file;
    ASSERT_TRUE(start_and_connect(server, a, loop, ss));
    ASSERT_TRUE(b.connect(address_of(server), client_for(server)));
    loop.clients = {&a, &b};
    ASSERT_TRUE(loop.until([&] { return b.connected() && server.connection_count() == 2; }, 5s));
    const std::vector<ConnectionId> ids = server.connections();
    ASSERT_EQ(ids.size(), 2u);
    ASSERT_TRUE(server.capture_only(ids[1]));
    EXPECT_FALSE(server.capture_only(ConnectionId{12345}));
    const std::string only = server.address(ids[1]);
    second_port = static_cast<std::uint16_t>(std::stoi(only.substr(only.rfind(':') + 1)));
    const std::string other = server.address(ids[0]);
    first_port = static_cast<std::uint16_t>(std::stoi(other.substr(other.rfind(':') + 1)));
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(server.broadcast(0, bytes("to both " + std::to_string(i))));
      loop.run_for(5ms);
    }
    loop.run_for(100ms);
  }
  // After capture_only, every record is to or from the chosen client: the
  // trace ends in a run of the second client's records that holds the ten
  // broadcasts (unfiltered, the first client's copies would interleave to
  // the end). Before it both clients' traffic mixes (b connects while a
  // talks), so that part says nothing.
  const std::vector<Record> t = read_trace(file);
  std::size_t last_first = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::uint16_t peer = t[i].sport == t[0].sport ? t[i].dport : t[i].sport;
    if (peer == first_port) last_first = i;
  }
  int second_after = 0, others_after = 0;
  for (std::size_t i = last_first + 1; i < t.size(); ++i) {
    const std::uint16_t peer = t[i].sport == t[0].sport ? t[i].dport : t[i].sport;
    (peer == second_port ? second_after : others_after) += 1;
  }
  EXPECT_GE(second_after, 10);
  EXPECT_EQ(others_after, 0);
  ::unlink(file.c_str());
}

TEST(Capture, ASettingThatCannotBeWrittenIsAnError) {
  Server server;
  ServerSettings ss = loopback_server();
  ss.capture_path = "/nonexistent-dir/trace.pcap";
  const Status s = server.start(ss);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message.find("capture"), std::string::npos) << s.message;
  EXPECT_FALSE(server.running());
  ss.capture_path.clear();
  ss.capture_max_bytes = 100;
  EXPECT_EQ(server.start(ss).code, Errc::InvalidSettings);
}

}  // namespace
}  // namespace tickwire::test
