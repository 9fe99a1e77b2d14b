#include "tickwire/trace.hpp"
#include "trace/capture.hpp"
#include "wire/envelope.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace tickwire::trace {

namespace {

constexpr int kLinkTypeIpv4 = kLinkType;
constexpr std::uint16_t kVersion = kTraceVersion;  // the newest trace version this reader knows
constexpr std::size_t kHeaders = kHeaderBytes;

std::uint16_t be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint64_t le64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

// Checks one packet's synthetic headers; fills `out` (but its time).
bool parse(const pcap_pkthdr& h, const u_char* data, Record& out, std::string& error) {
  if (h.caplen != h.len) {
    error = "a record was cut short by the capture (caplen " + std::to_string(h.caplen) + " of " +
            std::to_string(h.len) + ")";
    return false;
  }
  if (h.caplen < kHeaders + 1) {
    error = "a record of " + std::to_string(h.caplen) + " bytes is too short for a tickwire record";
    return false;
  }
  if (data[0] != 0x45 || data[9] != 17) {
    error = "a record is not IPv4 + UDP (not a tickwire trace)";
    return false;
  }
  if (be16(data + 2) != h.caplen || be16(data + 24) != h.caplen - 20) {
    error = "a record's IPv4 or UDP length disagrees with its size";
    return false;
  }
  std::memcpy(&out.src.host, data + 12, 4);
  std::memcpy(&out.dst.host, data + 16, 4);
  out.src.port = be16(data + 20);
  out.dst.port = be16(data + 22);
  const std::uint8_t kind = data[28];
  if (kind > static_cast<std::uint8_t>(Kind::Direct)) {
    error = "a record of unknown kind " + std::to_string(kind);
    return false;
  }
  out.kind = static_cast<Kind>(kind);
  out.payload = {data + 29, h.caplen - 29};
  return true;
}

}  // namespace

const char* to_string(Kind k) noexcept {
  switch (k) {
    case Kind::Meta: return "meta";
    case Kind::Enet: return "enet";
    case Kind::Handshake: return "handshake";
    case Kind::KeepAlive: return "keepalive";
    case Kind::Replayed: return "replayed";
    case Kind::Direct: return "direct";
  }
  return "?";
}

std::string to_string(Address a) {
  char ip[INET_ADDRSTRLEN] = {};
  in_addr in{};
  in.s_addr = a.host;
  inet_ntop(AF_INET, &in, ip, sizeof ip);
  return std::string(ip) + ":" + std::to_string(a.port);
}

struct TraceReader::Impl {
  pcap* pcap_ = nullptr;
  TraceInfo info_;
  std::uint64_t first_us_ = 0;

  ~Impl() { close(); }
  void close() noexcept {
    if (pcap_ != nullptr) pcap_close(pcap_);  // closes the memory FILE* too
    pcap_ = nullptr;
    info_ = {};
  }
  bool start(std::string& error);
};

TraceReader::TraceReader() : impl_(std::make_unique<Impl>()) {}
TraceReader::~TraceReader() = default;

const TraceInfo& TraceReader::info() const noexcept {
  return impl_->info_;
}

bool TraceReader::open(const std::string& path, std::string& error) {
  Impl& m = *impl_;
  char err[PCAP_ERRBUF_SIZE] = {};
  m.close();
  m.pcap_ = pcap_open_offline(path.c_str(), err);
  if (m.pcap_ == nullptr) {
    error = path + ": not a readable pcap file (" + err + ")";
    return false;
  }
  if (m.start(error)) return true;
  m.close();
  return false;
}

bool TraceReader::open_memory(std::span<const std::uint8_t> bytes, std::string& error) {
  Impl& m = *impl_;
  m.close();
  std::FILE* f = fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "rb");
  if (f == nullptr) {
    error = "cannot read from memory";
    return false;
  }
  char err[PCAP_ERRBUF_SIZE] = {};
  m.pcap_ = pcap_fopen_offline(f, err);
  if (m.pcap_ == nullptr) {
    std::fclose(f);
    error = std::string("not a readable pcap file (") + err + ")";
    return false;
  }
  if (m.start(error)) return true;
  m.close();
  return false;
}

bool TraceReader::Impl::start(std::string& error) {
  if (pcap_datalink(pcap_) != kLinkTypeIpv4) {
    error = "not a tickwire trace: link type " + std::to_string(pcap_datalink(pcap_)) +
            ", tickwire writes 228 (IPv4)";
    return false;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  const int r = pcap_next_ex(pcap_, &h, &data);
  if (r != 1) {
    error = r == PCAP_ERROR ? std::string("cannot read the first record: ") + pcap_geterr(pcap_)
                            : "an empty trace (no records)";
    return false;
  }
  // The first record is tickwire's Meta record; anything else (another
  // protocol's IPv4 traffic) is not a tickwire trace, whatever its bytes.
  Record meta;
  std::string why;
  if (!parse(*h, data, meta, why) || meta.kind != Kind::Meta || meta.payload.size() < 27 ||
      std::memcmp(meta.payload.data(), kMagic, 8) != 0) {
    error = "not a tickwire trace: its first record is not tickwire's Meta record (TWTRACE1)";
    return false;
  }
  info_.version = static_cast<std::uint16_t>(meta.payload[8] | meta.payload[9] << 8);
  if (info_.version == 0 || info_.version > kVersion) {
    error = "a trace of version " + std::to_string(info_.version) +
            "; this tw-trace reads version " + std::to_string(kVersion) +
            " (a newer tickwire wrote it)";
    return false;
  }
  info_.server = meta.payload[10] == 0;
  info_.protocol_id = le64(meta.payload.data() + 11);
  info_.start_unix_us = le64(meta.payload.data() + 19);
  info_.local = meta.src;
  first_us_ = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000 +
              static_cast<std::uint64_t>(h->ts.tv_usec);
  return true;
}

bool TraceReader::next(Record& out, std::string& error) {
  Impl& m = *impl_;
  if (m.pcap_ == nullptr) {
    error = "no trace is open";
    return false;
  }
  error.clear();
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  const int r = pcap_next_ex(m.pcap_, &h, &data);
  if (r == PCAP_ERROR_BREAK) return false;  // the end
  if (r != 1) {
    error = std::string("the trace ends inside a record (truncated?): ") + pcap_geterr(m.pcap_);
    return false;
  }
  if (!parse(*h, data, out, error)) return false;
  if (out.kind == Kind::Meta) {
    error = "a second metadata record";
    return false;
  }
  const std::uint64_t t = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000 +
                          static_cast<std::uint64_t>(h->ts.tv_usec);
  out.time_us = t >= m.first_us_ ? t - m.first_us_ : 0;
  out.outgoing = out.src == m.info_.local;
  return true;
}

std::optional<EnvelopeHeader> read_envelope(std::span<const std::uint8_t> message) {
  wire::SnapshotHeader h;
  std::span<const std::uint8_t> stream;
  if (wire::read_snapshot_envelope(message, h, stream) != wire::EnvelopeError::Ok)
    return std::nullopt;
  EnvelopeHeader out;
  out.tick = h.tick;
  if (h.has_baseline) out.baseline_tick = h.baseline_tick;
  out.acked_input_tick = h.acked_input_tick;
  out.server_time_us = h.server_time_us;
  if (h.input_slack != wire::kNoInputSlack) out.input_slack_ticks = h.input_slack / 16.0;
  out.input_received_tick = h.input_received_tick;
  out.stream_bytes = stream.size();
  return out;
}

}  // namespace tickwire::trace
