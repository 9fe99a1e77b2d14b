// Settings validation: every bound gives a readable error naming the field.
#include <gtest/gtest.h>

#include "tickwire/client.hpp"
#include "tickwire/server.hpp"

namespace tickwire {
namespace {

void expect_invalid(const Status& s, const char* field) {
  EXPECT_FALSE(s);
  EXPECT_EQ(s.code, Errc::InvalidSettings);
  EXPECT_NE(s.message.find(field), std::string::npos) << s.message;
}

ServerSettings keyed() {
  ServerSettings s;
  s.token_key = TokenKey::generate();
  return s;
}

TEST(Settings, DefaultsAreValidOnceAServerHasAKey) {
  expect_invalid(ServerSettings{}.validate(), "token_key");
  EXPECT_TRUE(keyed().validate());
  EXPECT_TRUE(ClientSettings{}.validate());
}

TEST(Settings, ServerBounds) {
  ServerSettings s = keyed();
  s.max_clients = 0;
  expect_invalid(s.validate(), "max_clients");
  s.max_clients = 4096;
  expect_invalid(s.validate(), "max_clients");
  s.max_clients = 4095;
  EXPECT_TRUE(s.validate());
  s.handshake_replies_per_sec = 1;
  expect_invalid(s.validate(), "handshake_replies_per_sec");
  s.handshake_replies_per_sec = 2000;
  s.bind_address.clear();
  expect_invalid(s.validate(), "bind_address");
}

TEST(Settings, TransportBounds) {
  ClientSettings s;
  s.mtu = 500;
  expect_invalid(s.validate(), "mtu");
  s.mtu = 600;  // ENet's would be 575: the ends would cut fragments differently
  expect_invalid(s.validate(), "mtu");
  s = {};
  s.channels.clear();
  expect_invalid(s.validate(), "channels");
  s = {};
  s.channels.assign(256, ChannelKind::Unreliable);
  expect_invalid(s.validate(), "channels");
  s = {};
  s.idle_timeout_ms = 10;
  expect_invalid(s.validate(), "idle_timeout_ms");
  s = {};
  s.ping_interval_ms = s.idle_timeout_ms;
  expect_invalid(s.validate(), "ping_interval_ms");
  s = {};
  s.max_queued_bytes = s.max_message_bytes - 1;
  expect_invalid(s.validate(), "max_queued_bytes");
  s = {};
  s.connect_timeout_ms = 1;
  expect_invalid(s.validate(), "connect_timeout_ms");
  s = {};
  s.conditioner.outgoing.loss_pct = -1;
  expect_invalid(s.validate(), "link conditioner");
}

}  // namespace
}  // namespace tickwire
