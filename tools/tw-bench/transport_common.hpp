// What the five transport variants share: the measurement plan, the
// samples they produce, the echo server's shared state and the two client
// loops (ping-pong and bulk send), written once against a small "Link"
// interface so that every variant is measured by the same code.
//
// A Link is the client end of one variant, used only by the measuring thread:
//   bool connect(std::uint16_t port)                the server's port on 127.0.0.1
//   bool send_ping(std::span<const std::uint8_t>)   queue and send at once
//   bool send_bulk(std::span<const std::uint8_t>)   queue; false = refused now
//   std::size_t queued_bytes()                      accepted and not yet released
//   bool service(F on_message)                      send and receive what is due;
//       on_message(std::span<const std::uint8_t>) returns true to stop draining;
//       false from service() means the link failed (see error()).
//   const std::string& error()
//   tickwire::CipherSuite cipher()                  optional: the suite that seals
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include <tickwire/cipher.hpp>
#include <vector>

namespace twbench {

inline constexpr std::size_t kPingBytes = 64;    // ping-pong message, bytes
inline constexpr std::size_t kBulkBytes = 1024;  // throughput message, bytes
// The bulk sender keeps at most this much queued, bytes.
inline constexpr std::size_t kQueueBound = std::size_t{256} * 1024;
inline constexpr int kBulkBurst = 64;  // bulk messages queued per service call
// A ping unanswered this long is counted lost and the next one sent, ns.
inline constexpr std::int64_t kPongTimeoutNs = 1'000'000'000;
inline constexpr std::int64_t kConnectTimeoutNs = 5'000'000'000;  // connecting gives up, ns
inline constexpr int kMaxLostPings = 20;  // per phase; beyond it the variant fails
// A ping-pong phase stops early (keeping its samples) after kRttCapBaseNs
// plus kRttCapPerTripNs per planned round trip, about ten times the normal
// loopback cost. It only trips when the cores are oversubscribed and busy
// polling turns into waiting for a time slice; the run still ends in time.
inline constexpr std::int64_t kRttCapBaseNs = 2'000'000'000;
inline constexpr std::int64_t kRttCapPerTripNs = 300'000;

// What tickwire gives ENet beyond its public TransportSettings (which the
// bare-ENet baseline reads directly), so that both run ENet identically:
// tickwire::Server with max_clients = 1 opens one slot plus 16 spare peers
// for "server full" refusals, and every peer gets ENet's timeout limit of 32
// (engine/src/net/server.cpp and host.cpp).
inline constexpr std::size_t kServerPeers = 17;
inline constexpr std::uint32_t kTimeoutLimit = 32;

inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One variant's share of one round.
struct PhasePlan {
  int warmup = 200;         // round trips before sampling starts
  int round_trips = 10000;  // sampled round trips
  double seconds = 2.0;     // throughput window after its warm-up, s
  // tickwire's cipher suite setting, for both ends; udp_sealed seals with
  // the suite it resolves to (udp and enet do not seal).
  tickwire::CipherSuite cipher = tickwire::CipherSuite::Auto;
};

// Samples of one variant, merged over rounds.
struct VariantSamples {
  std::vector<double> rtt_ns;  // one per answered ping, ns
  std::uint64_t lost = 0;      // pings unanswered within kPongTimeoutNs
  int truncated = 0;           // ping-pong phases stopped early by the time cap
  std::uint64_t bytes = 0;     // bulk bytes the server received inside the windows
  double seconds = 0;          // total length of the windows, s
  // Sealed variants only (tickwire's two and udp_sealed): the suite the
  // link used, never Auto once connected; Auto for the unsealed ones.
  tickwire::CipherSuite cipher = tickwire::CipherSuite::Auto;
};

// The server thread's side of one variant run. The server echoes every
// message of at most kPingBytes to its sender and counts the bytes of every
// larger one. It owns its transport object for its whole life.
struct ServerShared {
  enum : int { kStarting = 0, kReady = 1, kFailed = -1 };
  std::atomic<int> state{kStarting};
  std::atomic<std::uint16_t> port{0};        // valid once kReady
  std::atomic<bool> stop{false};             // set by the measuring thread
  std::atomic<std::uint64_t> bulk_bytes{0};  // written by the server thread only
  std::string error;                         // written before state becomes kFailed

  void ready(std::uint16_t p) {
    port.store(p, std::memory_order_relaxed);
    state.store(kReady, std::memory_order_release);
  }
  void fail(std::string why) {
    error = std::move(why);
    state.store(kFailed, std::memory_order_release);
  }
  // Waits up to kConnectTimeoutNs for the server to be ready. Not a hot path.
  bool wait_ready(std::string& why) const {
    const std::int64_t deadline = now_ns() + kConnectTimeoutNs;
    while (now_ns() < deadline) {
      const int s = state.load(std::memory_order_acquire);
      if (s == kReady) {
        return true;
      }
      if (s == kFailed) {
        why = "server: " + error;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    why = "the server did not start within 5 s";
    return false;
  }
};

// Runs a server function in its own thread; stops and joins it on
// destruction. Declare it before the client so the client goes first.
class ServerThread {
 public:
  template <class Fn>
  explicit ServerThread(Fn fn) : thread_([this, fn] { fn(shared_); }) {}
  ~ServerThread() {
    shared_.stop.store(true, std::memory_order_relaxed);
    thread_.join();
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  ServerShared& shared() noexcept { return shared_; }

 private:
  ServerShared shared_;
  std::thread thread_;
};

// Ping-pong: one ping in flight, busy polling until its pong, plan.warmup
// unrecorded round trips first. The pong must carry the ping's sequence
// number, so a late pong from a ping given up as lost is not miscounted.
template <class Link>
bool measure_rtt(Link& link, const PhasePlan& plan, VariantSamples& out, std::string& error) {
  std::array<std::uint8_t, kPingBytes> ping{};
  std::uint64_t sequence = 0;
  int lost = 0;
  const std::int64_t cap =
      now_ns() + kRttCapBaseNs + kRttCapPerTripNs * (plan.warmup + plan.round_trips);
  for (int done = 0; done < plan.warmup + plan.round_trips;) {
    if (now_ns() > cap) {
      ++out.truncated;
      return true;
    }
    ++sequence;
    std::memcpy(ping.data(), &sequence, sizeof(sequence));
    const std::int64_t start = now_ns();
    if (!link.send_ping(ping)) {
      error = "ping: " + link.error();
      return false;
    }
    bool answered = false;
    std::int64_t end = start;
    auto on_message = [&](std::span<const std::uint8_t> message) {
      std::uint64_t echoed = 0;
      if (message.size() != kPingBytes) {
        return false;
      }
      std::memcpy(&echoed, message.data(), sizeof(echoed));
      answered = echoed == sequence;
      return answered;
    };
    while (!answered) {
      if (!link.service(on_message)) {
        error = "waiting for a pong: " + link.error();
        return false;
      }
      end = now_ns();
      if (!answered && end - start > kPongTimeoutNs) {
        break;
      }
    }
    if (!answered) {
      ++out.lost;
      if (++lost > kMaxLostPings) {
        error = "more than " + std::to_string(kMaxLostPings) + " pings went unanswered for 1 s";
        return false;
      }
      continue;  // the next ping, with a new sequence number, is the resend
    }
    if (done >= plan.warmup) {
      out.rtt_ns.push_back(static_cast<double>(end - start));
    }
    ++done;
  }
  return true;
}

// Bulk one-way send: keeps up to kQueueBound bytes queued, servicing between
// bursts. The rate is what the server counted inside a window that opens
// after a warm-up (a quarter of the window, at most 200 ms), so the start of
// the transfer (ENet's window and throttle settling) is not measured.
template <class Link>
bool measure_throughput(Link& link, const std::atomic<std::uint64_t>& received,
                        const PhasePlan& plan, VariantSamples& out, std::string& error) {
  std::vector<std::uint8_t> message(kBulkBytes, 0xA5);
  const auto window_ns = static_cast<std::int64_t>(plan.seconds * 1e9);
  const std::int64_t warmup_ns = std::min<std::int64_t>(window_ns / 4, 200'000'000);
  std::int64_t opened = now_ns() + warmup_ns;
  std::int64_t closes = 0;
  std::uint64_t bytes_at_open = 0;
  bool measuring = false;
  auto ignore = [](std::span<const std::uint8_t>) { return false; };
  for (;;) {
    const std::int64_t now = now_ns();
    if (!measuring && now >= opened) {
      bytes_at_open = received.load(std::memory_order_relaxed);
      opened = now;
      closes = now + window_ns;
      measuring = true;
    } else if (measuring && now >= closes) {
      out.bytes += received.load(std::memory_order_relaxed) - bytes_at_open;
      out.seconds += static_cast<double>(now - opened) * 1e-9;
      return true;
    }
    for (int i = 0; i < kBulkBurst && link.queued_bytes() + kBulkBytes <= kQueueBound; ++i) {
      if (!link.send_bulk(message)) {
        break;
      }
    }
    if (!link.service(ignore)) {
      error = "bulk send: " + link.error();
      return false;
    }
  }
}

// One variant end to end: its server on a thread, a Link connected to it,
// the round trips, then the throughput. Each variant's file instantiates it
// with its own Link and server function; `link_args` go to the Link's
// constructor (none: value-initialised). What `serve` captures by reference
// must outlive this call (the server thread is joined before it returns).
template <class Link, class Serve, class... LinkArgs>
bool run_variant(Serve serve, const PhasePlan& plan, VariantSamples& out, std::string& error,
                 const LinkArgs&... link_args) {
  ServerThread server(serve);
  if (!server.shared().wait_ready(error)) return false;
  Link link(link_args...);
  if (!link.connect(server.shared().port.load())) {
    error = link.error();
    return false;
  }
  if constexpr (requires { link.cipher(); }) out.cipher = link.cipher();
  return measure_rtt(link, plan, out, error) &&
         measure_throughput(link, server.shared().bulk_bytes, plan, out, error);
}

// The five variants: each connects, runs both phases once (ping-pong, then
// bulk) and tears down. False with `error` set when something failed.
// Raw UDP, unencrypted (transport_udp.cpp).
bool run_udp(const PhasePlan& plan, VariantSamples& out, std::string& error);
// Raw UDP with every datagram AEAD-sealed, netcode-style (transport_udp.cpp).
bool run_udp_sealed(const PhasePlan& plan, VariantSamples& out, std::string& error);
// Bare ENet, reliable lane (transport_enet.cpp).
bool run_enet(const PhasePlan& plan, VariantSamples& out, std::string& error);
// tickwire on its reliable lane (kChannelReliable) and on its unreliable,
// unsequenced lane (kChannelUnreliable) (transport_tickwire.cpp).
bool run_tickwire(const PhasePlan& plan, VariantSamples& out, std::string& error);
bool run_tickwire_unreliable(const PhasePlan& plan, VariantSamples& out, std::string& error);

}  // namespace twbench
