// Raw UDP baselines: plain non-blocking sockets, no ENet, no tickwire, one
// syscall per datagram each way. "udp" sends the messages as they are;
// "udp_sealed" seals every datagram netcode-style with the AEAD tickwire
// uses (one seal before each send, one open after each receive), so that
// tickwire's unreliable lane can be compared with plain encrypted UDP. Both
// run the same socket code, templated on a Codec (PlainCodec, SealedCodec).
// The throughput they report is unreliable: bytes the receiver managed to
// read while the sender blasted datagrams; the rest the kernel dropped.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "transport_common.hpp"

namespace twbench {
namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Owns a socket descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(port);
  return sin;
}

// Largest datagram either end reads, bytes: a bulk message plus the sealing
// overhead fits.
constexpr std::size_t kDatagramBytes = 2048;

// A Codec turns a message into the datagram that carries it and back; each
// end owns one, used by its thread only:
//   using Setup = ...;                                   what both ends share
//   explicit Codec(const Setup&, bool server)
//   std::span<const std::uint8_t> seal(std::span<const std::uint8_t> message)
//       the datagram to send, valid until the next seal()
//   bool open(std::span<const std::uint8_t> datagram, std::span<const std::uint8_t>& message)
//       false: not authentic, drop it; `message` is valid until the next open()

// "udp": the datagram is the message; no copy, no work.
struct PlainCodec {
  struct Setup {};
  PlainCodec(const Setup&, bool) {}
  std::span<const std::uint8_t> seal(std::span<const std::uint8_t> message) const noexcept {
    return message;
  }
  bool open(std::span<const std::uint8_t> datagram,
            std::span<const std::uint8_t>& message) const noexcept {
    message = datagram;
    return true;
  }
};

// "udp_sealed": each datagram is
//   sequence (8 bytes, little-endian) | ciphertext | tag (16 bytes)
// sealed with the resolved suite under one key both ends share. The nonce is
// 4 zero bytes then the sequence (the IETF layout tickwire uses); the
// associated data is kAssociatedData. Nothing else: no replay window, no
// header, no handshake (the key is given to both ends).
struct SealedSetup {
  tickwire::CipherSuite suite = tickwire::CipherSuite::ChaCha20Poly1305;       // never Auto
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_KEYBYTES> key{};  // random, per run
};

class SealedCodec {
 public:
  using Setup = SealedSetup;
  static constexpr std::size_t kSequenceBytes = 8;
  static constexpr std::size_t kTagBytes = crypto_aead_chacha20poly1305_ietf_ABYTES;
  static constexpr std::size_t kOverhead = kSequenceBytes + kTagBytes;  // per datagram, bytes
  static_assert(crypto_aead_aes256gcm_ABYTES == kTagBytes &&
                crypto_aead_aes256gcm_NPUBBYTES == crypto_aead_chacha20poly1305_ietf_NPUBBYTES &&
                crypto_aead_aes256gcm_KEYBYTES == crypto_aead_chacha20poly1305_ietf_KEYBYTES);

  // `setup` must outlive the codec. The two ends share the key, so their
  // sequences must never meet: the client's count up from 1, the server's
  // from 2^63 (a nonce is never used twice under the key).
  SealedCodec(const Setup& setup, bool server)
      : setup_(setup), next_sequence_(server ? std::uint64_t{1} << 63 : 1) {
    if (setup_.suite == tickwire::CipherSuite::Aes256Gcm) {
      crypto_aead_aes256gcm_beforenm(&aes_, setup_.key.data());
    }
  }
  ~SealedCodec() { sodium_memzero(&aes_, sizeof aes_); }
  SealedCodec(const SealedCodec&) = delete;
  SealedCodec& operator=(const SealedCodec&) = delete;
  const Setup& setup() const noexcept { return setup_; }

  // An empty span when the message does not fit a datagram (never for the
  // bench's messages).
  std::span<const std::uint8_t> seal(std::span<const std::uint8_t> message) noexcept {
    if (message.size() + kOverhead > sealed_.size()) return {};
    const std::uint64_t sequence = next_sequence_++;
    for (std::size_t i = 0; i < kSequenceBytes; ++i) {
      sealed_[i] = static_cast<std::uint8_t>(sequence >> (8 * i));
    }
    const Nonce nonce = nonce_for(sealed_.data());
    std::uint8_t* text = sealed_.data() + kSequenceBytes;
    std::uint8_t* tag = text + message.size();
    if (setup_.suite == tickwire::CipherSuite::Aes256Gcm) {
      crypto_aead_aes256gcm_encrypt_detached_afternm(
          text, tag, nullptr, message.data(), message.size(), kAssociatedData.data(),
          kAssociatedData.size(), nullptr, nonce.data(), &aes_);
    } else {
      crypto_aead_chacha20poly1305_ietf_encrypt_detached(
          text, tag, nullptr, message.data(), message.size(), kAssociatedData.data(),
          kAssociatedData.size(), nullptr, nonce.data(), setup_.key.data());
    }
    return {sealed_.data(), message.size() + kOverhead};
  }

  bool open(std::span<const std::uint8_t> datagram,
            std::span<const std::uint8_t>& message) noexcept {
    if (datagram.size() < kOverhead || datagram.size() - kOverhead > opened_.size()) return false;
    const std::size_t size = datagram.size() - kOverhead;
    const Nonce nonce = nonce_for(datagram.data());
    const std::uint8_t* text = datagram.data() + kSequenceBytes;
    const std::uint8_t* tag = text + size;
    const int failed = setup_.suite == tickwire::CipherSuite::Aes256Gcm
                           ? crypto_aead_aes256gcm_decrypt_detached_afternm(
                                 opened_.data(), nullptr, text, size, tag, kAssociatedData.data(),
                                 kAssociatedData.size(), nonce.data(), &aes_)
                           : crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                                 opened_.data(), nullptr, text, size, tag, kAssociatedData.data(),
                                 kAssociatedData.size(), nonce.data(), setup_.key.data());
    if (failed != 0) return false;
    message = {opened_.data(), size};
    return true;
  }

 private:
  using Nonce = std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES>;
  // Constant associated data, as long as tickwire's (protocol id, wire
  // version, prefix: 10 bytes), bytes.
  static constexpr std::array<std::uint8_t, 10> kAssociatedData{'t', 'w', '-', 'b', 'e',
                                                                'n', 'c', 'h', 0,   0};
  // 4 zero bytes, then the datagram's 8 sequence bytes as they are on the wire.
  static Nonce nonce_for(const std::uint8_t* sequence) noexcept {
    Nonce nonce{};
    std::memcpy(nonce.data() + 4, sequence, kSequenceBytes);
    return nonce;
  }

  const Setup& setup_;
  std::uint64_t next_sequence_;                        // this end's next send
  alignas(16) crypto_aead_aes256gcm_state aes_{};      // Aes256Gcm only: the expanded key
  std::array<std::uint8_t, kDatagramBytes> sealed_{};  // the last datagram seal() made
  std::array<std::uint8_t, kDatagramBytes> opened_{};  // the last message open() made
};

// Echoes every message of at most kPingBytes; counts the message bytes of
// larger ones (for udp_sealed: plaintext, without the sealing overhead).
// Datagrams that do not open are dropped.
template <class Codec>
void serve_udp(ServerShared& shared, const typename Codec::Setup& setup) {
  Codec codec(setup, /*server=*/true);
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  if (sock.fd < 0) {
    return shared.fail(errno_text("socket"));
  }
  sockaddr_in bind_to = loopback(0);
  if (::bind(sock.fd, reinterpret_cast<sockaddr*>(&bind_to), sizeof(bind_to)) != 0) {
    return shared.fail(errno_text("bind"));
  }
  socklen_t length = sizeof(bind_to);
  if (::getsockname(sock.fd, reinterpret_cast<sockaddr*>(&bind_to), &length) != 0) {
    return shared.fail(errno_text("getsockname"));
  }
  shared.ready(ntohs(bind_to.sin_port));

  std::array<std::uint8_t, kDatagramBytes> buffer{};
  std::uint64_t bulk = 0;
  while (!shared.stop.load(std::memory_order_relaxed)) {
    sockaddr_in from{};
    socklen_t from_length = sizeof(from);
    const ssize_t got = ::recvfrom(sock.fd, buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_length);
    if (got <= 0) {
      continue;  // nothing yet: keep polling
    }
    std::span<const std::uint8_t> message;
    if (!codec.open({buffer.data(), static_cast<std::size_t>(got)}, message)) {
      continue;  // not authentic: dropped
    }
    if (message.size() <= kPingBytes) {
      const std::span<const std::uint8_t> reply = codec.seal(message);
      ::sendto(sock.fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
               from_length);
    } else {
      bulk += message.size();
      shared.bulk_bytes.store(bulk, std::memory_order_relaxed);
    }
  }
}

template <class Codec>
class UdpLink {
 public:
  // `setup` must outlive the link.
  explicit UdpLink(const typename Codec::Setup& setup) : codec_(setup, /*server=*/false) {}

  bool connect(std::uint16_t port) {
    sock_.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (sock_.fd < 0) {
      return fail(errno_text("socket"));
    }
    const sockaddr_in to = loopback(port);
    if (::connect(sock_.fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
      return fail(errno_text("connect"));
    }
    return true;
  }

  bool send_ping(std::span<const std::uint8_t> data) {
    const std::span<const std::uint8_t> datagram = codec_.seal(data);
    if (::send(sock_.fd, datagram.data(), datagram.size(), 0) < 0 && errno != EAGAIN) {
      return fail(errno_text("send"));
    }
    return true;  // a datagram the kernel dropped is a lost ping
  }
  // A datagram the kernel refused still used up a sequence number: a gap the
  // receiver never notices.
  bool send_bulk(std::span<const std::uint8_t> data) {
    const std::span<const std::uint8_t> datagram = codec_.seal(data);
    return ::send(sock_.fd, datagram.data(), datagram.size(), 0) >= 0;
  }
  std::size_t queued_bytes() const noexcept { return 0; }

  template <class F>
  bool service(F&& on_message) {
    for (;;) {
      const ssize_t got = ::recv(sock_.fd, buffer_.data(), buffer_.size(), 0);
      if (got < 0) {
        // A queued ICMP error (port unreachable) is not fatal for a datagram socket.
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) {
          return true;
        }
        return fail(errno_text("recv"));
      }
      std::span<const std::uint8_t> message;
      if (!codec_.open({buffer_.data(), static_cast<std::size_t>(got)}, message)) {
        continue;  // not authentic: dropped
      }
      if (on_message(message)) {
        return true;
      }
    }
  }
  const std::string& error() const noexcept { return error_; }
  // The suite that seals (udp_sealed only; run_variant records it).
  tickwire::CipherSuite cipher() const noexcept requires std::is_same_v<Codec, SealedCodec> {
    return codec_.setup().suite;
  }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  Codec codec_;
  Fd sock_;
  std::array<std::uint8_t, kDatagramBytes> buffer_{};
  std::string error_;
};

}  // namespace

bool run_udp(const PhasePlan& plan, VariantSamples& out, std::string& error) {
  static constexpr PlainCodec::Setup kSetup{};
  return run_variant<UdpLink<PlainCodec>>(
      [](ServerShared& shared) { serve_udp<PlainCodec>(shared, kSetup); }, plan, out, error,
      kSetup);
}

bool run_udp_sealed(const PhasePlan& plan, VariantSamples& out, std::string& error) {
  if (sodium_init() < 0) {
    error = "libsodium failed to initialise";
    return false;
  }
  // The suite tickwire's connection uses with the same setting: Auto is
  // AES-256-GCM where the CPU runs it, else ChaCha20-Poly1305.
  SealedSetup setup;
  setup.suite = plan.cipher;
  if (setup.suite == tickwire::CipherSuite::Auto) {
    setup.suite = tickwire::cipher_suite_available(tickwire::CipherSuite::Aes256Gcm)
                      ? tickwire::CipherSuite::Aes256Gcm
                      : tickwire::CipherSuite::ChaCha20Poly1305;
  }
  if (setup.suite == tickwire::CipherSuite::Aes256Gcm &&
      crypto_aead_aes256gcm_is_available() != 1) {
    error = "AES-256-GCM is not available on this CPU";
    return false;
  }
  // Made here, before the server thread starts; both threads only read it.
  randombytes_buf(setup.key.data(), setup.key.size());
  const bool ok = run_variant<UdpLink<SealedCodec>>(
      [&setup](ServerShared& shared) { serve_udp<SealedCodec>(shared, setup); }, plan, out, error,
      setup);
  sodium_memzero(setup.key.data(), setup.key.size());
  return ok;
}

}  // namespace twbench
