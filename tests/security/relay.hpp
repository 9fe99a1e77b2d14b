// A UDP relay between a client and a server on loopback, for the security
// tests: it forwards both ways, records every datagram, and lets a test drop,
// replay or inject datagrams as an on-path attacker could.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tickwire::test {

struct Datagram {
  bool to_server = false;  // direction
  std::vector<std::uint8_t> bytes;
};

inline int bound_udp(std::uint32_t host_order_ip = INADDR_LOOPBACK, std::uint16_t port = 0) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(host_order_ip);
  a.sin_port = htons(port);
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

inline void send_to(int fd, std::uint16_t port, const std::vector<std::uint8_t>& d,
                    std::uint32_t host_order_ip = INADDR_LOOPBACK) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(host_order_ip);
  a.sin_port = htons(port);
  (void)::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
}

class Relay {
 public:
  Relay() : front_(bound_udp()), back_(bound_udp()) {}
  void set_server_port(std::uint16_t port) { server_port_ = port; }
  ~Relay() {
    ::close(front_);
    ::close(back_);
  }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Where the client connects.
  [[nodiscard]] std::string address() const {
    return "127.0.0.1:" + std::to_string(port_of(front_));
  }
  // Return false from the filter to drop a datagram instead of forwarding it.
  std::function<bool(const Datagram&)> filter;
  std::vector<Datagram> recorded;

  void pump() {
    std::vector<std::uint8_t> buf(65536);
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      const ssize_t n =
          ::recvfrom(front_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) break;
      client_port_ = ntohs(from.sin_port);
      forward(true, {buf.begin(), buf.begin() + n});
    }
    for (;;) {
      const ssize_t n = ::recv(back_, buf.data(), buf.size(), 0);
      if (n < 0) break;
      forward(false, {buf.begin(), buf.begin() + n});
    }
  }
  // As if from the client (the server sees the relay's back address).
  void inject_to_server(const std::vector<std::uint8_t>& d) { send_to(back_, server_port_, d); }
  // As if from the server (the client sees the relay's front address).
  void inject_to_client(const std::vector<std::uint8_t>& d) { send_to(front_, client_port_, d); }
  [[nodiscard]] std::uint16_t client_port() const { return client_port_; }

 private:
  void forward(bool to_server, std::vector<std::uint8_t> bytes) {
    Datagram d{to_server, std::move(bytes)};
    if (filter && !filter(d)) return;
    if (to_server) {
      inject_to_server(d.bytes);
    } else {
      inject_to_client(d.bytes);
    }
    recorded.push_back(std::move(d));
  }

  int front_;
  int back_;
  std::uint16_t server_port_ = 0;
  std::uint16_t client_port_ = 0;
};

}  // namespace tickwire::test
