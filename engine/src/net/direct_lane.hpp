// The direct lane: messages of unreliable, unsequenced lanes that fit in one
// datagram travel sealed beside ENet instead of through it (a Direct packet,
// docs/PROTOCOL.md "The direct lane"): no ENet packet, command or queue on
// either end, which is most of what ENet costs such a message.
//
// Sending: send() frames a message into its peer's pending datagram; flush()
// (every update() and flush()) seals each pending datagram once. Receiving:
// the pipeline hands over each opened Direct packet; the lane checks it
// against ENet's peer table (a live connection at that address and session,
// existing lanes of the right kind, well-formed frames) and queues its
// messages for poll(), within fixed bounds. Internal to the engine.
#pragma once

#include <enet/enet.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "socket/pipeline.hpp"
#include "tickwire/settings.hpp"

namespace tickwire::net {

class DirectLane final : public socket::DirectSink {
 public:
  // Bounds on what the lane holds between two update() calls.
  static constexpr std::size_t kPeerBytes = 64u << 10;   // per connection
  static constexpr std::size_t kPeerMessages = 256;      // per connection
  static constexpr std::size_t kBlockBytes = 64u << 10;  // storage comes in blocks of this
  static constexpr std::size_t kAlign = 16;              // where each message starts in a block

  // For `host` (its peers and MTU) and `pipeline` (which seals and sends).
  void open(ENetHost* host, socket::Pipeline* pipeline, const TransportSettings& settings);
  void close() noexcept;

  // Whether a message of `size` bytes on lane `channel` to `peer` takes the
  // lane: the lane is on, the lane kind is Unreliable, and the message fits
  // in one datagram with its framing, within the MTU ENet agreed with that
  // peer (which may be below this host's).
  [[nodiscard]] bool takes(const ENetPeer* peer, std::uint8_t channel,
                           std::size_t size) const noexcept;
  // Frames the message into the peer's pending datagram, first sending what
  // is pending when it would not fit. `peer` must be connected.
  void queue(ENetPeer* peer, std::uint8_t channel, std::span<const std::uint8_t> message);
  // Seals and sends every pending datagram.
  void flush();

  // socket::DirectSink: checks and queues an opened Direct packet.
  bool deliver(socket::Endpoint from, std::span<const std::uint8_t> plain) override;

  struct Inbound {
    std::size_t peer = 0;          // ENet peer index
    std::uint32_t connect_id = 0;  // the connection it came on (ENet's connectID)
    std::uint8_t channel = 0;
    std::span<const std::uint8_t> message;  // valid until the next begin_update()
  };
  // The next received message, in arrival order; false when none is left.
  bool next(Inbound& out);
  // At the start of update(): once every message was taken, their storage
  // is reused (messages handed out earlier are no longer valid).
  void begin_update() noexcept;

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  [[nodiscard]] std::size_t held_bytes() const noexcept { return held_bytes_; }

 private:
  struct Entry {
    std::uint32_t peer;
    std::uint32_t connect_id;
    std::uint32_t block;
    std::uint32_t offset;
    std::uint16_t size;
    std::uint8_t channel;
  };
  // Room for `size` bytes in the blocks; null over the host's bound.
  std::uint8_t* reserve(std::size_t size, std::uint32_t& block, std::uint32_t& offset);
  void send_pending(std::size_t peer);
  // Plaintext bytes one Direct packet to `peer` may hold.
  [[nodiscard]] std::size_t capacity(const ENetPeer* peer) const noexcept {
    return peer->mtu < capacity_ ? peer->mtu : capacity_;
  }

  ENetHost* host_ = nullptr;
  socket::Pipeline* pipeline_ = nullptr;
  std::vector<ChannelKind> lanes_;
  bool enabled_ = false;
  std::size_t capacity_ = 0;  // plaintext bytes of one Direct packet at this host's MTU

  // Sending: a pending datagram per ENet peer, and which peers have one.
  std::vector<std::vector<std::uint8_t>> pending_;
  std::vector<std::uint32_t> dirty_;

  // Receiving.
  std::vector<std::unique_ptr<std::uint8_t[]>> blocks_;
  std::size_t max_blocks_ = 0;
  std::uint32_t block_ = 0;   // the block being filled
  std::uint32_t offset_ = 0;  // within it
  std::vector<Entry> entries_;
  std::size_t taken_ = 0;  // entries handed out by next()
  std::size_t held_bytes_ = 0;
  struct PeerHeld {
    std::uint32_t bytes = 0;
    std::uint32_t messages = 0;
  };
  std::vector<PeerHeld> per_peer_;
};

}  // namespace tickwire::net
