// tickwire variants: tickwire::Server and tickwire::Client through the public
// API only, each object used by one thread. "tickwire" runs on the reliable
// lane (kChannelReliable), "tickwire_unreliable" on the unreliable,
// unsequenced lane (kChannelUnreliable: the direct lane, beside ENet); the
// code is the same, parameterised by the channel.
#include <tickwire/tickwire.hpp>

#include "transport_common.hpp"

namespace twbench {
namespace {

// The server's token key and the client's tokens, as a game's backend would
// make them. Shared by the two threads; made before either starts.
const tickwire::TokenKey& bench_key() {
  static const tickwire::TokenKey key = tickwire::TokenKey::generate();
  return key;
}

// The cipher setting of the current run, for both threads: set before the
// server thread starts, so both read it after.
tickwire::CipherSuite g_cipher = tickwire::CipherSuite::Auto;

// Echoes every message of at most kPingBytes on the channel it came on;
// counts the bytes of larger ones.
void serve_tickwire(ServerShared& shared) {
  tickwire::ServerSettings settings;
  settings.bind_address = "127.0.0.1";
  settings.port = 0;
  settings.max_clients = 1;
  settings.token_key = bench_key();
  settings.cipher = g_cipher;
  tickwire::Server server;
  if (tickwire::Status s = server.start(settings); !s) {
    return shared.fail(s.message);
  }
  shared.ready(server.port());

  std::uint64_t bulk = 0;
  while (!shared.stop.load(std::memory_order_relaxed)) {
    server.update();
    bool echoed = false;
    tickwire::Event event;
    while (server.poll(event)) {
      if (event.type != tickwire::EventType::Message) {
        continue;
      }
      if (event.data.size() <= kPingBytes) {
        (void)server.send(event.connection, event.channel, event.data);
        echoed = true;
      } else {
        bulk += event.data.size();
        shared.bulk_bytes.store(bulk, std::memory_order_relaxed);
      }
    }
    if (echoed) {
      server.flush();
    }
  }
}

// Sends pings and bulk messages on `channel` (one of the default lanes).
class TickwireLink {
 public:
  explicit TickwireLink(std::uint8_t channel) : channel_(channel) {}

  bool connect(std::uint16_t port) {
    tickwire::ClientSettings settings;
    settings.cipher = g_cipher;
    settings.connect_timeout_ms = static_cast<std::uint32_t>(kConnectTimeoutNs / 1'000'000);
    const std::string address = "127.0.0.1:" + std::to_string(port);
    tickwire::ConnectTokenParams token;
    token.servers = {address};
    if (tickwire::Status s = tickwire::make_connect_token(bench_key(), token, settings.token); !s) {
      return fail(s.message);
    }
    if (tickwire::Status s = client_.connect(address, settings); !s) {
      return fail(s.message);
    }
    const std::int64_t deadline = now_ns() + kConnectTimeoutNs + 100'000'000;
    while (now_ns() < deadline) {
      client_.update();
      tickwire::Event event;
      while (client_.poll(event)) {
        if (event.type == tickwire::EventType::Connected) {
          cipher_ = client_.stats().cipher;
          return true;
        }
        if (event.type == tickwire::EventType::Disconnected) {
          return fail(std::string("connecting failed: ") + tickwire::to_string(event.reason));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return fail("connecting to 127.0.0.1:" + std::to_string(port) + " timed out after 5 s");
  }

  bool send_ping(std::span<const std::uint8_t> data) {
    if (!send_bulk(data)) {
      return false;
    }
    client_.flush();
    return true;
  }
  bool send_bulk(std::span<const std::uint8_t> data) {
    if (tickwire::Status s = client_.send(channel_, data); !s) {
      return fail(s.message);
    }
    return true;
  }
  std::size_t queued_bytes() const { return client_.stats().queued_bytes; }

  template <class F>
  bool service(F&& on_message) {
    client_.update();
    tickwire::Event event;
    while (client_.poll(event)) {
      if (event.type == tickwire::EventType::Disconnected) {
        return fail(std::string("disconnected: ") + tickwire::to_string(event.reason));
      }
      if (event.type == tickwire::EventType::Message && on_message(event.data)) {
        return true;
      }
    }
    return true;
  }
  const std::string& error() const noexcept { return error_; }
  tickwire::CipherSuite cipher() const noexcept { return cipher_; }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  std::uint8_t channel_;
  tickwire::Client client_;
  std::string error_;
  tickwire::CipherSuite cipher_ = tickwire::CipherSuite::Auto;
};

}  // namespace

bool run_tickwire(const PhasePlan& plan, VariantSamples& out, std::string& error) {
  g_cipher = plan.cipher;
  return run_variant<TickwireLink>(serve_tickwire, plan, out, error, tickwire::kChannelReliable);
}

bool run_tickwire_unreliable(const PhasePlan& plan, VariantSamples& out, std::string& error) {
  g_cipher = plan.cipher;
  return run_variant<TickwireLink>(serve_tickwire, plan, out, error, tickwire::kChannelUnreliable);
}

}  // namespace twbench
