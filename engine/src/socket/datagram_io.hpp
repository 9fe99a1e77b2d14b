// Datagram I/O beneath the seam: the one place where tickwire's datagrams
// meet the operating system. A Pipeline reads and writes through a
// DatagramIo; the default is a UDP socket (UdpSocketIo), and a test can put
// an in-memory link (MemoryLink) in its place, so the secure stage, the
// conditioner and the capture tap run unchanged over either.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "socket/endpoint.hpp"

namespace tickwire::socket {

class DatagramIo {
 public:
  enum class Read : std::uint8_t {
    Datagram,  // one datagram: `from` and `length` are set
    Empty,     // nothing waits
    Dropped,   // one was taken and refused (larger than the buffer, or empty): `from` is set
    Error,     // a queued error (an ICMP report) was taken; the socket is fine
    Dead,      // the socket failed for good
  };
  virtual ~DatagramIo() = default;

  // Sends one datagram to `to`, gathered from `parts`. The bytes sent; 0 when
  // it was lost (the OS would block, or refused it: as on the wire); -1 when
  // the socket failed for good.
  virtual long send(Endpoint to, const iovec* parts, std::size_t count) noexcept = 0;
  // Takes one datagram into `buffer`, without blocking.
  virtual Read receive(std::span<std::uint8_t> buffer, Endpoint& from,
                       std::size_t& length) noexcept = 0;
  // A descriptor that polls readable when receive() has something, or -1.
  [[nodiscard]] virtual int wait_fd() const noexcept = 0;
  // True when receive() has datagrams already taken from the OS, which
  // polling wait_fd() would not show.
  [[nodiscard]] virtual bool pending() const noexcept { return false; }
  // Talks to `peer` only from now on (a client's one server), where that
  // makes sending cheaper; false when the I/O does not (nothing changes).
  virtual bool connect(Endpoint /*peer*/) noexcept { return false; }
};

// A bound IPv4 UDP socket (ENet's): sendmsg and recvmsg, non-blocking, one
// datagram per system call. Holds no state but the descriptor.
class UdpSocketIo final : public DatagramIo {
 public:
  explicit UdpSocketIo(int fd) noexcept : fd_(fd) {}
  long send(Endpoint to, const iovec* parts, std::size_t count) noexcept override;
  Read receive(std::span<std::uint8_t> buffer, Endpoint& from,
               std::size_t& length) noexcept override;
  [[nodiscard]] int wait_fd() const noexcept override { return fd_; }

 private:
  int fd_;
};

// The same socket read in batches: one recvmmsg takes up to kBatch
// datagrams, and receive() hands them out one by one. A batch that came back
// short found the socket dry, so the receive() after its last datagram
// answers Empty without a system call (what arrived since is read by the
// next round of receives). A reader that stops at the first Empty (ENet's
// receive loop) thus makes one system call per batch instead of one per
// datagram plus one to find the socket empty.
//
// Under light traffic that does not pay: for one datagram, recvmmsg costs
// the kernel about 1 us more than recvfrom (it copies a message header and
// vector per slot, and tries a second slot to find the socket dry), more
// than the empty recvfrom it saves. So after a batch of at most one
// datagram the I/O reads one datagram per recvfrom, straight into the
// caller's buffer, until kSingleStreak come back to back; then batches
// again.
class UdpBatchIo final : public DatagramIo {
 public:
  static constexpr std::size_t kBatch = 32;
  static constexpr std::size_t kSingleStreak = 2;
  // Datagrams longer than `max_datagram` are taken and dropped.
  UdpBatchIo(int fd, std::size_t max_datagram);
  ~UdpBatchIo() override;
  UdpBatchIo(const UdpBatchIo&) = delete;
  UdpBatchIo& operator=(const UdpBatchIo&) = delete;

  long send(Endpoint to, const iovec* parts, std::size_t count) noexcept override;
  // connect()s the socket: the kernel keeps the route to `peer` (sends to it
  // name no address), and drops datagrams from anyone else.
  bool connect(Endpoint peer) noexcept override;
  Read receive(std::span<std::uint8_t> buffer, Endpoint& from,
               std::size_t& length) noexcept override;
  [[nodiscard]] int wait_fd() const noexcept override { return fd_; }
  [[nodiscard]] bool pending() const noexcept override { return next_ < taken_; }
  // System calls that read (for tests: the batching must show in them).
  [[nodiscard]] std::uint64_t reads() const noexcept { return reads_; }

 private:
  struct Slots;
  // One recvmmsg into the slots: the count taken, or -1 with errno set.
  int read_batch() noexcept;
  // One recvfrom into `buffer` (light traffic).
  Read read_one(std::span<std::uint8_t> buffer, Endpoint& from, std::size_t& length) noexcept;
  int fd_;
  std::size_t max_datagram_;
  std::unique_ptr<Slots> slots_;
  std::size_t taken_ = 0;   // datagrams the last recvmmsg took
  std::size_t next_ = 0;    // the next one receive() hands out
  bool dry_ = false;        // the last recvmmsg came back short
  bool single_ = false;     // reading one datagram per call (light traffic)
  std::size_t streak_ = 0;  // datagrams read back to back in that mode
  bool connected_ = false;
  Endpoint peer_;  // when connected_
  std::uint64_t reads_ = 0;
};

// Two endpoints joined in memory: what one sends the other receives, in
// order, with nothing lost (put a Conditioner in the pipeline for that).
// Bounded: a side holds at most `capacity` datagrams; beyond that a send is
// lost, as a full socket buffer would lose it. Single-threaded.
class MemoryLink {
 public:
  MemoryLink(Endpoint a, Endpoint b, std::size_t capacity = 4096);
  ~MemoryLink();
  MemoryLink(const MemoryLink&) = delete;
  MemoryLink& operator=(const MemoryLink&) = delete;
  // The two sides; each lives as long as the link.
  [[nodiscard]] DatagramIo& side_a() noexcept;
  [[nodiscard]] DatagramIo& side_b() noexcept;

 private:
  class Side;
  std::unique_ptr<Side> a_, b_;
};

}  // namespace tickwire::socket
