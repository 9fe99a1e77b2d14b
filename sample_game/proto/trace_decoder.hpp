// arena — its messages in a tickwire packet trace (tickwire/trace.hpp).
//
// tw-trace uses this to name arena's messages in `dump` and, in `replay`
// and `view`, to play a recorded client: the messages its ENet delivered go
// through the same code the live client runs (proto::decode, then the
// StateReceiver that turns snapshot envelopes into worlds), so a replay
// reconstructs exactly the worlds the client had, hash for hash.
#pragma once

#include <tickwire/trace.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>

#include "proto/messages.hpp"
#include "proto/state_channel.hpp"

namespace arena::proto {

class TraceDecoder final : public tickwire::trace::TraceDecoder {
 public:
  [[nodiscard]] std::string_view name() const override { return "arena"; }
  [[nodiscard]] std::uint64_t protocol_id() const override { return kProtocolId; }
  Description describe(std::uint8_t channel, std::span<const std::uint8_t> message,
                       bool from_server) override;
  void reset() override;
  std::optional<tickwire::trace::WorldHash> deliver(std::uint8_t channel,
                                                    std::span<const std::uint8_t> message,
                                                    std::uint64_t time_us) override;

  // What the replayed client holds (for `tw-trace view`).
  [[nodiscard]] const StateReceiver& states() const noexcept { return states_; }
  [[nodiscard]] const ScoreboardMsg& scoreboard() const noexcept { return scoreboard_; }
  [[nodiscard]] std::optional<int> slot() const noexcept { return slot_; }
  struct Kill {
    KillMsg msg;
    std::uint64_t time_us = 0;  // when it arrived, trace time
  };
  [[nodiscard]] const std::deque<Kill>& kills() const noexcept { return kills_; }  // newest 8
  // Messages the client would have refused, by cause (GameClient counts the same).
  [[nodiscard]] const DecodeCounters& bad_messages() const noexcept { return bad_; }

 private:
  StateReceiver states_;
  ScoreboardMsg scoreboard_;
  std::optional<int> slot_;  // from the Welcome: snapshots count from then on
  DecodeCounters bad_;
  std::deque<Kill> kills_;
};

}  // namespace arena::proto
