// The per-socket datagram pipeline beneath ENet.
//
//   send:    ENet -> [capture tap] -> secure: seal -> conditioner -> datagram I/O
//   receive: datagram I/O -> conditioner -> secure: open -> ENet command guard
//            -> [capture tap] -> ENet
//
// The direct lane (Direct packets) takes the same way, with the net layer's
// direct lane in ENet's place on both ends.
//
// The capture tap (trace/capture.hpp, when a capture is set) records each
// ENet datagram as ENet sees it, and the secure stage's own packets
// (handshake, keep-alives) as they travel. A Pipeline belongs to one ENet
// host and is used only from the thread that services that host. Everything
// it holds has a fixed capacity chosen at construction.
#pragma once

#include <enet/enet.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.hpp"
#include "socket/conditioner.hpp"
#include "socket/datagram_io.hpp"
#include "socket/endpoint_map.hpp"
#include "socket/enet_guard.hpp"
#include "socket/stage.hpp"
#include "tickwire/stats.hpp"
#include "trace/capture.hpp"

namespace tickwire::socket {

// Traffic to and from one remote endpoint, counted on the wire (after the
// conditioner on send, before it on receive).
struct PeerCounters {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_received = 0;
  DropCounters drops;
};

// Counters for the peers the net layer tracks.
using PeerTable = EndpointMap<PeerCounters>;

// Where the opened plaintext of a Direct packet goes (the net layer's direct
// lane): it checks and queues the messages, or refuses the datagram. True
// when taken: only then does the datagram keep its session alive.
class DirectSink {
 public:
  virtual bool deliver(Endpoint from, std::span<const std::uint8_t> plain) = 0;

 protected:
  ~DirectSink() = default;
};

class Pipeline final : public Wire {
 public:
  // `secure` seals and opens every datagram; it must outlive the pipeline.
  Pipeline(std::uint32_t max_peers, SecureStage& secure);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Datagram I/O on ENet's socket `fd` (what attach() sets up).
  void set_fd(int fd);
  // Datagram I/O through `io` instead (an in-memory link in tests); it must
  // outlive the pipeline or be replaced first.
  void set_io(DatagramIo* io) noexcept { io_ = io; }
  [[nodiscard]] DatagramIo* io() const noexcept { return io_; }
  // The ENet host whose datagrams these are, and what its command guard
  // allows. Until it is set, opened datagrams go to ENet unchecked (only the
  // seam's self-check host, which never sees a remote sender).
  void set_guard(ENetHost* host, const GuardLimits& limits) noexcept {
    host_ = host;
    guard_ = limits;
  }
  // Where opened Direct packets go; without one they are dropped (malformed).
  void set_direct_sink(DirectSink* sink) noexcept { direct_sink_ = sink; }
  void set_conditioner(const LinkConditionerSettings& settings);
  // Records traffic into `capture` (nullptr: none); it must outlive the
  // pipeline or be unset first.
  void set_capture(trace::CaptureWriter* capture) noexcept { capture_ = capture; }

  // Bytes the pipeline adds to every datagram; ENet's MTU is reduced by it.
  [[nodiscard]] std::uint32_t overhead() const noexcept { return secure_.overhead(); }

  // The seam's entry points, with ENet's contracts: send returns the bytes
  // "sent" (0 = dropped) or -1; receive returns the length, 0 for "nothing
  // more", never 0 for a dropped datagram, and -1 only for a dead socket.
  int on_send(const ENetAddress* address, const ENetBuffer* buffers, std::size_t count);
  int on_receive(ENetAddress* address, ENetBuffer* buffers, std::size_t count);

  // The direct lane's way out: `plain` (socket/direct_frames.hpp) sealed as
  // one Direct packet to `to`, recorded by a capture like ENet's datagrams.
  // False when it was not sent (no session, too large, lost: counted).
  bool send_direct(Endpoint to, std::span<const std::uint8_t> plain);

  // Reads what the socket holds while it is Direct packets, and hands them
  // to the direct sink; stops at the first datagram that may be ENet's,
  // which ENet's next read takes first. True when something waits for ENet
  // (such a datagram, a dead socket, or an active incoming conditioner,
  // whose datagrams only ENet's read releases).
  bool read_direct();

  // Runs the secure stage's timers and sends every held outgoing datagram
  // that is due, at `now_us`: the caller's one clock read for this update.
  // Until the next pump(), datagrams are stamped with that time, unless a
  // capture or a conditioner is active (those need each datagram's own).
  // Call before servicing ENet.
  void pump(std::uint64_t now_us);

  // Wire: the secure stage's own datagrams and drops.
  void transmit(Endpoint to, std::span<const std::uint8_t> datagram) override;
  void drop(Endpoint peer, std::uint64_t DropCounters::*cause) override { count_drop(peer, cause); }
  [[nodiscard]] bool recording(Endpoint peer) const noexcept override;
  void replayed(Endpoint peer, std::span<const std::uint8_t> plain, std::uint64_t now_us) override;
  // Replayed records a capture takes per second at most: copies an on-path
  // attacker sends again must not fill the trace.
  static constexpr std::uint32_t kReplayedPerSecond = 1000;
  // True when the last receive call ended because ENet stopped asking, not
  // because the socket ran dry: the caller should service ENet again.
  [[nodiscard]] bool more_to_read() const noexcept { return !last_receive_empty_; }

  [[nodiscard]] PeerTable& peers() noexcept { return peers_; }
  [[nodiscard]] const DropCounters& drops() const noexcept { return drops_; }
  [[nodiscard]] std::uint64_t seam_sent() const noexcept { return seam_sent_; }
  [[nodiscard]] std::uint64_t seam_received() const noexcept { return seam_received_; }
  [[nodiscard]] std::uint64_t wire_sent() const noexcept { return wire_sent_; }
  [[nodiscard]] std::uint64_t wire_received() const noexcept { return wire_received_; }
  [[nodiscard]] std::uint64_t direct_sent() const noexcept { return direct_sent_; }
  [[nodiscard]] std::uint64_t direct_received() const noexcept { return direct_received_; }
  [[nodiscard]] const Conditioner& outgoing() const noexcept { return out_; }
  [[nodiscard]] const Conditioner& incoming() const noexcept { return in_; }

 private:
  using Read = DatagramIo::Read;
  // One datagram from the I/O into `buffer`, counted; fills `from` and `length`.
  Read read_wire(std::uint8_t* buffer, std::size_t capacity, Endpoint& from, std::size_t& length);
  // One datagram to the I/O, counted; false when it was lost (counted).
  bool write_wire(Endpoint to, std::span<const std::uint8_t> datagram);
  void count_drop(Endpoint peer, std::uint64_t DropCounters::*cause);

  // After the secure stage: conditioner or straight to the socket.
  void send_sealed(Endpoint to, std::span<const std::uint8_t> datagram);
  void pump_conditioner();
  // A datagram's time: the update's, or the clock's when a capture or a
  // conditioner needs it exact.
  [[nodiscard]] std::uint64_t now() const noexcept;
  // An opened Direct packet: to the capture and the direct sink.
  bool take_direct(Endpoint from, std::span<const std::uint8_t> plain, std::uint64_t now);
  // Moves what the socket holds into the incoming conditioner's delay queue.
  void drain_into_conditioner(std::uint64_t now_us);

  std::unique_ptr<DatagramIo> socket_io_;  // the UDP socket's, once set_fd() ran
  DatagramIo* io_ = nullptr;               // where datagrams go: socket_io_ or set_io()'s
  // The secure stage's own packet (not a Payload) on the wire, to the capture.
  void capture_control(trace::Direction dir, Endpoint peer, std::span<const std::uint8_t> wire,
                       std::uint64_t now);

  ENetHost* host_ = nullptr;
  trace::CaptureWriter* capture_ = nullptr;
  DirectSink* direct_sink_ = nullptr;
  GuardLimits guard_;
  SecureStage& secure_;
  PeerTable peers_;
  Conditioner out_;
  Conditioner in_;
  std::vector<std::uint8_t> scratch_;  // kMaxDatagram + 1 bytes, for reading
  std::vector<std::uint8_t> opened_;   // kMaxDatagram bytes: Direct packets read_direct() opens
  std::size_t stashed_ = 0;            // a datagram read_direct() left in scratch_ for ENet
  Endpoint stashed_from_;
  // kMaxDatagram + overhead bytes: ENet's datagram is gathered at kHeadRoom
  // and sealed where it lies.
  std::vector<std::uint8_t> sealed_;
  std::vector<std::uint8_t> held_;  // a datagram taken from a conditioner
  bool last_receive_empty_ = true;
  std::uint64_t now_us_ = 0;           // the last pump()'s time
  std::uint64_t replayed_second_ = 0;  // the second (of now_us) they are counted in
  std::uint32_t replayed_in_second_ = 0;
  DropCounters drops_;
  std::uint64_t seam_sent_ = 0;
  std::uint64_t seam_received_ = 0;
  std::uint64_t wire_sent_ = 0;
  std::uint64_t wire_received_ = 0;
  std::uint64_t direct_sent_ = 0;
  std::uint64_t direct_received_ = 0;
};

}  // namespace tickwire::socket
