// An out-of-tree game built against an installed tickwire: proves that
// find_package(tickwire) and <tickwire/tickwire.hpp> are all a game needs.
// A server and a client in one process on 127.0.0.1; the client sends one
// reliable message, the server echoes it. Exit 0 only when the echo arrives
// within five seconds.
#include <tickwire/tickwire.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr std::string_view kGreeting = "hello from consumer";
constexpr std::chrono::seconds kDeadline{5};

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string_view as_text(std::span<const std::uint8_t> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

int fail(const std::string& why) {
  std::fprintf(stderr, "consumer: FAILED: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main() {
  tickwire::ServerSettings server_settings;
  server_settings.bind_address = "127.0.0.1";
  server_settings.port = 0;  // any free port
  // The game's servers and its backend share this key; here both are us.
  server_settings.token_key = tickwire::TokenKey::generate();
  tickwire::Server server;
  if (tickwire::Status status = server.start(server_settings); !status.ok()) {
    return fail("server.start: " + status.message);
  }

  const std::string address = "127.0.0.1:" + std::to_string(server.port());
  tickwire::ClientSettings client_settings;
  tickwire::ConnectTokenParams token;  // what a backend issues to a player
  token.client_id = 42;
  token.servers = {address};
  if (tickwire::Status status =
          tickwire::make_connect_token(server_settings.token_key, token, client_settings.token);
      !status.ok()) {
    return fail("make_connect_token: " + status.message);
  }
  tickwire::Client client;
  if (tickwire::Status status = client.connect(address, client_settings); !status.ok()) {
    return fail("client.connect(" + address + "): " + status.message);
  }

  bool sent = false;
  bool echoed = false;
  std::string error;
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!echoed && error.empty() && std::chrono::steady_clock::now() < deadline) {
    tickwire::Event event;

    server.update();
    while (error.empty() && server.poll(event)) {
      if (event.type != tickwire::EventType::Message) {
        continue;
      }
      // send() copies the data, so echoing the engine-owned span is fine.
      if (tickwire::Status status = server.send(event.connection, event.channel, event.data);
          !status.ok()) {
        error = "server.send: " + status.message;
      }
    }

    client.update();
    while (error.empty() && client.poll(event)) {
      switch (event.type) {
        case tickwire::EventType::Connected:
          if (!sent) {
            tickwire::Status status = client.send(tickwire::kChannelReliable, as_bytes(kGreeting));
            if (!status.ok()) {
              error = "client.send: " + status.message;
            }
            sent = true;
          }
          break;
        case tickwire::EventType::Disconnected:
          error = std::string("client disconnected: ") + tickwire::to_string(event.reason);
          break;
        case tickwire::EventType::Message:
          if (event.channel != tickwire::kChannelReliable || as_text(event.data) != kGreeting) {
            error = "unexpected echo on channel " + std::to_string(event.channel) + ": \"" +
                    std::string(as_text(event.data)) + "\"";
          } else {
            echoed = true;
          }
          break;
      }
    }

    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  if (!error.empty()) {
    return fail(error);
  }
  if (!echoed) {
    return fail("no echo within " + std::to_string(kDeadline.count()) +
                " s (client state: " + tickwire::to_string(client.state()) +
                (sent ? ", message sent" : ", message never sent") + ")");
  }
  std::printf("consumer: got \"%.*s\" echoed back by the server on port %u\n",
              static_cast<int>(kGreeting.size()), kGreeting.data(),
              static_cast<unsigned>(server.port()));
  return 0;
}
