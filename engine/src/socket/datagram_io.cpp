#include "socket/datagram_io.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace tickwire::socket {

namespace {

// What a failed read's errno means.
DatagramIo::Read read_failure(int error) noexcept {
  if (error == EAGAIN || error == EWOULDBLOCK) return DatagramIo::Read::Empty;
  // A queued ICMP error: the socket is still fine.
  if (error == ECONNREFUSED || error == EHOSTUNREACH || error == ENETUNREACH)
    return DatagramIo::Read::Error;
  return DatagramIo::Read::Dead;
}

// Sends `parts` with sendmsg (to `name`, or to the connected peer when
// null): the bytes sent, 0 when the datagram was lost (EAGAIN, unreachable
// networks, ICMP errors: as it would be on the wire), -1 when the socket is
// dead (closed or invalid).
long send_parts(int fd, sockaddr_in* name, const iovec* parts, std::size_t count) noexcept {
  ssize_t sent;
  if (count == 1) {
    // One buffer: sendto copies no message header or vector from the
    // caller, which costs the kernel less than sendmsg.
    do {
      sent = ::sendto(fd, parts[0].iov_base, parts[0].iov_len, MSG_NOSIGNAL,
                      reinterpret_cast<const sockaddr*>(name), name ? sizeof(*name) : 0);
    } while (sent < 0 && errno == EINTR);
    if (sent >= 0) return static_cast<long>(sent);
    return errno == EBADF || errno == ENOTSOCK ? -1 : 0;
  }
  msghdr msg{};
  if (name != nullptr) {
    msg.msg_name = name;
    msg.msg_namelen = sizeof(*name);
  }
  msg.msg_iov = const_cast<iovec*>(parts);
  msg.msg_iovlen = count;
  do {
    sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent >= 0) return static_cast<long>(sent);
  return errno == EBADF || errno == ENOTSOCK ? -1 : 0;
}

}  // namespace

long UdpSocketIo::send(Endpoint to, const iovec* parts, std::size_t count) noexcept {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = to.host;
  sin.sin_port = htons(to.port);
  return send_parts(fd_, &sin, parts, count);
}

DatagramIo::Read UdpSocketIo::receive(std::span<std::uint8_t> buffer, Endpoint& from,
                                      std::size_t& length) noexcept {
  sockaddr_in sin{};
  socklen_t name_length = sizeof(sin);
  ssize_t got;
  do {
    got = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC,
                     reinterpret_cast<sockaddr*>(&sin), &name_length);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return read_failure(errno);
  from = Endpoint{sin.sin_addr.s_addr, ntohs(sin.sin_port)};
  length = static_cast<std::size_t>(got);
  // MSG_TRUNC makes recvfrom return the real length: larger than the buffer
  // means it did not fit. An empty datagram carries nothing.
  if (length > buffer.size() || got == 0) return Read::Dropped;
  return Read::Datagram;
}

struct UdpBatchIo::Slots {
  explicit Slots(std::size_t max_datagram) : bytes(UdpBatchIo::kBatch * max_datagram) {}
  std::vector<std::uint8_t> bytes;  // kBatch slots of max_datagram bytes
  std::array<mmsghdr, UdpBatchIo::kBatch> headers{};
  std::array<iovec, UdpBatchIo::kBatch> parts{};
  std::array<sockaddr_in, UdpBatchIo::kBatch> names{};
};

UdpBatchIo::UdpBatchIo(int fd, std::size_t max_datagram)
    : fd_(fd), max_datagram_(max_datagram), slots_(std::make_unique<Slots>(max_datagram)) {
  Slots& s = *slots_;
  for (std::size_t i = 0; i < kBatch; ++i) {
    s.parts[i] = iovec{s.bytes.data() + i * max_datagram_, max_datagram_};
    s.headers[i].msg_hdr.msg_name = &s.names[i];
    s.headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    s.headers[i].msg_hdr.msg_iov = &s.parts[i];
    s.headers[i].msg_hdr.msg_iovlen = 1;
  }
}

UdpBatchIo::~UdpBatchIo() = default;

bool UdpBatchIo::connect(Endpoint peer) noexcept {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = peer.host;
  sin.sin_port = htons(peer.port);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sin), sizeof(sin)) != 0) return false;
  connected_ = true;
  peer_ = peer;
  return true;
}

long UdpBatchIo::send(Endpoint to, const iovec* parts, std::size_t count) noexcept {
  if (!connected_ || !(to == peer_)) return UdpSocketIo(fd_).send(to, parts, count);
  return send_parts(fd_, nullptr, parts, count);  // the connected peer: no name
}

DatagramIo::Read UdpBatchIo::receive(std::span<std::uint8_t> buffer, Endpoint& from,
                                     std::size_t& length) noexcept {
  Slots& s = *slots_;
  if (next_ == taken_) {
    if (dry_) {
      dry_ = false;
      return Read::Empty;
    }
    if (single_) return read_one(buffer, from, length);
    if (read_batch() < 0) {
      const int error = errno;
      // An empty socket is light traffic too.
      if (error == EAGAIN || error == EWOULDBLOCK) single_ = true;
      return read_failure(error);
    }
    // Light traffic: one datagram at a time is cheaper (see read_one).
    single_ = taken_ <= 1;
    streak_ = 0;
    if (taken_ == 0) return Read::Empty;
  }
  const std::size_t i = next_++;
  const mmsghdr& h = s.headers[i];
  from = Endpoint{s.names[i].sin_addr.s_addr, ntohs(s.names[i].sin_port)};
  length = h.msg_len;
  // As UdpSocketIo: the real length (MSG_TRUNC) larger than the slot or the
  // caller's buffer did not fit; an empty datagram carries nothing.
  if (length > max_datagram_ || length > buffer.size() || (h.msg_hdr.msg_flags & MSG_TRUNC) ||
      length == 0)
    return Read::Dropped;
  std::memcpy(buffer.data(), s.parts[i].iov_base, length);
  return Read::Datagram;
}

DatagramIo::Read UdpBatchIo::read_one(std::span<std::uint8_t> buffer, Endpoint& from,
                                      std::size_t& length) noexcept {
  sockaddr_in sin{};
  socklen_t name_length = sizeof(sin);
  ssize_t got;
  do {
    got = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC,
                     reinterpret_cast<sockaddr*>(&sin), &name_length);
  } while (got < 0 && errno == EINTR);
  ++reads_;
  if (got < 0) {
    streak_ = 0;
    return read_failure(errno);
  }
  // Datagrams back to back: a queue is building, so batches pay again.
  if (++streak_ >= kSingleStreak) single_ = false;
  from = Endpoint{sin.sin_addr.s_addr, ntohs(sin.sin_port)};
  length = static_cast<std::size_t>(got);
  // As in a batch: the real length (MSG_TRUNC) over the slot size or the
  // caller's buffer did not fit; an empty datagram carries nothing.
  if (length > max_datagram_ || length > buffer.size() || got == 0) return Read::Dropped;
  return Read::Datagram;
}

int UdpBatchIo::read_batch() noexcept {
  Slots& s = *slots_;
  // The kernel wrote the name lengths of the slots the last batch filled.
  for (std::size_t i = 0; i < taken_; ++i) s.headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
  int got;
  do {
    got = ::recvmmsg(fd_, s.headers.data(), kBatch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (got < 0 && errno == EINTR);
  ++reads_;
  taken_ = 0;
  next_ = 0;
  dry_ = false;
  if (got < 0) return got;
  taken_ = static_cast<std::size_t>(got);
  dry_ = taken_ > 0 && taken_ < kBatch;
  return got;
}

class MemoryLink::Side final : public DatagramIo {
 public:
  Side(Endpoint self, std::size_t capacity) : self_(self), capacity_(capacity) {}
  void connect(Side* peer) noexcept { peer_ = peer; }

  long send(Endpoint to, const iovec* parts, std::size_t count) noexcept override {
    if (!(to == peer_->self_) || peer_->queue_.size() >= peer_->capacity_) return 0;
    std::vector<std::uint8_t> datagram;
    for (std::size_t i = 0; i < count; ++i) {
      const auto* p = static_cast<const std::uint8_t*>(parts[i].iov_base);
      datagram.insert(datagram.end(), p, p + parts[i].iov_len);
    }
    const long size = static_cast<long>(datagram.size());
    peer_->queue_.push_back(std::move(datagram));
    return size;
  }
  Read receive(std::span<std::uint8_t> buffer, Endpoint& from,
               std::size_t& length) noexcept override {
    if (queue_.empty()) return Read::Empty;
    std::vector<std::uint8_t> datagram = std::move(queue_.front());
    queue_.pop_front();
    from = peer_->self_;
    length = datagram.size();
    if (datagram.empty() || datagram.size() > buffer.size()) return Read::Dropped;
    std::memcpy(buffer.data(), datagram.data(), datagram.size());
    return Read::Datagram;
  }
  [[nodiscard]] int wait_fd() const noexcept override { return -1; }

 private:
  Endpoint self_;
  std::size_t capacity_;
  Side* peer_ = nullptr;
  std::deque<std::vector<std::uint8_t>> queue_;
};

MemoryLink::MemoryLink(Endpoint a, Endpoint b, std::size_t capacity)
    : a_(std::make_unique<Side>(a, capacity)), b_(std::make_unique<Side>(b, capacity)) {
  a_->connect(b_.get());
  b_->connect(a_.get());
}

MemoryLink::~MemoryLink() = default;

DatagramIo& MemoryLink::side_a() noexcept {
  return *a_;
}
DatagramIo& MemoryLink::side_b() noexcept {
  return *b_;
}

}  // namespace tickwire::socket
