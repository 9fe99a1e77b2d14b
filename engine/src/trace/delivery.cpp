// What one end's ENet delivered, rebuilt from the datagrams it received.
//
// The rules are ENet 1.3.17's for incoming commands (peer.c: the queue and
// dispatch of incoming commands; protocol.c: the send and fragment
// handlers), restated here so that a replay hands the game the same
// messages, in the same order, as the live program's ENet did:
//
// - A channel's reliable queue is kept in sequence order (16-bit numbers,
//   compared against the channel's incoming reliable sequence the way ENet
//   compares them); a command is delivered when it is the next expected one
//   and whole. A fragmented message takes the sequence numbers of all its
//   parts.
// - Unreliable commands carry the reliable sequence they were sent after.
//   They wait for that reliable command; older ones, and ones not newer than
//   the last delivered of the same reliable sequence, are dropped.
// - Unsequenced commands are delivered once each (a window of 1024 groups).
// - Sequence numbers outside ENet's receive window are ignored; a command
//   ENet's handler refuses ends the datagram's processing, as in ENet.
//
// Only what decides delivery is modelled: acknowledgements, timeouts and
// throttling change nothing a receiver hands on.
#include <algorithm>
#include <cstring>
#include <list>
#include <optional>
#include <vector>

#include "socket/enet_guard.hpp"
#include "tickwire/trace.hpp"

namespace tickwire::trace {

namespace {

namespace wire = socket::enet_wire;

constexpr std::uint32_t kWindowSize = 0x1000;  // reliable sequence numbers per window
constexpr std::uint32_t kWindows = 16;
constexpr std::uint32_t kFreeWindows = 8;
constexpr std::uint32_t kUnsequencedWindow = 1024;
constexpr std::uint32_t kFreeUnsequencedWindows = 32;
constexpr std::uint32_t kMaxFragmentCount = 1024 * 1024;

struct Incoming {
  std::uint8_t type = 0;
  std::uint16_t reliable_seq = 0;
  std::uint16_t unreliable_seq = 0;
  std::uint32_t fragment_count = 0;
  std::uint32_t fragments_remaining = 0;
  std::vector<bool> have;  // fragments received
  std::vector<std::uint8_t> data;
};

struct Channel {
  std::uint16_t in_reliable = 0;
  std::uint16_t in_unreliable = 0;
  std::list<Incoming> reliable, unreliable;
};

// Whether `seq` falls in the channel's receive window (ENet: the window of
// `seq` may not be behind the current one, nor FREE_WINDOWS - 1 or more ahead).
bool in_window(std::uint16_t seq, std::uint16_t current) noexcept {
  std::uint32_t window = seq / kWindowSize;
  const std::uint32_t now = current / kWindowSize;
  if (seq < current) window += kWindows;
  return window >= now && window < now + kFreeWindows - 1;
}

// ENet's walk from the back of a queue to place a new command of reliable
// sequence `rel` (and, in the unreliable queue, unreliable sequence
// `unrel`), given the channel's current reliable sequence. Returns where
// it goes; when the queue holds the same command already, `same` is set
// and the returned place follows that command.
std::list<Incoming>::iterator find_place(std::list<Incoming>& q, std::uint16_t current,
                                         std::uint16_t rel, std::optional<std::uint16_t> unrel,
                                         bool& same) {
  same = false;
  auto at = q.end();
  while (at != q.begin()) {
    const auto e = std::prev(at);
    // Entries on the other side of the current sequence are stepped over
    // (or end the walk), as ENet compares 16-bit numbers.
    if (rel >= current) {
      if (e->reliable_seq < current) {
        at = e;
        continue;
      }
    } else if (e->reliable_seq >= current) {
      break;
    }
    if (unrel) {
      if (e->reliable_seq < rel) break;
      if (e->reliable_seq > rel) {
        at = e;
        continue;
      }
    }
    const std::uint16_t key = unrel ? e->unreliable_seq : e->reliable_seq;
    const std::uint16_t mine = unrel ? *unrel : rel;
    if (key <= mine) {
      same = key == mine;
      break;
    }
    at = e;
  }
  return at;
}

}  // namespace

struct EnetDelivery::Impl {
  std::uint32_t max_message_bytes = 0;
  std::uint32_t max_pending = 0;
  std::size_t max_waiting = 0;
  DeliveryBudget* shared = nullptr;
  bool connected = false;
  bool awaiting_ack = false;  // a CONNECT came: up once the VERIFY_CONNECT is acked
  std::uint32_t connect_id = 0;
  std::vector<Channel> channels;
  std::uint16_t unsequenced_group = 0;
  std::vector<bool> unsequenced_seen = std::vector<bool>(kUnsequencedWindow);
  std::size_t waiting = 0;
  DeliveryStats stats;

  // This call's delivered messages and their bytes.
  std::vector<DeliveredMessage> out;
  std::vector<std::vector<std::uint8_t>> out_bytes;

  void start(std::uint32_t channel_count) {
    channels.assign(std::clamp<std::uint32_t>(channel_count, 1, 255), Channel{});
    unsequenced_group = 0;
    std::fill(unsequenced_seen.begin(), unsequenced_seen.end(), false);
    uncharge(waiting);
    ++stats.connections;
  }

  void drop_connection() {
    for (Channel& c : channels) stats.partial_dropped += count_partial(c);
    channels.clear();
    connected = awaiting_ack = false;
    uncharge(waiting);
  }

  // What an entry holds: its bytes and its map of fragments received.
  static std::size_t cost(const Incoming& e) noexcept { return e.data.size() + e.have.size() / 8; }
  void charge(std::size_t n) noexcept {
    waiting += n;
    if (shared) shared->used += n;
  }
  void uncharge(std::size_t n) noexcept {
    n = std::min(n, waiting);
    waiting -= n;
    if (shared) shared->used -= std::min(n, shared->used);
  }
  ~Impl() { uncharge(waiting); }  // a shared budget gets back what this one held

  [[nodiscard]] bool full() const noexcept {
    return waiting >= max_waiting || (shared != nullptr && shared->used >= shared->limit);
  }

  static std::uint64_t count_partial(const Channel& c) {
    std::uint64_t n = 0;
    for (const auto* q : {&c.reliable, &c.unreliable})
      for (const Incoming& e : *q) n += e.fragments_remaining > 0 ? 1 : 0;
    return n;
  }

  void forget(Incoming& e) noexcept { uncharge(cost(e)); }

  void hand_on(std::uint8_t channel, Incoming& e) {
    forget(e);
    out_bytes.push_back(std::move(e.data));
    out.push_back({channel, e.type == wire::kSendReliable || e.type == wire::kSendFragment, {}});
    ++stats.delivered;
  }

  // Moves [from, to) of a channel's unreliable queue to the output.
  void deliver_range(std::uint8_t ch, std::list<Incoming>::iterator from,
                     std::list<Incoming>::iterator to) {
    Channel& c = channels[ch];
    while (from != to) {
      hand_on(ch, *from);
      from = c.unreliable.erase(from);
    }
  }

  void dispatch_unreliable(std::uint8_t ch, const Incoming* keep) {
    Channel& c = channels[ch];
    auto& q = c.unreliable;
    auto dropped = q.begin(), start = q.begin(), cur = q.begin();
    for (; cur != q.end(); ++cur) {
      if (cur->type == wire::kSendUnsequenced) continue;
      if (cur->reliable_seq == c.in_reliable) {
        if (cur->fragments_remaining == 0) {
          c.in_unreliable = cur->unreliable_seq;
          continue;
        }
        if (start != cur) {
          deliver_range(ch, start, cur);
          dropped = cur;
        } else if (dropped != cur) {
          dropped = std::prev(cur);
        }
      } else {
        if (in_window(cur->reliable_seq, c.in_reliable)) break;  // waits for its reliable one
        dropped = std::next(cur);
        if (start != cur) deliver_range(ch, start, cur);
      }
      start = std::next(cur);
    }
    if (start != cur) {
      deliver_range(ch, start, cur);
      dropped = cur;
    }
    for (auto it = q.begin(); it != dropped;) {
      if (&*it == keep) {
        ++it;
        continue;
      }
      if (it->fragments_remaining > 0) ++stats.partial_dropped;
      ++stats.stale;
      forget(*it);
      it = q.erase(it);
    }
  }

  void dispatch_reliable(std::uint8_t ch, const Incoming* keep) {
    Channel& c = channels[ch];
    auto& q = c.reliable;
    auto cur = q.begin();
    for (; cur != q.end(); ++cur) {
      if (cur->fragments_remaining > 0 ||
          cur->reliable_seq != static_cast<std::uint16_t>(c.in_reliable + 1))
        break;
      c.in_reliable = cur->reliable_seq;
      if (cur->fragment_count > 0)
        c.in_reliable = static_cast<std::uint16_t>(c.in_reliable + cur->fragment_count - 1);
    }
    if (cur == q.begin()) return;
    c.in_unreliable = 0;
    for (auto it = q.begin(); it != cur;) {
      hand_on(ch, *it);
      it = q.erase(it);
    }
    if (!c.unreliable.empty()) dispatch_unreliable(ch, keep);
  }

  // ENet's enet_peer_queue_incoming_command. Returns the queued entry, or
  // nullptr when the command is dropped; `error` when ENet's handler would
  // fail (which ends the datagram).
  Incoming* queue(std::uint8_t ch, std::uint8_t type, std::uint16_t rel, std::uint16_t unrel,
                  std::span<const std::uint8_t> data, std::size_t length,
                  std::uint32_t fragment_count, bool& error) {
    error = false;
    Channel& c = channels[ch];
    auto discard = [&](std::uint64_t& counter) -> Incoming* {
      ++counter;
      error = fragment_count > 0;
      return nullptr;
    };
    if (type != wire::kSendUnsequenced && !in_window(rel, c.in_reliable))
      return discard(stats.out_of_window);
    std::list<Incoming>* q = nullptr;
    std::list<Incoming>::iterator at;
    bool same = false;
    switch (type) {
      case wire::kSendFragment:
      case wire::kSendReliable:
        if (rel == c.in_reliable) return discard(stats.duplicates);
        q = &c.reliable;
        at = find_place(*q, c.in_reliable, rel, std::nullopt, same);
        if (same) return discard(stats.duplicates);
        break;
      case wire::kSendUnreliable:
      case wire::kSendUnreliableFragment:
        if (rel == c.in_reliable && unrel <= c.in_unreliable) return discard(stats.stale);
        q = &c.unreliable;
        at = find_place(*q, c.in_reliable, rel, unrel, same);
        if (same) return discard(stats.duplicates);
        break;
      case wire::kSendUnsequenced:
        // At the front: ENet inserts it after its list's end sentinel, i.e.
        // before the first entry (enet_list_insert (enet_list_next (end))),
        // so it never waits behind a sequenced command held for its
        // reliable one, and the dispatch that follows delivers it at once.
        q = &c.unreliable;
        at = q->begin();
        break;
      default: return discard(stats.refused);
    }
    // The reliable command the channel waits for next is taken even when
    // its queue is full (as the engine's command guard keeps it for ENet):
    // it lets the queue drain, so a full queue never locks out its own
    // cure. It adds one entry at most (a fragmented message's).
    const bool next = q == &c.reliable && rel == static_cast<std::uint16_t>(c.in_reliable + 1);
    if (full() || (q->size() >= max_pending && !next)) {
      ++stats.refused;
      error = true;
      return nullptr;
    }
    Incoming e;
    e.type = type;
    e.reliable_seq = rel;
    e.unreliable_seq = unrel;
    e.fragment_count = e.fragments_remaining = fragment_count;
    if (fragment_count > 0) {
      e.have.assign(fragment_count, false);
      e.data.assign(length, 0);
    } else {
      e.data.assign(data.begin(), data.end());
    }
    charge(cost(e));
    Incoming& placed = *q->insert(at, std::move(e));
    if (type == wire::kSendReliable || type == wire::kSendFragment)
      dispatch_reliable(ch, &placed);
    else
      dispatch_unreliable(ch, &placed);
    return &placed;
  }

  // One send command. False when ENet's handler fails (the rest of the
  // datagram is ignored).
  bool send_command(const EnetCommand& cmd) {
    if (!connected || cmd.channel >= channels.size() || cmd.data.size() > max_message_bytes) {
      ++stats.refused;
      return false;
    }
    Channel& c = channels[cmd.channel];
    bool error = false;
    switch (cmd.type) {
      case wire::kSendReliable:
      case wire::kSendUnreliable:
        queue(cmd.channel, cmd.type, cmd.reliable_seq,
              cmd.type == wire::kSendUnreliable ? cmd.unreliable_seq : 0, cmd.data, cmd.data.size(),
              0, error);
        return !error;
      case wire::kSendUnsequenced: {
        std::uint32_t group = cmd.unreliable_seq;
        const std::uint32_t index = group % kUnsequencedWindow;
        if (group < unsequenced_group) group += 0x10000;
        if (group >=
            std::uint32_t{unsequenced_group} + kFreeUnsequencedWindows * kUnsequencedWindow) {
          ++stats.out_of_window;
          return true;
        }
        group &= 0xFFFF;
        if (group - index != unsequenced_group) {
          unsequenced_group = static_cast<std::uint16_t>(group - index);
          std::fill(unsequenced_seen.begin(), unsequenced_seen.end(), false);
        } else if (unsequenced_seen[index]) {
          ++stats.duplicates;
          return true;
        }
        if (queue(cmd.channel, cmd.type, 0, 0, cmd.data, cmd.data.size(), 0, error) == nullptr &&
            error)
          return false;
        unsequenced_seen[index] = true;
        return true;
      }
      case wire::kSendFragment:
      case wire::kSendUnreliableFragment: return fragment(cmd, c);
      default: return true;
    }
  }

  bool fragment(const EnetCommand& cmd, Channel& c) {
    const bool reliable = cmd.type == wire::kSendFragment;
    const std::uint16_t start = cmd.fragment_start;
    const std::uint16_t rel = reliable ? start : cmd.reliable_seq;
    if (!in_window(rel, c.in_reliable)) {
      ++stats.out_of_window;
      return true;
    }
    if (!reliable && rel == c.in_reliable && start <= c.in_unreliable) {
      ++stats.stale;
      return true;
    }
    const std::uint32_t length = static_cast<std::uint32_t>(cmd.data.size());
    if (cmd.fragment_count > kMaxFragmentCount || cmd.fragment_number >= cmd.fragment_count ||
        cmd.total_length > max_message_bytes || cmd.fragment_count > cmd.total_length ||
        cmd.fragment_offset >= cmd.total_length ||
        length > cmd.total_length - cmd.fragment_offset) {
      ++stats.refused;
      return false;
    }
    auto& q = reliable ? c.reliable : c.unreliable;
    Incoming* found = nullptr;
    bool same = false;
    const auto at = find_place(q, c.in_reliable, rel,
                               reliable ? std::nullopt : std::optional<std::uint16_t>(start), same);
    if (same) {
      found = &*std::prev(at);
      if (found->type != cmd.type || found->data.size() != cmd.total_length ||
          found->fragment_count != cmd.fragment_count) {
        ++stats.refused;
        return false;
      }
    }
    if (found == nullptr) {
      bool error = false;
      found = queue(cmd.channel, cmd.type, rel, reliable ? 0 : start, {}, cmd.total_length,
                    cmd.fragment_count, error);
      if (found == nullptr) return !error;
    }
    if (!found->have[cmd.fragment_number]) {
      found->have[cmd.fragment_number] = true;
      --found->fragments_remaining;
      const std::size_t n = std::min<std::size_t>(length, found->data.size() - cmd.fragment_offset);
      if (n > 0) std::memcpy(found->data.data() + cmd.fragment_offset, cmd.data.data(), n);
      if (found->fragments_remaining == 0) {
        if (reliable)
          dispatch_reliable(cmd.channel, nullptr);
        else
          dispatch_unreliable(cmd.channel, nullptr);
      }
    }
    return true;
  }

  void receive(const EnetDatagram& d) {
    for (std::size_t i = 0; i < d.count; ++i) {
      const EnetCommand& cmd = d.commands[i];
      if (!command(cmd)) return;  // ENet ignores the rest of the datagram
      // Without a sent time in the header ENet cannot acknowledge: it stops
      // reading the datagram after the first command that wants an
      // acknowledgement (protocol.c, enet_protocol_handle_incoming_commands).
      if (cmd.ack_wanted && !d.has_sent_time) return;
    }
  }

  // One command. False when ENet's handler fails.
  bool command(const EnetCommand& cmd) {
    switch (cmd.type) {
      case wire::kConnect:
      case wire::kVerifyConnect:
        // A resent one (its acknowledgement was lost) changes nothing.
        if ((connected || awaiting_ack) && cmd.connect_id == connect_id) return true;
        drop_connection();
        start(cmd.channel_count);
        connect_id = cmd.connect_id;
        // A server's connection is up once its VERIFY_CONNECT is acked.
        awaiting_ack = cmd.type == wire::kConnect;
        connected = !awaiting_ack;
        return true;
      case wire::kAcknowledge:
        if (awaiting_ack && cmd.channel == wire::kConnectionChannel) {
          awaiting_ack = false;
          connected = true;
        }
        return true;
      case wire::kDisconnect:
        // ENet resets the connection's queues, its messages for the
        // application among them: those this datagram delivered are lost
        // (ENet hands messages on only after the whole datagram).
        stats.delivered -= out.size();
        out.clear();
        out_bytes.clear();
        drop_connection();
        return true;
      case wire::kPing:
      case wire::kBandwidthLimit:
      case wire::kThrottleConfigure:
        // ENet refuses them, and the rest of the datagram, until it is up.
        if (connected) return true;
        ++stats.refused;
        return false;
      case wire::kSendReliable:
      case wire::kSendUnreliable:
      case wire::kSendFragment:
      case wire::kSendUnsequenced:
      case wire::kSendUnreliableFragment: return send_command(cmd);
      default: return true;
    }
  }
};

EnetDelivery::EnetDelivery(std::uint32_t max_message_bytes, std::uint32_t max_pending,
                           std::size_t max_waiting_bytes, DeliveryBudget* shared)
    : impl_(std::make_unique<Impl>()) {
  impl_->max_message_bytes = max_message_bytes;
  impl_->max_pending = std::max<std::uint32_t>(max_pending, 1);
  impl_->max_waiting = max_waiting_bytes;
  impl_->shared = shared;
}
EnetDelivery::~EnetDelivery() = default;
EnetDelivery::EnetDelivery(EnetDelivery&&) noexcept = default;
EnetDelivery& EnetDelivery::operator=(EnetDelivery&&) noexcept = default;

std::span<const DeliveredMessage> EnetDelivery::receive(const EnetDatagram& datagram) {
  Impl& m = *impl_;
  m.out.clear();
  m.out_bytes.clear();
  m.receive(datagram);
  for (std::size_t i = 0; i < m.out.size(); ++i) m.out[i].bytes = m.out_bytes[i];
  return m.out;
}

bool EnetDelivery::connected() const noexcept {
  return impl_->connected;
}

std::uint32_t EnetDelivery::channel_count() const noexcept {
  return static_cast<std::uint32_t>(impl_->channels.size());
}

const DeliveryStats& EnetDelivery::stats() const noexcept {
  return impl_->stats;
}

}  // namespace tickwire::trace
