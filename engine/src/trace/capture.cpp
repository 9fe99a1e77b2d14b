#include "trace/capture.hpp"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace tickwire::trace {

namespace {

constexpr std::size_t kMaxPayload = 65535 - kHeaderBytes - 1;

void put16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// The IPv4 header checksum (RFC 791): ones' complement of the ones'
// complement sum of its 16-bit words.
std::uint16_t ip_checksum(const std::uint8_t* h) noexcept {
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

void put_u64_le(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

CaptureWriter::~CaptureWriter() {
  close();
}

void CaptureWriter::close() noexcept {
  if (thread_.joinable()) {
    hand_off();
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  pending_.clear();
  spare_.clear();
  stop_ = false;
  if (dumper_ != nullptr) {
    pcap_dump_flush(dumper_);
    pcap_dump_close(dumper_);  // closes file_ too
  } else if (file_ != nullptr) {
    std::fclose(file_);
  }
  if (pcap_ != nullptr) pcap_close(pcap_);
  dumper_ = nullptr;
  file_ = nullptr;
  pcap_ = nullptr;
}

Status CaptureWriter::open(const std::string& path, std::uint64_t max_bytes, const char* role,
                           std::uint64_t protocol_id, socket::Endpoint local, std::uint64_t now_us,
                           std::uint64_t unix_us, std::function<void(const std::string&)> notice) {
  close();
  path_ = path;
  local_ = local;
  max_bytes_ = max_bytes;
  written_ = records_ = last_us_ = 0;
  last_flush_us_ = now_us;
  full_ = false;
  notice_ = std::move(notice);
  // Owner-only from the start: a trace holds everything the game sent.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return {Errc::InvalidArgument, "capture: cannot create " + path + ": " + std::strerror(errno)};
  ::fchmod(fd, 0600);  // an existing file keeps its mode through O_CREAT
  file_ = ::fdopen(fd, "wb");
  if (file_ == nullptr) {
    ::close(fd);
    return {Errc::InvalidArgument, "capture: cannot open " + path};
  }
  // A large buffer: a busy server records thousands of datagrams a second,
  // and a write(2) for every few of them cost it 10 % of its tick.
  std::setvbuf(file_, nullptr, _IOFBF, 1u << 20);
  pcap_ = pcap_open_dead(kLinkType, 65535);
  if (pcap_ != nullptr) dumper_ = pcap_dump_fopen(pcap_, file_);
  if (dumper_ == nullptr) {
    close();
    return {Errc::InvalidArgument, "capture: libpcap cannot write " + path};
  }
  packet_.assign(kHeaderBytes + 1 + kMaxPayload, 0);
  written_ = 24;  // the pcap file header
  start_us_ = now_us;
  start_unix_us_ = unix_us;
  // The metadata record: magic (8), version (2, LE), role (1: 0 server,
  // 1 client), protocol id (8, LE), start time (8, LE, Unix microseconds).
  std::uint8_t meta[27] = {};
  std::memcpy(meta, kMagic, 8);
  meta[8] = static_cast<std::uint8_t>(kTraceVersion);
  meta[9] = static_cast<std::uint8_t>(kTraceVersion >> 8);
  meta[10] = std::strcmp(role, "server") == 0 ? 0 : 1;
  put_u64_le(meta + 11, protocol_id);
  put_u64_le(meta + 19, start_unix_us_);
  filling_.reserve(kBufferBytes);
  write(now_us, local_, local_, RecordKind::Meta, meta);
  lost_ = 0;
  said_lost_ = false;
  thread_ = std::thread([this] { file_thread(); });
  if (notice_)
    notice_("recording decrypted traffic to " + path + " (readable by its owner only, up to " +
            (max_bytes >= (1u << 20) ? std::to_string(max_bytes >> 20) + " MiB)"
                                     : std::to_string(max_bytes) + " bytes)"));
  return {};
}

void CaptureWriter::record(std::uint64_t now_us, Direction dir, RecordKind kind,
                           socket::Endpoint remote, std::span<const std::uint8_t> bytes) noexcept {
  if (!records(remote)) return;
  if (dir == Direction::Out)
    write(now_us, local_, remote, kind, bytes);
  else
    write(now_us, remote, local_, kind, bytes);
}

void CaptureWriter::write(std::uint64_t now_us, socket::Endpoint from, socket::Endpoint to,
                          RecordKind kind, std::span<const std::uint8_t> bytes) noexcept {
  const std::size_t n = std::min(bytes.size(), kMaxPayload);
  const std::size_t total = kHeaderBytes + 1 + n;
  // pcap record header (16) + the packet.
  if (written_ + 16 + total > max_bytes_) {
    full_ = true;
    hand_off();
    if (notice_)
      notice_("capture " + path_ + " reached its limit of " + std::to_string(max_bytes_) +
              " bytes; recording stopped");
    return;
  }
  std::uint8_t* p = packet_.data();
  // IPv4: version 4, 20-byte header, total length, id, no fragments, TTL 64, UDP.
  p[0] = 0x45;
  p[1] = 0;
  put16(p + 2, static_cast<std::uint16_t>(total));
  put16(p + 4, ip_id_++);
  put16(p + 6, 0);
  p[8] = 64;
  p[9] = 17;
  put16(p + 10, 0);
  std::memcpy(p + 12, &from.host, 4);  // already network byte order
  std::memcpy(p + 16, &to.host, 4);
  put16(p + 10, ip_checksum(p));
  // UDP: ports, length, no checksum (0 is allowed over IPv4).
  put16(p + 20, from.port);
  put16(p + 22, to.port);
  put16(p + 24, static_cast<std::uint16_t>(8 + 1 + n));
  put16(p + 26, 0);
  p[28] = static_cast<std::uint8_t>(kind);
  if (n > 0) std::memcpy(p + 29, bytes.data(), n);

  // Timestamps: wall clock at the start plus monotonic time since, never
  // going back (a receive loop stamps its datagrams with its start time).
  const std::uint64_t t =
      std::max(last_us_, start_unix_us_ + (now_us >= start_us_ ? now_us - start_us_ : 0));
  last_us_ = t;
  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(t / 1'000'000);
  h.ts.tv_usec = static_cast<suseconds_t>(t % 1'000'000);
  h.caplen = static_cast<bpf_u_int32>(total);
  h.len = static_cast<bpf_u_int32>(total);
  if (filling_.size() + sizeof h + total > kBufferBytes) hand_off();
  if (filling_.size() + sizeof h + total > filling_.capacity()) {
    // The file thread is behind by kMaxPending buffers: this record is lost.
    ++lost_;
    if (!said_lost_ && notice_) {
      said_lost_ = true;
      notice_("capture " + path_ + ": the disk is falling behind; records are being lost");
    }
    return;
  }
  const auto* hp = reinterpret_cast<const std::uint8_t*>(&h);
  filling_.insert(filling_.end(), hp, hp + sizeof h);
  filling_.insert(filling_.end(), p, p + total);
  written_ += 16 + total;
  ++records_;
  // On disk within about a second, whatever happens to the process later.
  if (now_us - std::min(now_us, last_flush_us_) >= 1'000'000) {
    hand_off();
    last_flush_us_ = now_us;
  }
}

void CaptureWriter::hand_off() noexcept {
  if (filling_.empty()) return;
  {
    const std::lock_guard lock(mutex_);
    if (pending_.size() >= kMaxPending) {
      // Keep gathering into what we have: it cannot grow past its capacity,
      // so what does not fit is lost (write() counts it).
      return;
    }
    pending_.push_back(std::move(filling_));
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    } else {
      filling_ = {};
    }
  }
  wake_.notify_one();
  filling_.clear();
  if (filling_.capacity() < kBufferBytes) filling_.reserve(kBufferBytes);
}

void CaptureWriter::file_thread() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !pending_.empty(); });
    if (pending_.empty()) break;  // stop_, and everything written
    std::vector<std::uint8_t> buffer = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    // Each record: its pcap header, then the packet (caplen bytes).
    for (std::size_t at = 0; at + sizeof(pcap_pkthdr) <= buffer.size();) {
      pcap_pkthdr h{};
      std::memcpy(&h, buffer.data() + at, sizeof h);
      at += sizeof h;
      pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, buffer.data() + at);
      at += h.caplen;
    }
    pcap_dump_flush(dumper_);
    buffer.clear();
    lock.lock();
    if (spare_.size() < 2) spare_.push_back(std::move(buffer));
  }
}

std::string capture_path(const std::string& configured) {
  const char* env = std::getenv("TICKWIRE_CAPTURE");
  if (env == nullptr || *env == '\0') return configured;
  static std::atomic<int> hosts{0};
  const int n = ++hosts;
  std::string path = env;
  if (n == 1) return path;
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  const std::string suffix = "-" + std::to_string(n);
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path + suffix;
  return path.substr(0, dot) + suffix + path.substr(dot);
}

}  // namespace tickwire::trace
