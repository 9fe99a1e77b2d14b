// Test harness: a server and clients on loopback, pumped until a condition
// holds or a deadline passes. Every wait is bounded.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tickwire/tickwire.hpp"

namespace tickwire::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The token key every test server uses (a fresh one per test process).
inline const TokenKey& test_key() {
  static const TokenKey key = TokenKey::generate();
  return key;
}

inline ServerSettings loopback_server(std::uint32_t max_clients = 8) {
  ServerSettings s;
  s.bind_address = "127.0.0.1";
  s.port = 0;
  s.max_clients = max_clients;
  s.token_key = test_key();
  return s;
}

inline std::string address_of(const Server& server) {
  return "127.0.0.1:" + std::to_string(server.port());
}

// Client settings with a fresh connect token for `server` (as a backend would
// issue one), made with `key` (default: the test servers' key).
inline ClientSettings client_for(const Server& server, ClientSettings settings = {},
                                 const TokenKey& key = test_key()) {
  static std::uint64_t next_client_id = 1000;
  ConnectTokenParams params;
  params.client_id = next_client_id++;
  params.protocol_id = settings.protocol_id;
  params.servers = {address_of(server)};
  params.user_data[0] = static_cast<std::uint8_t>(params.client_id);
  const Status s = make_connect_token(key, params, settings.token);
  EXPECT_TRUE(s) << s.message;
  return settings;
}

inline std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string text(std::span<const std::uint8_t> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

// Collects events of a server or client as they are polled.
struct Recorded {
  std::vector<Event> events;  // data spans are cleared: they do not outlive poll()
  std::vector<std::string> messages;

  void add(const Event& e) {
    Event copy = e;
    copy.data = {};
    events.push_back(copy);
    if (e.type == EventType::Message) messages.push_back(text(e.data));
  }
  [[nodiscard]] int count(EventType type) const {
    int n = 0;
    for (const Event& e : events) n += e.type == type;
    return n;
  }
  [[nodiscard]] const Event* last(EventType type) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->type == type) return &*it;
    return nullptr;
  }
};

// Pumps a server and any number of clients. Message handlers may be set to
// act on messages as they arrive (the data is only valid inside the call).
class Loop {
 public:
  Server* server = nullptr;
  std::vector<Client*> clients;
  Recorded server_events;
  std::vector<Recorded> client_events;
  std::function<void(const Event&)> on_server_message;
  std::function<void(std::size_t, const Event&)> on_client_message;
  std::function<void()> each_frame;

  void step() {
    if (server) {
      server->update();
      Event e;
      while (server->poll(e)) {
        server_events.add(e);
        if (e.type == EventType::Message && on_server_message) on_server_message(e);
      }
    }
    client_events.resize(clients.size());
    for (std::size_t i = 0; i < clients.size(); ++i) {
      clients[i]->update();
      Event e;
      while (clients[i]->poll(e)) {
        client_events[i].add(e);
        if (e.type == EventType::Message && on_client_message) on_client_message(i, e);
      }
    }
    if (each_frame) each_frame();
  }

  // Steps every millisecond until `done` or `limit`; returns whether done.
  bool until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      step();
      if (done()) return true;
      std::this_thread::sleep_for(1ms);
    }
    step();
    return done();
  }

  void run_for(std::chrono::milliseconds span) {
    until([] { return false; }, span);
  }
};

// Starts `server`, connects `client` to it with a fresh token, points `loop`
// at both and pumps until both see the connection (within `limit`).
inline ::testing::AssertionResult start_and_connect(
    Server& server, Client& client, Loop& loop, const ServerSettings& settings = loopback_server(),
    const ClientSettings& client_settings = {}, std::chrono::milliseconds limit = 5s) {
  if (Status s = server.start(settings); !s)
    return ::testing::AssertionFailure() << "server: " << s.message;
  if (Status s = client.connect(address_of(server), client_for(server, client_settings)); !s)
    return ::testing::AssertionFailure() << "client: " << s.message;
  loop.server = &server;
  loop.clients = {&client};
  if (!loop.until([&] { return client.connected() && server.connection_count() == 1; }, limit))
    return ::testing::AssertionFailure() << "not connected: client " << to_string(client.state())
                                         << ", " << to_string(client.disconnect_reason());
  return ::testing::AssertionSuccess();
}

}  // namespace tickwire::test
