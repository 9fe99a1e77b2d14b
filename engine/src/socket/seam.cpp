// tickwire's enet_socket_send and enet_socket_receive.
//
// libenet.so calls these two functions through its PLT, so the definitions in
// the program that links tickwire take the place of ENet's own. They must
// keep default visibility (the engine is built with hidden visibility) and
// this object must be linked: attach() lives here and host creation calls it.
#include "socket/seam.hpp"

#include <netinet/in.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <mutex>

#include "socket/datagram_io.hpp"

namespace tickwire::socket {
namespace {

constexpr int kMaxFd = 65536;
// Readers (the seam) load with acquire; attach/detach store with release.
// Each pipeline is used only by the thread that services its host.
std::array<std::atomic<Pipeline*>, kMaxFd> g_pipelines{};

Pipeline* lookup(ENetSocket fd) noexcept {
  if (fd < 0 || fd >= kMaxFd) return nullptr;
  return g_pipelines[static_cast<std::size_t>(fd)].load(std::memory_order_acquire);
}

// Plain pass-through for sockets tickwire does not own (bare ENet hosts in
// benchmarks and tests), through the same datagram I/O as the pipeline's.
// Same results as ENet's own unix implementation, except that an oversized
// datagram is skipped instead of failing the host.
int plain_send(ENetSocket fd, const ENetAddress* address, const ENetBuffer* buffers,
               std::size_t count) {
  static_assert(sizeof(ENetBuffer) == sizeof(iovec));
  const Endpoint to = address ? Endpoint{address->host, address->port} : Endpoint{};
  const long sent = UdpSocketIo(fd).send(to, reinterpret_cast<const iovec*>(buffers), count);
  return static_cast<int>(sent);
}

int plain_receive(ENetSocket fd, ENetAddress* address, ENetBuffer* buffers, std::size_t count) {
  if (count == 0) return 0;
  UdpSocketIo io(fd);
  const std::span<std::uint8_t> buffer(static_cast<std::uint8_t*>(buffers[0].data),
                                       buffers[0].dataLength);
  for (;;) {
    Endpoint from;
    std::size_t length = 0;
    switch (io.receive(buffer, from, length)) {
      case DatagramIo::Read::Datagram:
        if (address != nullptr) *address = ENetAddress{from.host, from.port};
        return static_cast<int>(length);
      case DatagramIo::Read::Empty: return 0;
      case DatagramIo::Read::Dead: return -1;
      case DatagramIo::Read::Dropped:
      case DatagramIo::Read::Error: break;
    }
  }
}

// The self-check's probe: counts what passes through the seam for one socket.
struct Probe {
  ENetSocket fd = ENET_SOCKET_NULL;
  std::atomic<int> sends{0};
  std::atomic<int> receives{0};
};
std::atomic<Probe*> g_probe{nullptr};

Status run_self_check() {
  if (enet_initialize() != 0) return {Errc::SocketError, "enet_initialize failed"};
  ENetAddress bind{};
  bind.host = htonl(INADDR_LOOPBACK);
  bind.port = 0;
  ENetHost* host = enet_host_create(&bind, 1, 1, 0, 0);
  if (host == nullptr)
    return {Errc::SocketError, "seam self-check: cannot open a loopback ENet host"};
  Probe probe;
  probe.fd = host->socket;
  g_probe.store(&probe, std::memory_order_release);

  ENetAddress self{};
  enet_socket_get_address(host->socket, &self);
  self.host = htonl(INADDR_LOOPBACK);
  ENetPeer* peer = enet_host_connect(host, &self, 1, 0);
  if (peer != nullptr) {
    enet_host_flush(host);  // ENet -> PLT -> enet_socket_send
    ENetEvent event;
    for (int i = 0; i < 50 && probe.receives.load() == 0; ++i) {
      enet_host_service(host, &event, 2);  // ENet -> PLT -> enet_socket_receive
    }
    enet_peer_reset(peer);
  }
  g_probe.store(nullptr, std::memory_order_release);
  enet_host_destroy(host);

  if (probe.sends.load() == 0 || probe.receives.load() == 0) {
    return {Errc::SeamUnavailable,
            "ENet does not call tickwire's datagram seam (enet_socket_send/receive are bound "
            "inside libenet), so traffic would bypass it; refusing to open a host. Link "
            "tickwire::engine statically into the executable and libenet dynamically."};
  }
  return {};
}

}  // namespace

Status ensure_seam() {
  static std::once_flag once;
  static Status result;
  std::call_once(once, [] { result = run_self_check(); });
  return result;
}

Status attach(int fd, Pipeline* pipeline) {
  if (fd < 0 || fd >= kMaxFd) {
    return {Errc::SocketError,
            "socket descriptor " + std::to_string(fd) + " is beyond the seam's registry"};
  }
  pipeline->set_fd(fd);
  g_pipelines[static_cast<std::size_t>(fd)].store(pipeline, std::memory_order_release);
  return {};
}

void detach(int fd) noexcept {
  if (fd >= 0 && fd < kMaxFd)
    g_pipelines[static_cast<std::size_t>(fd)].store(nullptr, std::memory_order_release);
}

}  // namespace tickwire::socket

using tickwire::socket::g_probe;
using tickwire::socket::lookup;

extern "C" {

__attribute__((visibility("default"))) int enet_socket_send(ENetSocket fd,
                                                            const ENetAddress* address,
                                                            const ENetBuffer* buffers,
                                                            std::size_t count) {
  if (tickwire::socket::Pipeline* pipeline = lookup(fd))
    return pipeline->on_send(address, buffers, count);
  if (auto* probe = g_probe.load(std::memory_order_acquire); probe && probe->fd == fd)
    probe->sends.fetch_add(1);
  return tickwire::socket::plain_send(fd, address, buffers, count);
}

__attribute__((visibility("default"))) int enet_socket_receive(ENetSocket fd, ENetAddress* address,
                                                               ENetBuffer* buffers,
                                                               std::size_t count) {
  if (tickwire::socket::Pipeline* pipeline = lookup(fd))
    return pipeline->on_receive(address, buffers, count);
  const int got = tickwire::socket::plain_receive(fd, address, buffers, count);
  if (auto* probe = g_probe.load(std::memory_order_acquire); probe && probe->fd == fd && got > 0)
    probe->receives.fetch_add(1);
  return got;
}

}  // extern "C"
