// tw-trace: round trips from ENet's acknowledgements. A datagram the
// recording host sends carries its sent time (ms, 16 bits); the peer's ACK
// of a command in it echoes that time, so the trace pairs the two. One
// object per connection.
#pragma once

#include <tickwire/trace.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

namespace twtrace {

class RoundTrips {
 public:
  // Takes one ENet datagram of the connection; returns the round trip, ms,
  // that an ACK in it completed (the first), if one did.
  std::optional<double> on_datagram(const tickwire::trace::Record& r,
                                    const tickwire::trace::EnetDatagram& d) {
    if (r.outgoing) {
      if (d.has_sent_time) {
        sent_[next_] = {d.sent_time, r.time_us};
        next_ = (next_ + 1) % sent_.size();
      }
      return std::nullopt;
    }
    for (std::size_t i = 0; i < d.count; ++i) {
      const tickwire::trace::EnetCommand& c = d.commands[i];
      if (c.type != 1) continue;  // ACK
      for (const auto& [sent_time, at] : sent_)
        if (at != 0 && sent_time == c.acked_sent_time && at <= r.time_us)
          return static_cast<double>(r.time_us - at) / 1000.0;
    }
    return std::nullopt;
  }

 private:
  // Outgoing datagrams' sent times -> trace time, the newest 256.
  std::array<std::pair<std::uint16_t, std::uint64_t>, 256> sent_{};
  std::size_t next_ = 0;
};

}  // namespace twtrace
