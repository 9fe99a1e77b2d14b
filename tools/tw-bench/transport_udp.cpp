// Raw UDP baseline: plain non-blocking sockets, no ENet, no tickwire. The
// throughput it reports is unreliable: bytes the receiver managed to read
// while the sender blasted datagrams; the rest the kernel dropped.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "transport_common.hpp"

namespace twbench {
namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Owns a socket descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(port);
  return sin;
}

void serve_udp(ServerShared& shared) {
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  if (sock.fd < 0) {
    return shared.fail(errno_text("socket"));
  }
  sockaddr_in bind_to = loopback(0);
  if (::bind(sock.fd, reinterpret_cast<sockaddr*>(&bind_to), sizeof(bind_to)) != 0) {
    return shared.fail(errno_text("bind"));
  }
  socklen_t length = sizeof(bind_to);
  if (::getsockname(sock.fd, reinterpret_cast<sockaddr*>(&bind_to), &length) != 0) {
    return shared.fail(errno_text("getsockname"));
  }
  shared.ready(ntohs(bind_to.sin_port));

  std::array<std::uint8_t, 2048> buffer{};
  std::uint64_t bulk = 0;
  while (!shared.stop.load(std::memory_order_relaxed)) {
    sockaddr_in from{};
    socklen_t from_length = sizeof(from);
    const ssize_t got = ::recvfrom(sock.fd, buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_length);
    if (got <= 0) {
      continue;  // nothing yet: keep polling
    }
    if (static_cast<std::size_t>(got) <= kPingBytes) {
      ::sendto(sock.fd, buffer.data(), static_cast<std::size_t>(got), 0,
               reinterpret_cast<sockaddr*>(&from), from_length);
    } else {
      bulk += static_cast<std::uint64_t>(got);
      shared.bulk_bytes.store(bulk, std::memory_order_relaxed);
    }
  }
}

class UdpLink {
 public:
  bool connect(std::uint16_t port) {
    sock_.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (sock_.fd < 0) {
      return fail(errno_text("socket"));
    }
    const sockaddr_in to = loopback(port);
    if (::connect(sock_.fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
      return fail(errno_text("connect"));
    }
    return true;
  }

  bool send_ping(std::span<const std::uint8_t> data) {
    if (::send(sock_.fd, data.data(), data.size(), 0) < 0 && errno != EAGAIN) {
      return fail(errno_text("send"));
    }
    return true;  // a datagram the kernel dropped is a lost ping
  }
  bool send_bulk(std::span<const std::uint8_t> data) {
    return ::send(sock_.fd, data.data(), data.size(), 0) >= 0;
  }
  std::size_t queued_bytes() const noexcept { return 0; }

  template <class F>
  bool service(F&& on_message) {
    for (;;) {
      const ssize_t got = ::recv(sock_.fd, buffer_.data(), buffer_.size(), 0);
      if (got < 0) {
        // A queued ICMP error (port unreachable) is not fatal for a datagram socket.
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) {
          return true;
        }
        return fail(errno_text("recv"));
      }
      if (on_message(
              std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(got)))) {
        return true;
      }
    }
  }
  const std::string& error() const noexcept { return error_; }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  Fd sock_;
  std::array<std::uint8_t, 2048> buffer_{};
  std::string error_;
};

}  // namespace

bool run_udp(const PhasePlan& plan, VariantSamples& out, std::string& error) {
  return run_variant<UdpLink>(serve_udp, plan, out, error);
}

}  // namespace twbench
