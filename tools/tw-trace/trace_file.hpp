// tw-trace: reading a tickwire packet trace (docs/PROTOCOL.md, "Packet
// traces") with libpcap, one record at a time (streaming: memory does not
// grow with the trace). Nothing in a file is trusted: every record is
// checked before use, and a bad one ends the read with a one-line reason.
#pragma once

#include <cstdint>
#include <span>
#include <string>

struct pcap;

namespace twtrace {

enum class Kind : std::uint8_t { Meta = 0, Enet = 1, Handshake = 2, KeepAlive = 3 };
const char* to_string(Kind k) noexcept;

struct Address {
  std::uint32_t host = 0;  // network byte order
  std::uint16_t port = 0;
  friend bool operator==(const Address&, const Address&) = default;
};
std::string to_string(Address a);

struct TraceInfo {
  std::uint16_t version = 0;
  bool server = false;  // whose trace: a server's or a client's
  std::uint64_t protocol_id = 0;
  std::uint64_t start_unix_us = 0;
  Address local;  // the recording host's address
};

struct Record {
  std::uint64_t time_us = 0;  // since the trace began
  Address src, dst;
  bool outgoing = false;  // sent by the recording host
  Kind kind = Kind::Enet;
  std::span<const std::uint8_t> payload;  // valid until the next next()
};

class TraceFile {
 public:
  TraceFile() = default;
  ~TraceFile();
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;

  // Opens a trace and reads its Meta record. False with a one-line `error`
  // when the file is not a pcap, not a tickwire trace, or of a newer version.
  bool open(const std::string& path, std::string& error);
  // Opens a trace held in memory (fuzzing).
  bool open_memory(std::span<const std::uint8_t> bytes, std::string& error);
  [[nodiscard]] const TraceInfo& info() const noexcept { return info_; }

  // The next record; false at the end, or with `error` set when a record is
  // malformed (truncated, not IPv4/UDP, lengths that disagree, unknown kind).
  bool next(Record& out, std::string& error);

 private:
  bool start(std::string& error);

  pcap* pcap_ = nullptr;
  TraceInfo info_;
  std::uint64_t first_us_ = 0;
  bool have_first_ = false;
};

}  // namespace twtrace
