// The two servers of `tw-bench server`, each with its own clients in this
// process on 127.0.0.1, driven from one thread: tickwire (Server, Clients,
// SnapshotSenders and SnapshotReceivers, public API only) and a bare-ENet
// baseline that sends packets of the sizes tickwire sent. tick() is the
// measured server tick; pump() runs every client once, between ticks and
// outside the measurement.
#pragma once

#include <enet/enet.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <tickwire/tickwire.hpp>

#include "server_world.hpp"

namespace twbench {

// Where one measured tick's time went, ns (steady_clock, one pair per phase).
struct TickTimes {
  std::int64_t receive = 0;   // reading datagrams and applying the clients' acks
  std::int64_t simulate = 0;  // tickwire: the world's step and the ring's capture; ENet: 0
  std::int64_t encode = 0;    // tickwire: SnapshotSender::encode for every client; ENet: 0
  std::int64_t send = 0;      // queueing one message per client
  std::int64_t flush = 0;     // handing the datagrams to the OS (tickwire: sealing too)
  std::int64_t total = 0;     // the whole tick, from its own clock pair
};

// A 4-byte ack (a snapshot tick, little-endian) as the clients send it.
inline constexpr std::size_t kAckBytes = 4;

// The server peers tickwire's Server opens for `max_clients` (spares for
// "server full" refusals: engine/src/net/server.cpp); the baseline opens as
// many, since ENet walks every peer when it sends.
std::uint32_t tickwire_server_peers(std::uint32_t max_clients);

class TickwireFleet {
 public:
  // `world` must outlive the fleet. `settings` sizes the ring, senders and
  // receivers and gives the per-client budget.
  TickwireFleet(BenchWorld& world, const tickwire::ReplicationSettings& settings,
                std::uint32_t clients, bool share_cache);
  ~TickwireFleet();
  TickwireFleet(const TickwireFleet&) = delete;
  TickwireFleet& operator=(const TickwireFleet&) = delete;

  // Starts the server and connects every client (connect tokens under a fresh
  // TokenKey); false with `error` when a client is refused or 15 s pass.
  bool start(std::string& error);
  // When set before start(): the server records a packet trace there.
  std::string server_capture;

  // The server tick: update() and acks, world step and ring capture, one
  // envelope per client on the unreliable-sequenced lane, flush(). `sizes`
  // (one per client) receives each envelope's size, bytes. False with `error`
  // when a client disconnected or a call failed.
  bool tick(std::uint32_t tick, TickTimes& times, std::span<std::uint32_t> sizes,
            std::string& error);
  // Every client once: update(), envelopes into its SnapshotReceiver, its
  // newest tick back as an ack on the unreliable lane, flush().
  bool pump(std::string& error);

  // Clients whose newest snapshot is of tick `last` and equals the server's
  // snapshot of that tick.
  [[nodiscard]] std::uint32_t converged(std::uint32_t last) const;

  [[nodiscard]] tickwire::SenderStats sender_totals() const;      // summed over clients
  [[nodiscard]] tickwire::ReceiverStats receiver_totals() const;  // summed over clients
  // Snapshots the shared cache made for the senders' views (0: no cache).
  [[nodiscard]] std::size_t views_made() const { return cache_ ? cache_->views_made() : 0; }
  // The cipher suite sealing the first client's connection (all use the same settings).
  [[nodiscard]] tickwire::CipherSuite cipher() const;
  [[nodiscard]] std::uint64_t acks_applied() const noexcept { return acks_applied_; }
  [[nodiscard]] std::uint64_t datagrams_dropped() const;  // the server's seam drops, all causes

 private:
  struct Remote;  // one client: its Client, SnapshotReceiver and server-side sender

  BenchWorld* world_;
  tickwire::Server server_;
  tickwire::SnapshotRing ring_;
  std::unique_ptr<tickwire::SnapshotEncodeCache> cache_;  // shared by the senders, or none
  std::vector<std::unique_ptr<Remote>> remotes_;
  std::vector<std::uint32_t> by_slot_;  // ConnectionId slot (low 12 bits) -> remote index
  std::uint64_t acks_applied_ = 0;
};

class EnetFleet {
 public:
  explicit EnetFleet(std::uint32_t clients);
  ~EnetFleet();  // disconnects at once and destroys every host
  EnetFleet(const EnetFleet&) = delete;
  EnetFleet& operator=(const EnetFleet&) = delete;

  // Opens the server host (tickwire's peer count, lanes, MTU and peer
  // settings) and connects every client; false with `error` after 15 s.
  bool start(std::string& error);
  // The server tick: enet_host_service and the acks, one unreliable packet of
  // sizes[c] bytes (none when 0) to client c on lane 1, enet_host_flush.
  bool tick(std::span<const std::uint32_t> sizes, TickTimes& times, std::string& error);
  // Every client once: reads what arrived and, once it has had a packet,
  // sends a 4-byte ack (unsequenced), then flushes.
  bool pump(std::string& error);

  [[nodiscard]] std::uint64_t packets_received() const noexcept { return received_; }
  [[nodiscard]] std::uint64_t acks_received() const noexcept { return acks_; }

 private:
  struct Peer {
    ENetHost* host = nullptr;         // the client's own host, owned
    ENetPeer* to_server = nullptr;    // on `host`
    ENetPeer* from_server = nullptr;  // on the server host, set once connected
    bool connected = false;
    std::uint32_t got = 0;  // packets received
  };
  struct Account {  // bytes handed to ENet and not yet freed, as tickwire's SendAccount
    std::uint64_t queued = 0;
  };

  std::uint32_t clients_;
  ENetHost* server_ = nullptr;
  std::vector<Peer> peers_;
  std::vector<std::uint8_t> payload_;
  Account account_;
  std::uint64_t received_ = 0;
  std::uint64_t acks_ = 0;
};

}  // namespace twbench
