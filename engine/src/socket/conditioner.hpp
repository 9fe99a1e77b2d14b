// One direction of the link conditioner: decides for each datagram whether it
// is lost, duplicated, delayed or held back, and holds it until it is due.
//
// Time is passed in (microseconds, any monotonic origin), so tests are
// deterministic. Capacity is fixed at configure(): beyond it datagrams are
// dropped and counted, so a flood cannot make the process allocate more.
// Not thread-safe; owned by one Pipeline.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "socket/endpoint.hpp"
#include "socket/random.hpp"
#include "tickwire/conditioner.hpp"

namespace tickwire::socket {

struct ConditionerCounters {
  std::uint64_t offered = 0;     // datagrams given to offer()
  std::uint64_t lost = 0;        // dropped by the loss setting
  std::uint64_t queue_full = 0;  // dropped: no room, or the rate cap's backlog was over 1 s
  std::uint64_t duplicated = 0;  // extra copies made
  std::uint64_t reordered = 0;   // held back behind later datagrams
  std::uint64_t released = 0;    // handed back by pop_due()
};

class Conditioner {
 public:
  // Largest datagram it holds, bytes (ENet's maximum MTU).
  static constexpr std::size_t kMaxDatagram = 4096;

  void configure(const LinkDirection& link, std::uint64_t seed, std::uint32_t capacity);
  [[nodiscard]] bool active() const noexcept { return link_.active(); }
  [[nodiscard]] const LinkDirection& link() const noexcept { return link_; }

  enum class Verdict : std::uint8_t { Queued, Lost, QueueFull };
  // Decides the datagram's fate at now_us and queues the copies that survive.
  // Datagrams larger than kMaxDatagram are refused (QueueFull).
  Verdict offer(std::uint64_t now_us, Endpoint to, std::span<const std::uint8_t> bytes);

  // Moves the earliest datagram due at now_us into `out` (resized) and its
  // endpoint into `from`; false when none is due.
  bool pop_due(std::uint64_t now_us, Endpoint& endpoint, std::vector<std::uint8_t>& out);
  // When the next datagram is due, microseconds; false when empty.
  [[nodiscard]] bool next_due(std::uint64_t& due_us) const noexcept;
  [[nodiscard]] std::size_t held() const noexcept { return heap_.size(); }
  [[nodiscard]] const ConditionerCounters& counters() const noexcept { return counters_; }
  void clear();

 private:
  struct Held {
    std::uint64_t due_us;
    std::uint64_t order;  // FIFO among datagrams due at the same time
    std::uint32_t slot;   // index into buffers_
  };
  struct Later {
    bool operator()(const Held& a, const Held& b) const noexcept {
      return a.due_us != b.due_us ? a.due_us > b.due_us : a.order > b.order;
    }
  };
  struct Buffer {
    Endpoint endpoint;
    std::vector<std::uint8_t> bytes;
  };

  bool enqueue(std::uint64_t due_us, Endpoint to, std::span<const std::uint8_t> bytes);
  std::uint64_t delay_us();

  LinkDirection link_{};
  std::uint32_t capacity_ = 0;
  Random random_;
  std::vector<Held> heap_;           // min-heap by due time, at most capacity_
  std::vector<Buffer> buffers_;      // grows up to capacity_, then reused
  std::vector<std::uint32_t> free_;  // free slots in buffers_
  std::uint64_t order_ = 0;
  std::uint64_t link_free_us_ = 0;  // when the rate-capped link finishes its backlog
  ConditionerCounters counters_;
};

}  // namespace tickwire::socket
