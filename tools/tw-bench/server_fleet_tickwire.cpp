// tickwire's side of `tw-bench server`: one Server, its clients, one
// SnapshotSender per client on the server and one SnapshotReceiver per client,
// through the public API only.
#include <array>
#include <chrono>
#include <limits>
#include <thread>

#include "server_fleets.hpp"
#include "transport_common.hpp"

namespace twbench {

using namespace tickwire;

namespace {
constexpr std::uint32_t kNoRemote = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kSlotMask = (1u << 12) - 1;  // ConnectionId: slot in the low 12 bits
constexpr std::int64_t kStartTimeoutNs = 15'000'000'000;

std::array<std::uint8_t, kAckBytes> encode_ack(std::uint32_t tick) {
  return {static_cast<std::uint8_t>(tick), static_cast<std::uint8_t>(tick >> 8),
          static_cast<std::uint8_t>(tick >> 16), static_cast<std::uint8_t>(tick >> 24)};
}

std::uint32_t decode_ack(std::span<const std::uint8_t> data) {
  return std::uint32_t{data[0]} | (std::uint32_t{data[1]} << 8) | (std::uint32_t{data[2]} << 16) |
         (std::uint32_t{data[3]} << 24);
}
}  // namespace

// One client and what the server keeps for it.
struct TickwireFleet::Remote {
  Remote(const Schema& schema, const ReplicationSettings& settings)
      : receiver(schema, settings), sender(schema, settings) {}

  Client client;
  SnapshotReceiver receiver;                     // the client's
  SnapshotSender sender;                         // the server's, for this client
  ConnectionId connection = kInvalidConnection;  // the server's id for it, once connected
  bool connected = false;                        // the client saw Connected
  std::vector<std::uint8_t> envelope;            // the server's newest envelope to it
};

TickwireFleet::TickwireFleet(BenchWorld& world, const ReplicationSettings& settings,
                             std::uint32_t clients, bool share_cache)
    : world_(&world),
      ring_(world.schema(), settings),
      by_slot_(std::size_t{kSlotMask} + 1, kNoRemote) {
  remotes_.reserve(clients);
  for (std::uint32_t i = 0; i < clients; ++i) {
    remotes_.push_back(std::make_unique<Remote>(world.schema(), settings));
  }
  if (share_cache) {
    cache_ = std::make_unique<SnapshotEncodeCache>(world.schema(), settings);
    for (auto& r : remotes_) r->sender.set_cache(cache_.get());
  }
}

TickwireFleet::~TickwireFleet() {
  remotes_.clear();  // the clients go first, so the server's stop() need not wait for them
}

bool TickwireFleet::start(std::string& error) {
  ServerSettings ss;
  ss.bind_address = "127.0.0.1";
  ss.port = 0;
  ss.max_clients = static_cast<std::uint32_t>(remotes_.size());
  ss.max_sessions_per_address = 0;  // every bench client comes from 127.0.0.1
  ss.token_key = TokenKey::generate();
  ss.capture_path = server_capture;
  if (Status s = server_.start(ss); !s) {
    error = "tickwire server: " + s.message;
    return false;
  }
  const std::string address = "127.0.0.1:" + std::to_string(server_.port());
  for (std::size_t i = 0; i < remotes_.size(); ++i) {
    ClientSettings cs;
    ConnectTokenParams token;
    token.client_id = i + 1;  // the server finds the client's index from it
    token.servers = {address};
    if (Status s = make_connect_token(ss.token_key, token, cs.token); !s) {
      error = "make_connect_token: " + s.message;
      return false;
    }
    if (Status s = remotes_[i]->client.connect(address, cs); !s) {
      error = "client " + std::to_string(i) + ": " + s.message;
      return false;
    }
  }
  const std::int64_t deadline = now_ns() + kStartTimeoutNs;
  std::size_t both_sides = 0;
  while (now_ns() < deadline) {
    server_.update();
    Event e;
    while (server_.poll(e)) {
      if (e.type != EventType::Connected) continue;
      const std::uint64_t id = server_.client_id(e.connection);
      if (id == 0 || id > remotes_.size()) continue;
      remotes_[id - 1]->connection = e.connection;
      by_slot_[e.connection & kSlotMask] = static_cast<std::uint32_t>(id - 1);
    }
    both_sides = 0;
    for (std::size_t i = 0; i < remotes_.size(); ++i) {
      Remote& r = *remotes_[i];
      r.client.update();
      while (r.client.poll(e)) {
        if (e.type == EventType::Connected) r.connected = true;
        if (e.type == EventType::Disconnected) {
          error =
              "tickwire client " + std::to_string(i) + " could not connect: " + to_string(e.reason);
          return false;
        }
      }
      if (r.connected && r.connection != kInvalidConnection) ++both_sides;
    }
    if (both_sides == remotes_.size()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  error = "only " + std::to_string(both_sides) + " of " + std::to_string(remotes_.size()) +
          " tickwire clients connected within 15 s";
  return false;
}

bool TickwireFleet::tick(std::uint32_t tick, TickTimes& times, std::span<std::uint32_t> sizes,
                         std::string& error) {
  const std::uint64_t server_time_us = std::uint64_t{tick} * 1'000'000 / 60;
  bool lost = false;
  const std::int64_t t0 = now_ns();
  server_.update();
  Event e;
  while (server_.poll(e)) {
    if (e.type == EventType::Message && e.channel == kChannelUnreliable &&
        e.data.size() == kAckBytes) {
      const std::uint32_t index = by_slot_[e.connection & kSlotMask];
      if (index != kNoRemote && remotes_[index]->connection == e.connection) {
        remotes_[index]->sender.acknowledge(decode_ack(e.data));
        ++acks_applied_;
      }
    } else if (e.type == EventType::Disconnected) {
      lost = true;
    }
  }
  const std::int64_t t1 = now_ns();
  world_->step(tick);
  const Snapshot* world = ring_.capture(world_->store(), tick);
  const std::int64_t t2 = now_ns();
  SnapshotError encoded = SnapshotError::None;
  if (world != nullptr) {
    for (const auto& r : remotes_) {
      const SnapshotError result = r->sender.encode(*world, 0, server_time_us, r->envelope);
      if (result != SnapshotError::None) encoded = result;
    }
  }
  const std::int64_t t3 = now_ns();
  Status sent;
  for (std::size_t i = 0; i < remotes_.size(); ++i) {
    const Remote& r = *remotes_[i];
    if (Status s = server_.send(r.connection, kChannelSequenced, r.envelope); !s) sent = s;
    sizes[i] = static_cast<std::uint32_t>(r.envelope.size());
  }
  const std::int64_t t4 = now_ns();
  server_.flush();
  const std::int64_t t5 = now_ns();
  times = TickTimes{t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0};

  if (lost) {
    error = "a tickwire client disconnected from the server";
  } else if (world == nullptr) {
    error = "the snapshot ring refused tick " + std::to_string(tick);
  } else if (encoded != SnapshotError::None) {
    error = std::string("SnapshotSender::encode: ") + to_string(encoded);
  } else if (!sent) {
    error = "Server::send: " + sent.message;
  } else {
    return true;
  }
  return false;
}

bool TickwireFleet::pump(std::string& error) {
  for (std::size_t i = 0; i < remotes_.size(); ++i) {
    Remote& r = *remotes_[i];
    r.client.update();
    Event e;
    while (r.client.poll(e)) {
      if (e.type == EventType::Message && e.channel == kChannelSequenced) {
        (void)r.receiver.receive(e.data);  // refusals are counted in its stats
      } else if (e.type == EventType::Disconnected) {
        error = "tickwire client " + std::to_string(i) + " disconnected: " + to_string(e.reason);
        return false;
      }
    }
    // Like an input packet would, every frame: the newest snapshot held.
    if (const auto ack = r.receiver.ack()) {
      const auto bytes = encode_ack(*ack);
      if (Status s = r.client.send(kChannelUnreliable, bytes); !s) {
        error = "tickwire client " + std::to_string(i) + ": " + s.message;
        return false;
      }
      r.client.flush();
    }
  }
  return true;
}

std::uint32_t TickwireFleet::converged(std::uint32_t last) const {
  const Snapshot* world = ring_.find(last);
  if (world == nullptr) return 0;
  std::uint32_t count = 0;
  for (const auto& r : remotes_) {
    const Snapshot* held = r->receiver.newest();
    if (held != nullptr && held->tick() == last && *held == *world) ++count;
  }
  return count;
}

CipherSuite TickwireFleet::cipher() const {
  return remotes_.empty() ? CipherSuite::Auto : remotes_.front()->client.stats().cipher;
}

SenderStats TickwireFleet::sender_totals() const {
  SenderStats sum;
  for (const auto& r : remotes_) {
    const SenderStats& s = r->sender.stats();
    sum.full_sent += s.full_sent;
    sum.delta_sent += s.delta_sent;
    sum.stream_bytes += s.stream_bytes;
    sum.entities_sent += s.entities_sent;
    sum.entities_deferred += s.entities_deferred;
    sum.budget_retries += s.budget_retries;
    sum.cache_hits += s.cache_hits;
  }
  return sum;
}

ReceiverStats TickwireFleet::receiver_totals() const {
  ReceiverStats sum;
  for (const auto& r : remotes_) {
    const ReceiverStats& s = r->receiver.stats();
    sum.received += s.received;
    sum.stale += s.stale;
    sum.bad_envelope += s.bad_envelope;
    sum.unknown_baseline += s.unknown_baseline;
    sum.decode_errors += s.decode_errors;
  }
  return sum;
}

std::uint64_t TickwireFleet::datagrams_dropped() const {
  return server_.host_stats().drops.total();
}

}  // namespace twbench
