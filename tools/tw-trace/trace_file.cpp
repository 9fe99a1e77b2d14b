#include "trace_file.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>

namespace twtrace {

namespace {

constexpr int kLinkTypeIpv4 = 228;
constexpr std::uint16_t kVersion = 1;  // the newest trace version this reader knows
constexpr char kMagic[8] = {'T', 'W', 'T', 'R', 'A', 'C', 'E', '1'};
constexpr std::size_t kHeaders = 28;  // IPv4 (20) + UDP (8)

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
  if (kind > static_cast<std::uint8_t>(Kind::KeepAlive)) {
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

TraceFile::~TraceFile() {
  if (pcap_ != nullptr) pcap_close(pcap_);  // closes the memory FILE* too
}

bool TraceFile::open(const std::string& path, std::string& error) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_ = pcap_open_offline(path.c_str(), err);
  if (pcap_ == nullptr) {
    error = path + ": not a readable pcap file (" + err + ")";
    return false;
  }
  return start(error);
}

bool TraceFile::open_memory(std::span<const std::uint8_t> bytes, std::string& error) {
  std::FILE* f = fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "rb");
  if (f == nullptr) {
    error = "cannot read from memory";
    return false;
  }
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_ = pcap_fopen_offline(f, err);
  if (pcap_ == nullptr) {
    std::fclose(f);
    error = std::string("not a readable pcap file (") + err + ")";
    return false;
  }
  return start(error);
}

bool TraceFile::start(std::string& error) {
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
  Record meta;
  if (!parse(*h, data, meta, error)) return false;
  if (meta.kind != Kind::Meta || meta.payload.size() < 27 ||
      std::memcmp(meta.payload.data(), kMagic, 8) != 0) {
    error = "not a tickwire trace: its first record is not tickwire's (TWTRACE1)";
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
  have_first_ = true;
  return true;
}

bool TraceFile::next(Record& out, std::string& error) {
  error.clear();
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  const int r = pcap_next_ex(pcap_, &h, &data);
  if (r == PCAP_ERROR_BREAK) return false;  // the end
  if (r != 1) {
    error = std::string("the trace ends inside a record (truncated?): ") + pcap_geterr(pcap_);
    return false;
  }
  if (!parse(*h, data, out, error)) return false;
  if (out.kind == Kind::Meta) {
    error = "a second metadata record";
    return false;
  }
  const std::uint64_t t = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000 +
                          static_cast<std::uint64_t>(h->ts.tv_usec);
  out.time_us = t >= first_us_ ? t - first_us_ : 0;
  out.outgoing = out.src == info_.local;
  return true;
}

}  // namespace twtrace
