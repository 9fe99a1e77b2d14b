// Seeds for fuzz_trace: small traces written by the engine's own capture
// writer (a Meta record, handshake and keep-alive records, ENet datagrams
// of every command kind tw-trace parses, and Direct records of the direct
// lane: well-formed ones each way, one-byte and two-byte lengths, and a
// malformed one).
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "socket/direct_frames.hpp"
#include "trace/capture.hpp"

namespace {

using tickwire::trace::CaptureWriter;
using tickwire::trace::Direction;
using tickwire::trace::RecordKind;

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  put16(v, static_cast<std::uint16_t>(x >> 16));
  put16(v, static_cast<std::uint16_t>(x));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_trace_seeds DIR\n");
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/trace";
  ::mkdir(argv[1], 0755);
  ::mkdir(dir.c_str(), 0755);
  CaptureWriter w;
  const tickwire::socket::Endpoint local{0x0100007f, 27015}, remote{0x0100007f, 40000};
  if (!w.open(dir + "/match.pcap", 1u << 20, "server", 0x6172656e61303031ull, local, 0,
              1'700'000'000'000'000, {})) {
    std::fprintf(stderr, "make_trace_seeds: cannot write %s\n", dir.c_str());
    return 1;
  }
  w.record(10, Direction::In, RecordKind::Handshake, remote, std::vector<std::uint8_t>(64, 0));
  w.record(20, Direction::Out, RecordKind::KeepAlive, remote, {});
  // A datagram with a sent time: SEND_RELIABLE (5 bytes), ACK, SEND_UNRELIABLE, a fragment.
  std::vector<std::uint8_t> d;
  put16(d, 0x8001);
  put16(d, 1234);
  d.insert(d.end(), {0x86, 0x00});
  put16(d, 7);
  put16(d, 5);
  d.insert(d.end(), {'h', 'e', 'l', 'l', 'o'});
  d.insert(d.end(), {0x01, 0x00});
  put16(d, 6);
  put16(d, 6);
  put16(d, 1200);
  d.insert(d.end(), {0x07, 0x01});
  put16(d, 7);
  put16(d, 3);
  put16(d, 2);
  d.insert(d.end(), {1, 2});
  d.insert(d.end(), {0x88, 0x00});
  put16(d, 8);
  put16(d, 8);
  put16(d, 3);
  put32(d, 2);
  put32(d, 0);
  put32(d, 6);
  put32(d, 0);
  d.insert(d.end(), {9, 9, 9});
  w.record(30, Direction::Out, RecordKind::Enet, remote, d);
  w.record(40, Direction::In, RecordKind::Enet, remote, d);
  w.record(50, Direction::In, RecordKind::Replayed, remote, d);  // its copy, dropped
  // The direct lane: to the client (peer 0, session 1), two messages, one
  // with a two-byte length; from it (peer 3, session 2), an empty one; then
  // a frame that does not fit.
  std::vector<std::uint8_t> direct;
  tickwire::socket::begin_direct(direct, 0x1000);
  tickwire::socket::append_direct_frame(direct, 1, std::vector<std::uint8_t>(5, 'a'));
  tickwire::socket::append_direct_frame(direct, 2, std::vector<std::uint8_t>(300, 'b'));
  w.record(60, Direction::Out, RecordKind::Direct, remote, direct);
  tickwire::socket::begin_direct(direct, 0x2003);
  tickwire::socket::append_direct_frame(direct, 0, {});
  w.record(70, Direction::In, RecordKind::Direct, remote, direct);
  w.record(80, Direction::In, RecordKind::Direct, remote,
           std::vector<std::uint8_t>{0x03, 0x20, 1, 0x85, 0x01, 'c'});
  w.close();
  return 0;
}
