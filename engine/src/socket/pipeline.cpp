#include "socket/pipeline.hpp"

#include <sys/uio.h>

#include <bit>
#include <cstring>

namespace tickwire::socket {

// ENet's unix ENetBuffer is laid out as a struct iovec, and ENet itself hands
// it to sendmsg; the seam relies on the same.
static_assert(sizeof(ENetBuffer) == sizeof(struct iovec));
static_assert(offsetof(ENetBuffer, data) == offsetof(struct iovec, iov_base));
static_assert(offsetof(ENetBuffer, dataLength) == offsetof(struct iovec, iov_len));

namespace {

// The guard's view of ENet's peer table.
class EnetPeers final : public GuardPeers {
 public:
  explicit EnetPeers(ENetHost* host) : host_(host) {}
  bool select(std::uint16_t peer_id, std::uint8_t session, Endpoint from) noexcept override {
    if (peer_id >= host_->peerCount) return false;
    ENetPeer* peer = &host_->peers[peer_id];
    if (peer->state == ENET_PEER_STATE_DISCONNECTED || peer->state == ENET_PEER_STATE_ZOMBIE ||
        peer->address.host != from.host || peer->address.port != from.port)
      return false;
    // ENet's own check (protocol.c): once the peer knows its remote id, a
    // datagram of another session is not for it.
    if (peer->outgoingPeerID < ENET_PROTOCOL_MAXIMUM_PEER_ID && session != peer->incomingSessionID)
      return false;
    peer_ = peer;
    return true;
  }
  [[nodiscard]] std::uint32_t mtu() const noexcept override { return peer_->mtu; }
  [[nodiscard]] std::uint32_t channels() const noexcept override {
    return static_cast<std::uint32_t>(peer_->channelCount);
  }
  [[nodiscard]] std::uint32_t queued(std::uint8_t channel, bool reliable,
                                     std::uint32_t cap) const noexcept override {
    if (channel >= peer_->channelCount) return 0;
    ENetList* list = reliable ? &peer_->channels[channel].incomingReliableCommands
                              : &peer_->channels[channel].incomingUnreliableCommands;
    std::uint32_t n = 0;
    for (ENetListIterator it = enet_list_begin(list); it != enet_list_end(list) && n <= cap;
         it = enet_list_next(it))
      ++n;
    return n;
  }
  [[nodiscard]] std::uint16_t next_reliable(std::uint8_t channel) const noexcept override {
    if (channel >= peer_->channelCount) return 0;
    return static_cast<std::uint16_t>(peer_->channels[channel].incomingReliableSequenceNumber + 1);
  }

 private:
  ENetHost* host_;
  ENetPeer* peer_ = nullptr;
};

}  // namespace

std::size_t SecureStage::seal(Endpoint to, std::span<const std::uint8_t> plain,
                              std::span<std::uint8_t> out, std::uint64_t now_us) {
  if (out.size() < kHeadRoom + plain.size()) return 0;
  if (!plain.empty()) std::memmove(out.data() + kHeadRoom, plain.data(), plain.size());
  std::size_t start = 0;
  const std::size_t n = seal_in_place(to, out, plain.size(), now_us, start);
  if (n > 0 && start > 0) std::memmove(out.data(), out.data() + start, n);
  return n;
}

// ---- Pipeline ---------------------------------------------------------------

Pipeline::Pipeline(std::uint32_t max_peers, SecureStage& secure)
    : secure_(secure),
      peers_(max_peers),
      scratch_(Conditioner::kMaxDatagram + 1),
      opened_(Conditioner::kMaxDatagram),
      sealed_(Conditioner::kMaxDatagram + secure.overhead()) {
  secure_.attach(this);
  set_conditioner(LinkConditionerSettings{});
}

void Pipeline::set_conditioner(const LinkConditionerSettings& settings) {
  // Distinct streams per direction so that loss on one side is not a mirror
  // of the other.
  out_.configure(settings.outgoing, settings.seed * 2 + 0, settings.queue_capacity);
  in_.configure(settings.incoming, settings.seed * 2 + 1, settings.queue_capacity);
}

void Pipeline::count_drop(Endpoint peer, std::uint64_t DropCounters::*cause) {
  ++(drops_.*cause);
  if (PeerCounters* counters = peers_.find(peer)) ++(counters->drops.*cause);
}

void Pipeline::set_fd(int fd) {
  socket_io_ = std::make_unique<UdpBatchIo>(fd, Conditioner::kMaxDatagram);
  io_ = socket_io_.get();
}

bool Pipeline::write_wire(Endpoint to, std::span<const std::uint8_t> datagram) {
  const iovec part{const_cast<std::uint8_t*>(datagram.data()), datagram.size()};
  if (io_ == nullptr || io_->send(to, &part, 1) <= 0) {
    count_drop(to, &DropCounters::socket_error);
    return false;
  }
  ++wire_sent_;
  if (PeerCounters* counters = peers_.find(to)) {
    counters->bytes_sent += datagram.size();
    ++counters->datagrams_sent;
  }
  return true;
}

int Pipeline::on_send(const ENetAddress* address, const ENetBuffer* buffers, std::size_t count) {
  ++seam_sent_;
  const Endpoint to{address ? address->host : 0u, address ? address->port : std::uint16_t{0}};
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += buffers[i].dataLength;
  if (total > Conditioner::kMaxDatagram) {
    count_drop(to, &DropCounters::oversized);
    return 0;
  }
  // Gathered once, straight into the buffer it is sealed in.
  std::uint8_t* plain = sealed_.data() + SecureStage::kHeadRoom;
  std::size_t at = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::memcpy(plain + at, buffers[i].data, buffers[i].dataLength);
    at += buffers[i].dataLength;
  }
  const std::uint64_t now = this->now();
  // Recorded as ENet sent it, before sealing: a datagram the secure stage
  // holds until its session is up (a client's CONNECT) is recorded now.
  if (capture_ != nullptr)
    capture_->record(now, trace::Direction::Out, trace::RecordKind::Enet, to, {plain, total});
  std::size_t start = 0;
  const std::size_t sealed = secure_.seal_in_place(to, sealed_, total, now, start);
  if (sealed > 0) send_sealed(to, {sealed_.data() + start, sealed});
  // To ENet the datagram left: a held, dropped or conditioned-away datagram
  // looks like loss on the wire, and ENet resends what matters.
  return static_cast<int>(total);
}

bool Pipeline::send_direct(Endpoint to, std::span<const std::uint8_t> plain) {
  if (plain.size() > Conditioner::kMaxDatagram) {
    count_drop(to, &DropCounters::oversized);
    return false;
  }
  std::memcpy(sealed_.data() + SecureStage::kHeadRoom, plain.data(), plain.size());
  const std::uint64_t now = this->now();
  std::size_t start = 0;
  const std::size_t sealed =
      secure_.seal_carried(to, sealed_, plain.size(), now, start, Carrier::Direct);
  if (sealed == 0) return false;  // never held: it did not leave, so it is not recorded
  if (capture_ != nullptr)
    capture_->record(now, trace::Direction::Out, trace::RecordKind::Direct, to, plain);
  ++direct_sent_;
  send_sealed(to, {sealed_.data() + start, sealed});
  return true;
}

void Pipeline::transmit(Endpoint to, std::span<const std::uint8_t> datagram) {
  if (capture_ != nullptr) capture_control(trace::Direction::Out, to, datagram, monotonic_us());
  send_sealed(to, datagram);
}

bool Pipeline::recording(Endpoint peer) const noexcept {
  // Over this second's budget of Replayed records the stage need not even
  // open a duplicate.
  return capture_ != nullptr && capture_->records(peer) &&
         (now() / 1'000'000 != replayed_second_ || replayed_in_second_ < kReplayedPerSecond);
}

void Pipeline::replayed(Endpoint peer, std::span<const std::uint8_t> plain, std::uint64_t now_us) {
  if (!recording(peer)) return;
  if (now_us / 1'000'000 != replayed_second_) {
    replayed_second_ = now_us / 1'000'000;
    replayed_in_second_ = 0;
  }
  ++replayed_in_second_;
  capture_->record(now_us, trace::Direction::In, trace::RecordKind::Replayed, peer, plain);
}

void Pipeline::capture_control(trace::Direction dir, Endpoint peer,
                               std::span<const std::uint8_t> wire, std::uint64_t now) {
  switch (secure_.control_kind(wire)) {
    case SecureStage::Control::KeepAlive:
      capture_->record(now, dir, trace::RecordKind::KeepAlive, peer, {});
      break;
    case SecureStage::Control::Handshake:
      // As they travel: their secrets are sealed inside (tokens), never keys.
      capture_->record(now, dir, trace::RecordKind::Handshake, peer, wire);
      break;
    case SecureStage::Control::None: break;  // payloads are recorded opened; the rest is noise
  }
}

void Pipeline::send_sealed(Endpoint to, std::span<const std::uint8_t> datagram) {
  if (!out_.active()) {
    write_wire(to, datagram);
    return;
  }
  switch (out_.offer(monotonic_us(), to, datagram)) {
    case Conditioner::Verdict::Queued: break;
    case Conditioner::Verdict::Lost: count_drop(to, &DropCounters::conditioner_loss); break;
    case Conditioner::Verdict::QueueFull: count_drop(to, &DropCounters::conditioner_queue); break;
  }
  pump_conditioner();  // what is due now (no delay configured) leaves at once
}

void Pipeline::pump(std::uint64_t now_us) {
  now_us_ = now_us;
  secure_.tick(now_us);
  pump_conditioner();
}

std::uint64_t Pipeline::now() const noexcept {
  return capture_ != nullptr || out_.active() || in_.active() ? monotonic_us() : now_us_;
}

void Pipeline::pump_conditioner() {
  if (out_.held() == 0) return;
  const std::uint64_t now = monotonic_us();
  Endpoint to;
  while (out_.pop_due(now, to, held_)) write_wire(to, held_);
}

Pipeline::Read Pipeline::read_wire(std::uint8_t* buffer, std::size_t capacity, Endpoint& from,
                                   std::size_t& length) {
  if (io_ == nullptr) return Read::Dead;
  const Read r = io_->receive({buffer, capacity}, from, length);
  if (r == Read::Empty || r == Read::Dead) return r;
  if (r == Read::Error) {
    ++drops_.socket_error;  // a queued ICMP error; nobody to charge it to
    return Read::Dropped;
  }
  ++wire_received_;
  if (PeerCounters* counters = peers_.find(from)) {
    counters->bytes_received += length;
    ++counters->datagrams_received;
  }
  if (r == Read::Dropped) count_drop(from, &DropCounters::oversized);
  return r;
}

bool Pipeline::take_direct(Endpoint from, std::span<const std::uint8_t> plain, std::uint64_t now) {
  if (capture_ != nullptr)
    capture_->record(now, trace::Direction::In, trace::RecordKind::Direct, from, plain);
  ++direct_received_;
  if (direct_sink_ == nullptr) {
    count_drop(from, &DropCounters::malformed);
    return false;
  }
  if (!direct_sink_->deliver(from, plain)) return false;
  secure_.accepted(from, now);
  return true;
}

bool Pipeline::read_direct() {
  if (stashed_ > 0 || in_.active()) return true;
  const std::uint64_t now = this->now();
  for (int budget = 4096; budget > 0; --budget) {
    Endpoint from;
    std::size_t length = 0;
    const Read r = read_wire(scratch_.data(), Conditioner::kMaxDatagram, from, length);
    if (r == Read::Empty) return false;
    if (r == Read::Dead) return true;  // ENet's read reports it
    if (r == Read::Dropped) continue;
    const std::span<const std::uint8_t> wire{scratch_.data(), length};
    if (!SecureStage::maybe_direct(wire)) {
      // ENet's: kept for its next read.
      stashed_ = length;
      stashed_from_ = from;
      return true;
    }
    Carrier carrier = Carrier::Enet;
    const std::size_t plain = secure_.open_carried(from, wire, opened_, now, carrier);
    if (plain > 0) take_direct(from, {opened_.data(), plain}, now);
  }
  return true;
}

int Pipeline::on_receive(ENetAddress* address, ENetBuffer* buffers, std::size_t count) {
  if (count == 0) return 0;
  const std::span<std::uint8_t> out(static_cast<std::uint8_t*>(buffers[0].data),
                                    buffers[0].dataLength);
  const std::uint64_t now = this->now();
  // Read until a datagram for ENet turns up: a dropped or consumed one must
  // not end ENet's receive loop (returning 0 would).
  for (int budget = 4096; budget > 0; --budget) {
    Endpoint from;
    std::size_t length = 0;
    std::span<const std::uint8_t> wire;
    if (stashed_ > 0) {
      from = stashed_from_;
      wire = {scratch_.data(), stashed_};
      stashed_ = 0;
    } else if (!in_.active()) {
      const Read r = read_wire(scratch_.data(), Conditioner::kMaxDatagram, from, length);
      if (r == Read::Empty) break;
      if (r == Read::Dead) {
        last_receive_empty_ = true;
        return -1;
      }
      if (r == Read::Dropped) continue;
      wire = {scratch_.data(), length};
    } else {
      drain_into_conditioner(now);
      if (!in_.pop_due(now, from, held_)) break;
      wire = held_;
    }
    // The stage's own packets go to the capture before the stage acts on
    // them: a Request's Challenge is sent from inside open().
    if (capture_ != nullptr) capture_control(trace::Direction::In, from, wire, now);
    Carrier carrier = Carrier::Enet;
    std::size_t plain = secure_.open_carried(from, wire, out, now, carrier);
    if (plain == 0) continue;
    if (carrier == Carrier::Direct) {
      take_direct(from, out.first(plain), now);  // never ENet's
      continue;
    }
    if (host_ != nullptr) {
      EnetPeers peers(host_);
      const GuardVerdict verdict = check_enet_datagram(out.first(plain), from, guard_, peers);
      if (!verdict.ok()) {
        count_drop(from, verdict.refusal == GuardRefusal::OverLimit ? &DropCounters::enet_over_limit
                         : verdict.refusal == GuardRefusal::ConnectRefused
                             ? &DropCounters::connect_refused
                             : &DropCounters::enet_malformed);
        continue;
      }
      if (verdict.connect && !secure_.claim_connection(from, verdict.connect_id, now)) {
        count_drop(from, &DropCounters::connect_refused);
        continue;
      }
      // Commands over a queue cap were taken out; the rest goes on.
      if (verdict.trimmed > 0) count_drop(from, &DropCounters::enet_over_limit);
      plain = verdict.size;
    }
    secure_.accepted(from, now);
    if (capture_ != nullptr)
      capture_->record(now, trace::Direction::In, trace::RecordKind::Enet, from, out.first(plain));
    address->host = from.host;
    address->port = from.port;
    ++seam_received_;
    last_receive_empty_ = false;
    return static_cast<int>(plain);
  }
  last_receive_empty_ = true;
  return 0;
}

void Pipeline::drain_into_conditioner(std::uint64_t now) {
  for (int budget = 1024; budget > 0; --budget) {
    Endpoint from;
    std::size_t length = 0;
    const Read r = read_wire(scratch_.data(), Conditioner::kMaxDatagram, from, length);
    if (r == Read::Empty || r == Read::Dead) return;
    if (r == Read::Dropped) continue;
    switch (in_.offer(now, from, {scratch_.data(), length})) {
      case Conditioner::Verdict::Queued: break;
      case Conditioner::Verdict::Lost: count_drop(from, &DropCounters::conditioner_loss); break;
      case Conditioner::Verdict::QueueFull:
        count_drop(from, &DropCounters::conditioner_queue);
        break;
    }
  }
}

}  // namespace tickwire::socket
