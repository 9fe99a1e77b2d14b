// The secure stage's place in the pipeline. The socket layer defines the
// interface; the secure layer implements it (layers only look down), and the
// net layer hands one to every Pipeline it creates. There is no pipeline
// without one, so nothing leaves a tickwire socket unsealed.
#pragma once

#include <cstdint>
#include <span>

#include "socket/endpoint.hpp"
#include "tickwire/stats.hpp"

namespace tickwire::socket {

// How a stage sends datagrams of its own (handshake packets, held datagrams
// once a session is up). They take the outgoing conditioner like the rest.
class Wire {
 public:
  virtual void transmit(Endpoint to, std::span<const std::uint8_t> datagram) = 0;
  // Counts a datagram the stage dropped, per host and per known peer.
  virtual void drop(Endpoint peer, std::uint64_t DropCounters::*cause) = 0;
  // True while a capture records datagrams from `peer`: only then does a
  // stage open a duplicate its replay window refused, to report it below.
  [[nodiscard]] virtual bool recording(Endpoint /*peer*/) const noexcept { return false; }
  // An authentic ENet datagram from `peer` received again (its sequence is
  // still in the replay window), opened at `now_us`. It goes no further.
  virtual void replayed(Endpoint /*peer*/, std::span<const std::uint8_t> /*plain*/,
                        std::uint64_t /*now_us*/) {}

 protected:
  ~Wire() = default;
};

// What a sealed datagram carries: one ENet datagram (a Payload), or
// messages of the direct lane (a Direct packet: docs/PROTOCOL.md, "The
// direct lane"), which never pass through ENet.
enum class Carrier : std::uint8_t { Enet, Direct };

class SecureStage {
 public:
  virtual ~SecureStage() = default;

  // The pipeline introduces itself before the first datagram.
  void attach(Wire* wire) noexcept { wire_ = wire; }

  // Bytes added to every ENet datagram; ENet's MTU is reduced by it.
  [[nodiscard]] virtual std::uint32_t overhead() const noexcept = 0;

  // Bytes a caller of seal_in_place leaves in front of the plaintext.
  static constexpr std::size_t kHeadRoom = 9;

  // ENet's datagram to `to`, in clear, at buffer[kHeadRoom, kHeadRoom +
  // plain_size); `buffer` holds at least plain_size + overhead() bytes. Seals
  // it where it lies: the header goes just before it and the tag just after,
  // so the datagram to put on the wire is buffer[start, start + the returned
  // size). Returns 0 when it must not be sent now (no session: held or
  // dropped, and counted by the stage).
  std::size_t seal_in_place(Endpoint to, std::span<std::uint8_t> buffer, std::size_t plain_size,
                            std::uint64_t now_us, std::size_t& start) {
    return seal_carried(to, buffer, plain_size, now_us, start, Carrier::Enet);
  }
  // The same for either carrier. A Direct packet is never held: without a
  // session it is dropped (and counted).
  virtual std::size_t seal_carried(Endpoint to, std::span<std::uint8_t> buffer,
                                   std::size_t plain_size, std::uint64_t now_us, std::size_t& start,
                                   Carrier carrier) = 0;
  // The same with the datagram copied: `plain` in, the sealed datagram at
  // the start of `out` (at least plain.size() + overhead() bytes).
  std::size_t seal(Endpoint to, std::span<const std::uint8_t> plain, std::span<std::uint8_t> out,
                   std::uint64_t now_us);

  // A datagram from the wire. Returns the size of the plaintext for ENet,
  // written to `out`, or 0 when it was the stage's own (handshake, keep-alive)
  // or failed a check (dropped and counted).
  std::size_t open(Endpoint from, std::span<const std::uint8_t> wire, std::span<std::uint8_t> out,
                   std::uint64_t now_us) {
    Carrier carrier{};
    return open_carried(from, wire, out, now_us, carrier);
  }
  // The same, saying what the plaintext is: an ENet datagram or the direct
  // lane's messages.
  virtual std::size_t open_carried(Endpoint from, std::span<const std::uint8_t> wire,
                                   std::span<std::uint8_t> out, std::uint64_t now_us,
                                   Carrier& carrier) = 0;

  // Whether a datagram from the wire could be a Direct packet (its first
  // byte's type, 7): only such a datagram can open as Carrier::Direct.
  [[nodiscard]] static bool maybe_direct(std::span<const std::uint8_t> wire) noexcept {
    return !wire.empty() && (wire[0] & 0x0F) == kDirectType;
  }
  static constexpr std::uint8_t kDirectType = 7;

  // The stage's own packets, told apart by their first byte for the capture
  // tap (which records them as they travel, never opened).
  enum class Control : std::uint8_t { None, Handshake, KeepAlive };
  [[nodiscard]] virtual Control control_kind(
      std::span<const std::uint8_t> /*wire*/) const noexcept {
    return Control::None;
  }

  // Resends, keep-alives and expiry. Called at least once per update().
  virtual void tick(std::uint64_t now_us) = 0;

  // The ENet command guard found a CONNECT from `from` naming the ENet
  // connection `connect_id`. False refuses it: one secure session carries at
  // most one ENet connection (a resent CONNECT names the same one).
  virtual bool claim_connection(Endpoint /*from*/, std::uint32_t /*connect_id*/,
                                std::uint64_t /*now_us*/) {
    return true;
  }
  // An opened datagram from `from` passed the ENet command guard and goes to
  // ENet: only such traffic keeps a session alive.
  virtual void accepted(Endpoint /*from*/, std::uint64_t /*now_us*/) {}

  // Datagrams accepted from `peer`'s session so far and the newest sequence
  // among them (sequences count every datagram the peer sealed, so the gap
  // between the two over an interval is the loss on the way in). False when
  // there is no session.
  virtual bool receive_tally(Endpoint peer, std::uint64_t& accepted,
                             std::uint64_t& newest) const noexcept = 0;

 protected:
  Wire* wire_ = nullptr;
};

}  // namespace tickwire::socket
