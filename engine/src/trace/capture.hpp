// The capture tap's file: every datagram a host sends and receives, in
// plaintext beneath the encryption, as a classic pcap file (libpcap) of
// synthetic IPv4 + UDP packets, so that tcpdump, Wireshark and tw-trace all
// open it. The layout is in docs/PROTOCOL.md, "Packet traces".
//
// Opt-in (TransportSettings::capture or TICKWIRE_CAPTURE), created readable by
// its owner only, bounded by a byte limit after which recording stops (and
// says so once). Keys are never written: handshake packets are recorded as
// they travel, their secrets sealed. One writer per host, called from the
// host's thread only; the file itself is written by a thread of the
// writer's own, so that the host's tick pays for a copy into memory, not for
// the kernel's write (which measured 2 us per 1.2 KB datagram).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "socket/endpoint.hpp"
#include "tickwire/status.hpp"
#include "tickwire/trace.hpp"

struct pcap;
struct pcap_dumper;

namespace tickwire::trace {

// The trace's own version, in its first record (see kMagic). Version 2 added
// the Replayed kind, version 3 the Direct kind; a reader reads every older
// version too.
inline constexpr std::uint16_t kTraceVersion = 3;
// The first record's payload starts with these 8 bytes.
inline constexpr char kMagic[8] = {'T', 'W', 'T', 'R', 'A', 'C', 'E', '1'};
// pcap link type: raw IPv4 (LINKTYPE_IPV4).
inline constexpr int kLinkType = 228;
// The synthetic headers before each record's payload: IPv4 (20) + UDP (8).
inline constexpr std::size_t kHeaderBytes = 28;

// What a record holds (tickwire/trace.hpp): the first byte of every UDP
// payload in a trace.
using RecordKind = Kind;

enum class Direction : std::uint8_t { Out = 0, In = 1 };

class CaptureWriter {
 public:
  CaptureWriter() = default;
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Creates `path` (mode 0600, replacing a file there) and writes the
  // metadata record. `role` is "server" or "client"; `local` the host's
  // bound address. `notice` receives the one-line messages (recording
  // started, limit reached).
  Status open(const std::string& path, std::uint64_t max_bytes, const char* role,
              std::uint64_t protocol_id, socket::Endpoint local, std::uint64_t now_us,
              std::uint64_t unix_us, std::function<void(const std::string&)> notice);
  void close() noexcept;
  [[nodiscard]] bool active() const noexcept { return dumper_ != nullptr && !full_; }

  // Records one datagram exchanged with `remote` at `now_us` (monotonic).
  void record(std::uint64_t now_us, Direction dir, RecordKind kind, socket::Endpoint remote,
              std::span<const std::uint8_t> bytes) noexcept;
  // Only datagrams to and from `remote` are recorded; Endpoint{} again: all.
  void only(socket::Endpoint remote) noexcept { only_ = remote; }
  // Whether a datagram exchanged with `remote` would be recorded now.
  [[nodiscard]] bool records(socket::Endpoint remote) const noexcept {
    return active() && (only_ == socket::Endpoint{} || remote == only_);
  }

  // Records lost because the disk fell behind (more than kMaxPending
  // buffers waiting); counted, and said once.
  [[nodiscard]] std::uint64_t records_lost() const noexcept { return lost_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return written_; }
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
  [[nodiscard]] bool full() const noexcept { return full_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  static constexpr std::size_t kBufferBytes = 1u << 20;  // one handoff to the file thread
  static constexpr std::size_t kMaxPending = 8;          // buffers waiting: 8 MiB at most

  void write(std::uint64_t now_us, socket::Endpoint from, socket::Endpoint to, RecordKind kind,
             std::span<const std::uint8_t> bytes) noexcept;
  // Hands the buffer being filled to the file thread (when it has anything).
  void hand_off() noexcept;
  void file_thread();

  pcap* pcap_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  std::FILE* file_ = nullptr;  // owned by dumper_ once it is open
  std::string path_;
  socket::Endpoint local_;
  socket::Endpoint only_;
  std::uint64_t max_bytes_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t start_us_ = 0;       // monotonic time of the metadata record
  std::uint64_t start_unix_us_ = 0;  // wall clock then, microseconds
  std::uint64_t last_us_ = 0;        // the newest record's time, microseconds
  std::uint64_t last_flush_us_ = 0;  // monotonic time of the last flush
  std::uint16_t ip_id_ = 0;
  bool full_ = false;
  std::function<void(const std::string&)> notice_;
  std::vector<std::uint8_t> packet_;  // kHeaderBytes + 1 + largest datagram
  std::uint64_t lost_ = 0;
  bool said_lost_ = false;
  // Records being gathered: for each, its pcap record header (16 bytes, host
  // order as libpcap wants it) and the packet.
  std::vector<std::uint8_t> filling_;
  // The file thread: buffers to write, spares to reuse.
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::vector<std::uint8_t>> pending_;  // guarded by mutex_
  std::vector<std::vector<std::uint8_t>> spare_;   // guarded by mutex_
  bool stop_ = false;                              // guarded by mutex_
};

// The capture file a host opens: TICKWIRE_CAPTURE when set (a second host in
// the same process gets "-2" before the extension, a third "-3", ...), else
// `configured`; empty: none.
std::string capture_path(const std::string& configured);

}  // namespace tickwire::trace
