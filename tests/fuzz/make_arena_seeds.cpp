// Writes the seed corpora of arena's fuzz targets: real game messages of
// every type (DIR/arena_protocol), and snapshot envelope sequences
// (DIR/arena_state) from bot matches through the game's state channel, plus
// a few well-coded worlds the game must refuse or trim.
// Usage: make_arena_seeds DIR
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "arena_state_input.hpp"
#include "proto/messages.hpp"
#include "proto/replication.hpp"
#include "proto/state_channel.hpp"
#include "sim/bot.hpp"
#include "sim/world.hpp"

namespace {

namespace fs = std::filesystem;
using namespace arena;

// False when `bytes` is empty (a seed that could not be made) or on an I/O error.
bool write(const fs::path& dir, const std::string& name, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return false;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

template <typename Msg>
bool write_message(const fs::path& dir, const std::string& name, const Msg& m) {
  std::vector<std::uint8_t> bytes;
  proto::encode(m, bytes);
  return write(dir, name, bytes);
}

bool write_protocol_seeds(const fs::path& dir) {
  using namespace proto;
  bool ok = write_message(dir, "hello", HelloMsg{kGameVersion, "ace"});
  ok &= write_message(dir, "hello_empty", HelloMsg{kGameVersion, ""});
  ok &= write_message(dir, "hello_hostile",
                      HelloMsg{0xffff, "  \x01\x7f\xff long name, far beyond fifteen  "});
  ok &= write_message(dir, "welcome", WelcomeMsg{kGameVersion, 3, 1234, 60, 30});
  ok &=
      write_message(dir, "welcome_edge", WelcomeMsg{kGameVersion, sim::kMaxPlayers - 1, ~0u, 1, 1});

  InputMsg input;
  input.count = 1;
  input.frames[0] = {17, {1, 0, 0.5f, -0.5f, true}};
  ok &= write_message(dir, "input", input);
  input.count = kMaxInputFrames;
  for (int i = 0; i < kMaxInputFrames; ++i)
    input.frames[static_cast<std::size_t>(i)] = {100u - static_cast<std::uint32_t>(i),
                                                 {-1, 1, 3, 4, i % 2 == 0}};
  input.snapshot_ack = 98;
  ok &= write_message(dir, "input_full", input);
  input.count = 2;
  input.frames[1].input = {std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(), 0, 0, false};
  input.snapshot_ack = 0;
  ok &= write_message(dir, "input_nonfinite", input);

  ScoreboardMsg board;
  ok &= write_message(dir, "scoreboard_empty", board);
  board.players = {{0, 1, "ace", false, 3, 1, 40}, {5, 9, "bot 5", true, 0, 4, 0}};
  ok &= write_message(dir, "scoreboard", board);
  board.players.clear();
  for (int i = 0; i < sim::kMaxPlayers; ++i)
    board.players.push_back({static_cast<std::uint8_t>(i), 1000u + static_cast<std::uint32_t>(i),
                             "player " + std::to_string(i), i % 2 == 1, -i, i * 7, 999});
  ok &= write_message(dir, "scoreboard_full", board);
  ok &= write_message(dir, "kill", KillMsg{4321, 2, 7});
  return ok;
}

// A match of `players` bots (slots 0..players-1); after `warmup` ticks its
// state channel sends to the client in slot 0 every `interval` ticks, for
// `ticks` ticks. The client acks what it holds.
struct Match {
  int players = 4;
  int warmup = 30;  // ticks before the client joins
  int ticks = 40;
  std::uint32_t interval = 2;
  int reset_at = -1;   // envelope index at which the client rejoins (a whole snapshot)
  int lose_every = 0;  // every n-th envelope is lost (0: none)
};

// The envelopes the client received (not lost), in order, as a fuzz input.
std::vector<std::uint8_t> play(const Match& m) {
  sim::World world;
  std::vector<sim::BotBrain> brains;
  for (int i = 0; i < m.players; ++i) {
    sim::add_player(world, i);
    brains.emplace_back(static_cast<std::uint64_t>(i) + 11);
  }
  sim::Inputs inputs{};
  auto step = [&] {
    for (int i = 0; i < m.players; ++i)
      inputs[static_cast<std::size_t>(i)] =
          sim::think(brains[static_cast<std::size_t>(i)], world, i);
    sim::step(world, inputs);
  };
  for (int t = 0; t < m.warmup; ++t) step();

  proto::StateSender sender(m.interval);
  proto::StateReceiver receiver;
  sender.reset(0);
  std::vector<std::uint8_t> input;
  int index = 0;
  for (int t = 0; t < m.ticks; ++t) {
    step();
    const proto::StateRecipient to[] = {{0, world.tick - 1, 2.0, world.tick + 1}};
    sender.after_step(world, std::uint64_t{1000} * world.tick, to, [&](const auto&, auto envelope) {
      const bool lost = m.lose_every > 0 && index % m.lose_every == m.lose_every - 1;
      if (!lost && input.size() + envelope.size() < 8192) {
        arena::fuzz::append_envelope(input, envelope);
        receiver.receive(envelope, world.tick * static_cast<double>(sim::kTickSeconds));
      }
      ++index;
    });
    if (index == m.reset_at) sender.reset(0);
    if (const auto ack = receiver.ack()) sender.acknowledge(0, *ack);
  }
  return input;
}

// Worlds no honest server sends but tickwire's codec accepts (to_world must
// refuse or trim them): `fill` builds the entities, then `count` envelopes
// follow at ticks 10, 12, ... with the client acking each, so that entities
// the budget left out arrive in later ones. Empty if one cannot be coded.
template <typename Fill>
std::vector<std::uint8_t> hostile(int count, Fill fill) {
  tickwire::EntityStore store(proto::schema(), proto::replication_settings());
  fill(store);
  tickwire::SnapshotRing ring(proto::schema(), proto::replication_settings());
  tickwire::SnapshotSender sender(proto::schema(), proto::replication_settings());
  tickwire::SnapshotReceiver receiver(proto::schema(), proto::replication_settings());
  std::vector<std::uint8_t> input, envelope;
  for (int i = 0; i < count; ++i) {
    const std::uint32_t tick = 10 + 2 * static_cast<std::uint32_t>(i);
    const tickwire::Snapshot* snapshot = ring.capture(store, tick);
    if (snapshot == nullptr ||
        sender.encode(*snapshot, tick, 0, envelope) != tickwire::SnapshotError::None)
      return {};
    arena::fuzz::append_envelope(input, envelope);
    if (receiver.receive(envelope) != nullptr) sender.acknowledge(tick);
  }
  return input;
}

void add_shot(tickwire::EntityStore& store, std::int64_t id, std::int64_t origin_tick,
              std::int64_t ticks_left) {
  const tickwire::EntityId e = store.create(proto::kProjectileType);
  (void)store.set_int(e, proto::kShotId, id);
  (void)store.set_int(e, proto::kShotOwner, id % sim::kMaxPlayers);
  (void)store.set_vec2(e, proto::kShotOrigin, {sim::kArenaWidth, 0});
  (void)store.set_vec2(e, proto::kShotVelocity, {sim::kProjectileSpeed, -sim::kProjectileSpeed});
  (void)store.set_int(e, proto::kShotOriginTick, origin_tick);
  (void)store.set_int(e, proto::kShotTicksLeft, ticks_left);
}

bool write_state_seeds(const fs::path& dir) {
  bool ok = write(dir, "duplicate_slot", hostile(1, [](tickwire::EntityStore& store) {
                    for (int i = 0; i < 2; ++i)
                      (void)store.set_int(store.create(proto::kShipType), proto::kShipSlot, 3);
                  }));
  // More live shots than sim::kMaxProjectiles, at the edges of every range.
  ok &= write(dir, "too_many_shots", hostile(8, [](tickwire::EntityStore& store) {
                for (int i = 0; i <= sim::kMaxProjectiles; ++i)
                  add_shot(store, i, 255, sim::kProjectileTicks);
              }));
  // Shots whose lifetime ran out before the snapshot's tick, and one ship.
  ok &= write(
      dir, "expired_shots", hostile(2, [](tickwire::EntityStore& store) {
        const tickwire::EntityId ship = store.create(proto::kShipType);
        (void)store.set_int(ship, proto::kShipSlot, sim::kMaxPlayers - 1);
        (void)store.set_vec2(ship, proto::kShipPosition, {sim::kArenaWidth, sim::kArenaHeight});
        (void)store.set_int(ship, proto::kShipScore, proto::kMaxScore);
        add_shot(store, 1, 0, 1);
        add_shot(store, 2, 9, 1);
        add_shot(store, 3, 200, 0);
      }));

  ok &= write(dir, "match", play({.ticks = 30}));
  ok &= write(dir, "first_full", play({.ticks = 2}));
  ok &= write(dir, "lossy", play({.players = 6, .ticks = 44, .lose_every = 3}));
  ok &= write(dir, "rejoin", play({.players = 3, .ticks = 30, .reset_at = 6}));
  ok &= write(dir, "every_tick", play({.players = 2, .ticks = 12, .interval = 1}));
  ok &= write(dir, "crowded", play({.players = sim::kMaxPlayers, .warmup = 120, .ticks = 8}));
  ok &= write(dir, "lone_ship", play({.players = 1, .warmup = 0, .ticks = 6}));
  // A duplicate: the second copy is stale.
  std::vector<std::uint8_t> twice = play({.players = 2, .ticks = 2});
  const std::vector<std::uint8_t> once = twice;
  twice.insert(twice.end(), once.begin(), once.end());
  ok &= write(dir, "duplicate", twice);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const fs::path root = argv[1];
  return write_protocol_seeds(root / "arena_protocol") && write_state_seeds(root / "arena_state")
             ? 0
             : 1;
}
