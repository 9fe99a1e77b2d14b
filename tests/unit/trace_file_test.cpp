// tw-trace's reader against traces the engine's capture writer makes, and
// against files that are not tickwire traces; its ENet datagram parser on
// a known datagram and on every truncation of it.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tickwire/trace.hpp"
#include "trace/capture.hpp"

namespace {

using tickwire::socket::Endpoint;
using tickwire::trace::CaptureWriter;
using tickwire::trace::Direction;
using tickwire::trace::RecordKind;

const Endpoint kLocal{0x0100007f, 27015}, kRemote{0x0200007f, 40000};

std::string temp(const char* name) {
  return ::testing::TempDir() + "tw_trace_" + std::to_string(::getpid()) + "_" + name;
}

std::vector<std::uint8_t> read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

// SEND_RELIABLE "hi" on channel 1 and an ACK, behind a header with a sent time.
std::vector<std::uint8_t> sample_datagram() {
  return {0x80, 0x05, 0x04, 0xD2,                           // peer 5, sent time 1234
          0x86, 0x01, 0x00, 0x07, 0x00, 0x02, 'h',  'i',    // SEND_RELIABLE ch1 #7, 2 bytes
          0x01, 0xFF, 0x00, 0x03, 0x00, 0x02, 0x04, 0xD0};  // ACK ch255 #3 of #2 sent at 1232
}

std::string write_trace(const char* name) {
  const std::string path = temp(name);
  CaptureWriter w;
  EXPECT_TRUE(w.open(path, 1u << 20, "client", 0x1122334455667788ull, kLocal, 1000,
                     1'700'000'000'123'456, {}));
  w.record(2000, Direction::Out, RecordKind::Handshake, kRemote, std::vector<std::uint8_t>(5, 0));
  w.record(3000, Direction::In, RecordKind::KeepAlive, kRemote, {});
  w.record(4500, Direction::In, RecordKind::Enet, kRemote, sample_datagram());
  w.close();
  return path;
}

TEST(TraceReader, ReadsWhatTheCaptureWrote) {
  const std::string path = write_trace("good.pcap");
  tickwire::trace::TraceReader f;
  std::string error;
  ASSERT_TRUE(f.open(path, error)) << error;
  EXPECT_EQ(f.info().version, tickwire::trace::kTraceVersion);
  EXPECT_FALSE(f.info().server);
  EXPECT_EQ(f.info().protocol_id, 0x1122334455667788ull);
  EXPECT_EQ(f.info().start_unix_us, 1'700'000'000'123'456ull);  // microseconds kept
  EXPECT_EQ(f.info().local.port, 27015);
  tickwire::trace::Record r;
  ASSERT_TRUE(f.next(r, error)) << error;
  EXPECT_EQ(r.kind, tickwire::trace::Kind::Handshake);
  EXPECT_TRUE(r.outgoing);
  EXPECT_EQ(r.time_us, 1000u);
  EXPECT_EQ(r.dst.port, 40000);
  EXPECT_EQ(r.payload.size(), 5u);
  ASSERT_TRUE(f.next(r, error));
  EXPECT_EQ(r.kind, tickwire::trace::Kind::KeepAlive);
  EXPECT_FALSE(r.outgoing);
  ASSERT_TRUE(f.next(r, error));
  EXPECT_EQ(r.kind, tickwire::trace::Kind::Enet);
  EXPECT_EQ(r.time_us, 3500u);
  EXPECT_EQ(std::vector<std::uint8_t>(r.payload.begin(), r.payload.end()), sample_datagram());
  EXPECT_FALSE(f.next(r, error));
  EXPECT_TRUE(error.empty()) << "the end is not an error: " << error;
  ::unlink(path.c_str());
}

TEST(TraceReader, RefusesWhatIsNotATickwireTrace) {
  const std::string good = write_trace("base.pcap");
  const std::vector<std::uint8_t> bytes = read_all(good);
  ::unlink(good.c_str());
  auto open_bytes = [](const std::vector<std::uint8_t>& b, std::string& error) {
    tickwire::trace::TraceReader f;
    return f.open_memory(b, error);
  };
  std::string error;
  EXPECT_FALSE(open_bytes({}, error));
  EXPECT_NE(error.find("not a readable pcap"), std::string::npos) << error;
  EXPECT_FALSE(open_bytes({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'}, error));
  // Only the pcap header: no Meta record.
  EXPECT_FALSE(open_bytes({bytes.begin(), bytes.begin() + 24}, error));
  EXPECT_NE(error.find("empty"), std::string::npos) << error;
  // A newer version (the Meta record's payload starts at 24 + 16 + 29).
  std::vector<std::uint8_t> newer = bytes;
  newer[24 + 16 + 29 + 8] = tickwire::trace::kTraceVersion + 1;
  EXPECT_FALSE(open_bytes(newer, error));
  EXPECT_NE(error.find("version " + std::to_string(tickwire::trace::kTraceVersion + 1)),
            std::string::npos)
      << error;
  // Not tickwire's magic.
  std::vector<std::uint8_t> other = bytes;
  other[24 + 16 + 29] = 'X';
  EXPECT_FALSE(open_bytes(other, error));
  EXPECT_NE(error.find("TWTRACE1"), std::string::npos) << error;
  // Another protocol's captures: one packet each, of link type `link`.
  auto write_pcap = [](const std::string& path, int link, const std::vector<std::uint8_t>& packet) {
    pcap_t* p = pcap_open_dead(link, 65535);
    pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
    if (d == nullptr) return false;
    pcap_pkthdr h{};
    h.caplen = h.len = static_cast<bpf_u_int32>(packet.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, packet.data());
    pcap_dump_close(d);
    pcap_close(p);
    return true;
  };
  // Ethernet.
  const std::string eth = temp("eth.pcap");
  ASSERT_TRUE(write_pcap(eth, DLT_EN10MB, std::vector<std::uint8_t>(60, 0xAB)));
  tickwire::trace::TraceReader f;
  EXPECT_FALSE(f.open(eth, error));
  EXPECT_NE(error.find("link type 1"), std::string::npos) << error;
  ::unlink(eth.c_str());
  // Raw IPv4, tickwire's link type: a DNS query over UDP (its first payload
  // byte, 0x12, where a record has its kind), a TCP segment, a short packet.
  const std::vector<std::uint8_t> dns_query = {
      0x45, 0x00, 0x00, 0x39, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,  // IPv4, 57 B, UDP
      10,   0,    0,    1,    10,   0,    0,    2,                             // 10.0.0.1 -> .2
      0x04, 0xD2, 0x00, 0x35, 0x00, 0x25, 0x00, 0x00,                          // UDP 1234 -> 53
      0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // DNS header
      7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  3,    'c',  'o',  'm',
      0,    0x00, 0x01, 0x00, 0x01};  // A, IN
  std::vector<std::uint8_t> tcp = dns_query;
  tcp[9] = 6;
  const std::vector<std::uint8_t> tiny = {0x45, 0x00, 0x00, 0x14};
  for (const std::vector<std::uint8_t>* packet :
       std::initializer_list<const std::vector<std::uint8_t>*>{&dns_query, &tcp, &tiny}) {
    const std::string ipv4 = temp("ipv4.pcap");
    ASSERT_TRUE(write_pcap(ipv4, DLT_IPV4, *packet));
    EXPECT_FALSE(f.open(ipv4, error));
    EXPECT_NE(error.find("not a tickwire trace"), std::string::npos) << error;
    EXPECT_EQ(error.find("unknown kind"), std::string::npos) << error;
    ::unlink(ipv4.c_str());
  }
  // Cut inside the last record: the records before it read, then an error.
  std::vector<std::uint8_t> cut(bytes.begin(), bytes.end() - 5);
  tickwire::trace::TraceReader g;
  ASSERT_TRUE(g.open_memory(cut, error)) << error;
  tickwire::trace::Record r;
  int read = 0;
  while (g.next(r, error)) ++read;
  EXPECT_EQ(read, 2);
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
}

TEST(EnetDatagram, ParsesCommandsAndRefusesEveryTruncation) {
  const std::vector<std::uint8_t> d = sample_datagram();
  tickwire::trace::EnetDatagram out;
  std::string error;
  ASSERT_TRUE(tickwire::trace::parse_enet(d, out, error)) << error;
  EXPECT_EQ(out.peer_id, 5);
  EXPECT_TRUE(out.has_sent_time);
  EXPECT_EQ(out.sent_time, 1234);
  ASSERT_EQ(out.count, 2u);
  EXPECT_EQ(out.commands[0].type, 6);
  EXPECT_TRUE(out.commands[0].ack_wanted);
  EXPECT_EQ(out.commands[0].channel, 1);
  EXPECT_EQ(out.commands[0].reliable_seq, 7);
  EXPECT_EQ(std::string(out.commands[0].data.begin(), out.commands[0].data.end()), "hi");
  EXPECT_EQ(out.commands[1].type, 1);
  EXPECT_EQ(out.commands[1].acked_seq, 2);
  EXPECT_EQ(out.commands[1].acked_sent_time, 1232);
  // Every shorter prefix but the command boundaries (4 and 12) is refused,
  // with a reason.
  for (std::size_t n = 0; n < d.size(); ++n) {
    const bool ok = tickwire::trace::parse_enet({d.data(), n}, out, error);
    EXPECT_EQ(ok, n == 4 || n == 12) << n;
    if (!ok) {
      EXPECT_FALSE(error.empty()) << n;
    }
  }
  // A length past the end.
  std::vector<std::uint8_t> lying = d;
  lying[9] = 200;
  EXPECT_FALSE(tickwire::trace::parse_enet(lying, out, error));
  EXPECT_NE(error.find("claims 200"), std::string::npos) << error;
}

}  // namespace
