#include "socket/datagram_io.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace tickwire::socket {

long UdpSocketIo::send(Endpoint to, const iovec* parts, std::size_t count) noexcept {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = to.host;
  sin.sin_port = htons(to.port);
  msghdr msg{};
  msg.msg_name = &sin;
  msg.msg_namelen = sizeof(sin);
  msg.msg_iov = const_cast<iovec*>(parts);
  msg.msg_iovlen = count;
  ssize_t sent;
  do {
    sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent >= 0) return static_cast<long>(sent);
  // EAGAIN (buffer full), unreachable networks, ICMP errors: the datagram is
  // lost, as it would be on the wire. A closed or invalid socket is dead.
  return errno == EBADF || errno == ENOTSOCK ? -1 : 0;
}

DatagramIo::Read UdpSocketIo::receive(std::span<std::uint8_t> buffer, Endpoint& from,
                                      std::size_t& length) noexcept {
  sockaddr_in sin{};
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_name = &sin;
  msg.msg_namelen = sizeof(sin);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t got;
  do {
    got = ::recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_TRUNC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Read::Empty;
    // A queued ICMP error: the socket is still fine.
    if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) return Read::Error;
    return Read::Dead;
  }
  from = Endpoint{sin.sin_addr.s_addr, ntohs(sin.sin_port)};
  length = static_cast<std::size_t>(got);
  // MSG_TRUNC makes recvmsg return the real length: larger than the buffer
  // means it did not fit. An empty datagram carries nothing.
  if (length > buffer.size() || (msg.msg_flags & MSG_TRUNC) || got == 0) return Read::Dropped;
  return Read::Datagram;
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
