// The datagram seam: tickwire's definitions of enet_socket_send and
// enet_socket_receive (seam.cpp) route every datagram of a registered socket
// through its Pipeline. Sockets that are not registered pass straight through.
#pragma once

#include "socket/pipeline.hpp"
#include "tickwire/status.hpp"

namespace tickwire::socket {

// Proves once per process that libenet calls the engine's socket functions
// (by sending one datagram through a throw-away ENet host on loopback).
// Fails with Errc::SeamUnavailable if it does not: no host may then be
// created, since traffic would bypass the seam.
Status ensure_seam();

// Registers `pipeline` for `fd` until detach(fd). Fails for descriptors the
// registry cannot hold (>= 65536).
Status attach(int fd, Pipeline* pipeline);
void detach(int fd) noexcept;

}  // namespace tickwire::socket
