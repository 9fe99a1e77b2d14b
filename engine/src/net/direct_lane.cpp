#include "net/direct_lane.hpp"

#include <algorithm>
#include <cstring>

#include "socket/address.hpp"
#include "socket/direct_frames.hpp"

namespace tickwire::net {

void DirectLane::open(ENetHost* host, socket::Pipeline* pipeline,
                      const TransportSettings& settings) {
  close();
  host_ = host;
  pipeline_ = pipeline;
  lanes_ = settings.channels;
  // ENet's bandwidth limit and throttle pace and drop unreliable messages
  // at the sender; the lane would slip past both, so it stays off with them.
  enabled_ = settings.direct_lane && settings.outgoing_bandwidth == 0 && !settings.enet_throttle;
  capacity_ = host->mtu;  // ENet's MTU: the UDP payload less what sealing adds
  pending_.assign(host->peerCount, {});
  dirty_.clear();
  per_peer_.assign(host->peerCount, PeerHeld{});
  max_blocks_ = std::clamp<std::size_t>(host->peerCount / 2, 4, 256);
}

void DirectLane::close() noexcept {
  host_ = nullptr;
  pipeline_ = nullptr;
  enabled_ = false;
  pending_.clear();
  dirty_.clear();
  blocks_.clear();
  entries_.clear();
  per_peer_.clear();
  block_ = offset_ = 0;
  taken_ = held_bytes_ = 0;
}

bool DirectLane::takes(const ENetPeer* peer, std::uint8_t channel,
                       std::size_t size) const noexcept {
  return enabled_ && channel < lanes_.size() && lanes_[channel] == ChannelKind::Unreliable &&
         size <= socket::kDirectMaxMessage &&
         socket::kDirectHeadBytes + socket::direct_frame_bytes(size) <= capacity(peer);
}

void DirectLane::queue(ENetPeer* peer, std::uint8_t channel,
                       std::span<const std::uint8_t> message) {
  const std::size_t index = static_cast<std::size_t>(peer - host_->peers);
  std::vector<std::uint8_t>& out = pending_[index];
  if (!out.empty() && out.size() + socket::direct_frame_bytes(message.size()) > capacity(peer))
    send_pending(index);
  if (out.empty()) {
    if (out.capacity() == 0) out.reserve(capacity_);
    // What ENet writes in its own header to this peer.
    socket::begin_direct(out, static_cast<std::uint16_t>(
                                  peer->outgoingPeerID |
                                  (peer->outgoingSessionID << ENET_PROTOCOL_HEADER_SESSION_SHIFT)));
    dirty_.push_back(static_cast<std::uint32_t>(index));
  }
  socket::append_direct_frame(out, channel, message);
}

void DirectLane::send_pending(std::size_t index) {
  std::vector<std::uint8_t>& out = pending_[index];
  if (out.empty()) return;
  const ENetPeer& peer = host_->peers[index];
  // A connection that ended since the messages were queued takes them along.
  if (peer.state == ENET_PEER_STATE_CONNECTED)
    pipeline_->send_direct(socket::endpoint_of(peer.address), out);
  out.clear();
}

void DirectLane::flush() {
  for (const std::uint32_t index : dirty_) send_pending(index);
  dirty_.clear();
}

std::uint8_t* DirectLane::reserve(std::size_t size, std::uint32_t& block, std::uint32_t& offset) {
  // Each message starts at a multiple of kAlign, as a malloc'd ENet packet
  // does: a game may read its messages in place (FlatBuffers do).
  offset_ = (offset_ + kAlign - 1) & ~static_cast<std::uint32_t>(kAlign - 1);
  if (offset_ + size > kBlockBytes) {
    ++block_;
    offset_ = 0;
  }
  if (block_ >= max_blocks_) return nullptr;
  if (block_ >= blocks_.size()) blocks_.push_back(std::make_unique<std::uint8_t[]>(kBlockBytes));
  block = block_;
  offset = offset_;
  offset_ += static_cast<std::uint32_t>(size);
  return blocks_[block].get() + offset;
}

bool DirectLane::deliver(socket::Endpoint from, std::span<const std::uint8_t> plain) {
  if (host_ == nullptr) return false;
  socket::DirectReader reader(plain);
  const std::uint16_t field = reader.peer();
  const std::size_t index = field & 0x0FFF;
  // ENet's own test for its datagrams (protocol.c), and a live connection:
  // the session's address alone could belong to a connection that ended.
  ENetPeer* peer = index < host_->peerCount ? &host_->peers[index] : nullptr;
  const bool live = peer != nullptr && (field >> 14) == 0 &&
                    peer->state == ENET_PEER_STATE_CONNECTED &&
                    socket::endpoint_of(peer->address) == from &&
                    ((field >> ENET_PROTOCOL_HEADER_SESSION_SHIFT) & 3) == peer->incomingSessionID;
  if (!live || !reader.has_head() || !socket::DirectReader::valid(plain, lanes_.size())) {
    pipeline_->drop(from, &DropCounters::direct_refused);
    return false;
  }
  // Every message must be for an unreliable, unsequenced lane: the lane
  // would skip another kind's ordering or reliability.
  std::size_t bytes = 0, messages = 0;
  socket::DirectFrame frame;
  while (reader.next(frame)) {
    if (lanes_[frame.channel] != ChannelKind::Unreliable) {
      pipeline_->drop(from, &DropCounters::direct_refused);
      return false;
    }
    bytes += frame.message.size();
    ++messages;
  }
  PeerHeld& held = per_peer_[index];
  if (held.bytes + bytes > kPeerBytes || held.messages + messages > kPeerMessages) {
    pipeline_->drop(from, &DropCounters::direct_over_limit);
    return false;
  }
  const std::size_t first = entries_.size();
  socket::DirectReader again(plain);
  while (again.next(frame)) {
    Entry e{static_cast<std::uint32_t>(index),
            peer->connectID,
            0,
            0,
            static_cast<std::uint16_t>(frame.message.size()),
            frame.channel};
    std::uint8_t* at = reserve(frame.message.size(), e.block, e.offset);
    if (at == nullptr) {
      // Over the host's bound: the datagram is refused whole.
      for (std::size_t i = first; i < entries_.size(); ++i) held_bytes_ -= entries_[i].size;
      entries_.resize(first);
      pipeline_->drop(from, &DropCounters::direct_over_limit);
      return false;
    }
    if (!frame.message.empty()) std::memcpy(at, frame.message.data(), frame.message.size());
    entries_.push_back(e);
    held_bytes_ += e.size;
  }
  held.bytes += static_cast<std::uint32_t>(bytes);
  held.messages += static_cast<std::uint32_t>(messages);
  return true;
}

bool DirectLane::next(Inbound& out) {
  if (taken_ == entries_.size()) return false;
  const Entry& e = entries_[taken_++];
  out.peer = e.peer;
  out.connect_id = e.connect_id;
  out.channel = e.channel;
  out.message = {blocks_[e.block].get() + e.offset, e.size};
  return true;
}

void DirectLane::begin_update() noexcept {
  if (taken_ != entries_.size()) return;  // the game has not taken everything yet
  if (entries_.empty()) return;
  entries_.clear();
  taken_ = 0;
  held_bytes_ = 0;
  block_ = offset_ = 0;
  std::fill(per_peer_.begin(), per_peer_.end(), PeerHeld{});
}

}  // namespace tickwire::net
