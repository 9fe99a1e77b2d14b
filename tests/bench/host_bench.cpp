// Google Benchmark: what a game's loop pays when nothing arrives, per turn:
// a connected client's update() + poll(), and a server's with one client,
// beside the baseline of one non-blocking recv() on an empty UDP socket
// (what a plain UDP loop pays per turn). A busy-polling game notices a
// datagram half a turn late on average, so this cost is part of the round
// trip tw-bench transport measures.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "tickwire/tickwire.hpp"

namespace {

using namespace tickwire;

struct Pair {
  Server server;
  Client client;
  bool ok = false;

  Pair() {
    const TokenKey key = TokenKey::generate();
    ServerSettings s;
    s.bind_address = "127.0.0.1";
    s.port = 0;
    s.max_clients = 1;
    s.token_key = key;
    if (!server.start(s)) return;
    ClientSettings c;
    ConnectTokenParams params;
    params.servers = {"127.0.0.1:" + std::to_string(server.port())};
    if (!make_connect_token(key, params, c.token)) return;
    if (!client.connect(params.servers[0], c)) return;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < end && !client.connected()) {
      turn(server);
      turn(client);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ok = client.connected();
  }
  template <class Host>
  static void turn(Host& host) {
    host.update();
    Event e;
    while (host.poll(e)) benchmark::DoNotOptimize(e);
  }
};

void BM_IdleTurnClient(benchmark::State& state) {
  Pair pair;
  if (!pair.ok) {
    state.SkipWithError("could not connect");
    return;
  }
  for (auto _ : state) Pair::turn(pair.client);
}
BENCHMARK(BM_IdleTurnClient);

void BM_IdleTurnServer(benchmark::State& state) {
  Pair pair;
  if (!pair.ok) {
    state.SkipWithError("could not connect");
    return;
  }
  for (auto _ : state) Pair::turn(pair.server);
}
BENCHMARK(BM_IdleTurnServer);

void BM_IdleTurnBareRecv(benchmark::State& state) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  char buffer[1500];
  for (auto _ : state) benchmark::DoNotOptimize(::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT));
  ::close(fd);
}
BENCHMARK(BM_IdleTurnBareRecv);

}  // namespace

// One thread plays both ends of a 64-byte ping-pong over loopback (the
// kernel queues a loopback datagram on the receiving socket before send
// returns), so this is the CPU cost of a round trip's path, without the
// waiting: tickwire on a lane, and netcode-style sealed UDP (AES-256-GCM).
void ping_pong(benchmark::State& state, std::uint8_t channel) {
  Pair pair;
  if (!pair.ok) {
    state.SkipWithError("could not connect");
    return;
  }
  const std::vector<std::uint8_t> ping(64, 7);
  const ConnectionId id = pair.server.connections().front();
  for (auto _ : state) {
    (void)pair.client.send(channel, ping);
    pair.client.flush();
    bool back = false;
    for (int spin = 0; spin < 100000 && !back; ++spin) {
      pair.server.update();
      Event e;
      while (pair.server.poll(e))
        if (e.type == EventType::Message) (void)pair.server.send(id, channel, e.data);
      pair.server.flush();
      pair.client.update();
      while (pair.client.poll(e)) back |= e.type == EventType::Message;
    }
    if (!back) {
      state.SkipWithError("the ping did not come back");
      return;
    }
  }
}
void BM_PingPongUnreliableLane(benchmark::State& state) {
  ping_pong(state, kChannelUnreliable);
}
BENCHMARK(BM_PingPongUnreliableLane);
void BM_PingPongReliableLane(benchmark::State& state) {
  ping_pong(state, kChannelReliable);
}
BENCHMARK(BM_PingPongReliableLane);

void BM_PingPongSealedUdp(benchmark::State& state) {
  if (sodium_init() < 0 || crypto_aead_aes256gcm_is_available() == 0) {
    state.SkipWithError("no AES-256-GCM here");
    return;
  }
  int fd[2];
  sockaddr_in at[2]{};
  for (int i = 0; i < 2; ++i) {
    fd[i] = ::socket(AF_INET, SOCK_DGRAM, 0);
    at[i].sin_family = AF_INET;
    at[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd[i], reinterpret_cast<sockaddr*>(&at[i]), sizeof at[i]);
    socklen_t n = sizeof at[i];
    ::getsockname(fd[i], reinterpret_cast<sockaddr*>(&at[i]), &n);
  }
  unsigned char key[crypto_aead_aes256gcm_KEYBYTES];
  randombytes_buf(key, sizeof key);
  crypto_aead_aes256gcm_state keys;
  crypto_aead_aes256gcm_beforenm(&keys, key);
  std::uint64_t sequence = 0;
  unsigned char plain[64] = {7}, wire[128], opened[128];
  // Seal (sequence as nonce), send to the other end, receive there, open.
  auto hop = [&](int from, int to) {
    unsigned char nonce[crypto_aead_aes256gcm_NPUBBYTES] = {};
    ++sequence;
    std::memcpy(nonce, &sequence, sizeof sequence);
    unsigned long long sealed = 0;
    crypto_aead_aes256gcm_encrypt_afternm(wire + 8, &sealed, plain, sizeof plain, nullptr, 0,
                                          nullptr, nonce, &keys);
    std::memcpy(wire, &sequence, 8);
    ::sendto(fd[from], wire, sealed + 8, 0, reinterpret_cast<sockaddr*>(&at[to]), sizeof at[to]);
    ssize_t got = -1;
    for (int spin = 0; spin < 100000 && got < 0; ++spin)
      got = ::recv(fd[to], wire, sizeof wire, MSG_DONTWAIT);
    unsigned long long n = 0;
    std::memcpy(nonce, wire, 8);
    return got > 8 && crypto_aead_aes256gcm_decrypt_afternm(
                          opened, &n, nullptr, wire + 8, static_cast<unsigned long long>(got) - 8,
                          nullptr, 0, nonce, &keys) == 0;
  };
  for (auto _ : state) {
    if (!hop(0, 1) || !hop(1, 0)) {
      state.SkipWithError("a datagram did not open");
      break;
    }
  }
  ::close(fd[0]);
  ::close(fd[1]);
}
BENCHMARK(BM_PingPongSealedUdp);
