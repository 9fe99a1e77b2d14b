#include "secure/crypto.hpp"

#include "tickwire/version.hpp"

namespace tickwire::secure {

static_assert(static_cast<std::uint8_t>(PacketType::Direct) == socket::SecureStage::kDirectType);

namespace {

bool is_sealed(PacketType type) noexcept {
  return type == PacketType::Denied || type == PacketType::Challenge ||
         type == PacketType::KeepAlive || type == PacketType::Payload || type == PacketType::Direct;
}

std::size_t sequence_bytes(std::uint64_t sequence) noexcept {
  std::size_t n = 1;
  while (n < 8 && (sequence >> (8 * n)) != 0) ++n;
  return n;
}

// Associated data: protocol id (8, little-endian), wire version (1), prefix (1).
std::array<std::uint8_t, 10> associated_data(std::uint64_t protocol_id, std::uint8_t prefix) {
  std::array<std::uint8_t, 10> ad{};
  put_u64(ad.data(), protocol_id);
  ad[8] = kWireVersion;
  ad[9] = prefix;
  return ad;
}

// IETF nonce: 4 zero bytes, then the sequence little-endian.
std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce_for(
    std::uint64_t sequence) {
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  put_u64(nonce.data() + 4, sequence);
  return nonce;
}

}  // namespace

bool aes256gcm_available() noexcept {
  return crypto_aead_aes256gcm_is_available() == 1;
}

Key session_key(const Key& token_key, Direction direction, Suite suite,
                std::span<const std::uint8_t, kKeyBytes> exchanged,
                std::span<const std::uint8_t, kKxPublicBytes> client_public,
                std::span<const std::uint8_t, kKxPublicBytes> server_public) {
  std::array<std::uint8_t, 9 + kKeyBytes + 2 * kKxPublicBytes> message{'t', 'w', '-', 's',
                                                                       'e', 's', 's', 0};
  message[7] = static_cast<std::uint8_t>(direction);
  message[8] = static_cast<std::uint8_t>(suite);
  auto at = std::copy(exchanged.begin(), exchanged.end(), message.begin() + 9);
  at = std::copy(client_public.begin(), client_public.end(), at);
  std::copy(server_public.begin(), server_public.end(), at);
  Key out;
  crypto_generichash(out.bytes.data(), out.bytes.size(), message.data(), message.size(),
                     token_key.bytes.data(), token_key.bytes.size());
  sodium_memzero(message.data(), message.size());
  return out;
}

bool read_sealed_header(std::span<const std::uint8_t> wire, Header& out) noexcept {
  if (wire.empty()) return false;
  const std::uint8_t prefix = wire[0];
  const std::uint8_t type = prefix & 0x0F;
  const std::size_t seq_bytes = prefix >> 4;
  if (type >= kPacketTypeCount || !is_sealed(static_cast<PacketType>(type))) return false;
  if (seq_bytes < 1 || seq_bytes > 8) return false;
  if (wire.size() < 1 + seq_bytes + kTagBytes) return false;
  std::uint64_t sequence = 0;
  for (std::size_t i = 0; i < seq_bytes; ++i) sequence |= std::uint64_t{wire[1 + i]} << (8 * i);
  out = Header{static_cast<PacketType>(type), prefix, sequence, 1 + seq_bytes};
  return true;
}

namespace {
// Writes the prefix and sequence of a sealed packet of `plain_size` bytes
// into `out`; returns the header's size, or 0 when the packet does not fit.
std::size_t write_sealed_header(PacketType type, std::uint64_t sequence, std::size_t plain_size,
                                std::span<std::uint8_t> out) noexcept {
  const std::size_t seq_bytes = sequence_bytes(sequence);
  if (out.size() < 1 + seq_bytes + plain_size + kTagBytes) return 0;
  out[0] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) | (seq_bytes << 4));
  for (std::size_t i = 0; i < seq_bytes; ++i)
    out[1 + i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  return 1 + seq_bytes;
}
}  // namespace

std::size_t seal(PacketType type, std::uint64_t sequence, const Key& key, std::uint64_t protocol_id,
                 std::span<const std::uint8_t> plain, std::span<std::uint8_t> out) noexcept {
  const std::size_t head = write_sealed_header(type, sequence, plain.size(), out);
  if (head == 0) return 0;
  const auto ad = associated_data(protocol_id, out[0]);
  const auto nonce = nonce_for(sequence);
  std::uint8_t* cipher = out.data() + head;
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(
      cipher, cipher + plain.size(), nullptr, plain.data(), plain.size(), ad.data(), ad.size(),
      nullptr, nonce.data(), key.bytes.data());
  return head + plain.size() + kTagBytes;
}

namespace {
// Opens a sealed packet with `decrypt(plain, cipher, size, tag, ad, nonce)`,
// a libsodium *_decrypt_detached call of the packet's suite (0: authentic).
template <class Decrypt>
bool open_with(const Header& header, std::uint64_t protocol_id, std::span<const std::uint8_t> wire,
               std::span<std::uint8_t> out, std::size_t& plain_size, Decrypt decrypt) noexcept {
  const std::size_t cipher_size = wire.size() - header.size - kTagBytes;
  if (out.size() < cipher_size) return false;
  const auto ad = associated_data(protocol_id, header.prefix);
  const auto nonce = nonce_for(header.sequence);
  const std::uint8_t* cipher = wire.data() + header.size;
  if (decrypt(out.data(), cipher, cipher_size, cipher + cipher_size, ad, nonce) != 0) return false;
  plain_size = cipher_size;
  return true;
}
}  // namespace

bool open(const Header& header, const Key& key, std::uint64_t protocol_id,
          std::span<const std::uint8_t> wire, std::span<std::uint8_t> out,
          std::size_t& plain_size) noexcept {
  return open_with(header, protocol_id, wire, out, plain_size,
                   [&](std::uint8_t* plain, const std::uint8_t* cipher, std::size_t size,
                       const std::uint8_t* tag, const auto& ad, const auto& nonce) {
                     return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                         plain, nullptr, cipher, size, tag, ad.data(), ad.size(), nonce.data(),
                         key.bytes.data());
                   });
}

static_assert(crypto_aead_aes256gcm_NPUBBYTES == crypto_aead_chacha20poly1305_ietf_NPUBBYTES &&
              crypto_aead_aes256gcm_ABYTES == kTagBytes &&
              crypto_aead_aes256gcm_KEYBYTES == kKeyBytes);

SessionCipher& SessionCipher::operator=(const SessionCipher& other) noexcept {
  if (this != &other) {
    suite_ = other.suite_;
    key_ = other.key_;
    std::memcpy(&aes_, &other.aes_, sizeof aes_);
  }
  return *this;
}

SessionCipher::~SessionCipher() {
  sodium_memzero(&aes_, sizeof aes_);
}

void SessionCipher::set(Suite suite, const Key& key) noexcept {
  suite_ = suite;
  key_ = key;
  sodium_memzero(&aes_, sizeof aes_);
  if (suite == Suite::Aes256Gcm) crypto_aead_aes256gcm_beforenm(&aes_, key.bytes.data());
}

std::size_t SessionCipher::seal_in_place(PacketType type, std::uint64_t sequence,
                                         std::uint64_t protocol_id, std::span<std::uint8_t> buffer,
                                         std::size_t plain_size,
                                         std::size_t& start) const noexcept {
  if (buffer.size() < kHeadRoom + plain_size + kTagBytes) return 0;
  // The header ends where the plaintext begins.
  start = kHeadRoom - (1 + sequence_bytes(sequence));
  const std::size_t head = write_sealed_header(type, sequence, plain_size, buffer.subspan(start));
  if (head == 0) return 0;
  const auto ad = associated_data(protocol_id, buffer[start]);
  const auto nonce = nonce_for(sequence);
  // Both libsodium AEADs encrypt in place (the ciphertext over the plaintext).
  std::uint8_t* text = buffer.data() + kHeadRoom;
  if (suite_ == Suite::ChaCha20Poly1305) {
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(text, text + plain_size, nullptr, text,
                                                       plain_size, ad.data(), ad.size(), nullptr,
                                                       nonce.data(), key_.bytes.data());
  } else {
    crypto_aead_aes256gcm_encrypt_detached_afternm(text, text + plain_size, nullptr, text,
                                                   plain_size, ad.data(), ad.size(), nullptr,
                                                   nonce.data(), &aes_);
  }
  return head + plain_size + kTagBytes;
}

std::size_t SessionCipher::seal(PacketType type, std::uint64_t sequence, std::uint64_t protocol_id,
                                std::span<const std::uint8_t> plain,
                                std::span<std::uint8_t> out) const noexcept {
  if (out.size() < plain.size() + kSealOverhead) return 0;
  if (!plain.empty()) std::memmove(out.data() + kHeadRoom, plain.data(), plain.size());
  std::size_t start = 0;
  const std::size_t n = seal_in_place(type, sequence, protocol_id, out, plain.size(), start);
  if (n > 0 && start > 0) std::memmove(out.data(), out.data() + start, n);
  return n;
}

bool SessionCipher::open(const Header& header, std::uint64_t protocol_id,
                         std::span<const std::uint8_t> wire, std::span<std::uint8_t> out,
                         std::size_t& plain_size) const noexcept {
  if (suite_ == Suite::ChaCha20Poly1305)
    return secure::open(header, key_, protocol_id, wire, out, plain_size);
  return open_with(header, protocol_id, wire, out, plain_size,
                   [&](std::uint8_t* plain, const std::uint8_t* cipher, std::size_t size,
                       const std::uint8_t* tag, const auto& ad, const auto& nonce) {
                     return crypto_aead_aes256gcm_decrypt_detached_afternm(
                         plain, nullptr, cipher, size, tag, ad.data(), ad.size(), nonce.data(),
                         &aes_);
                   });
}

bool ReplayWindow::already_received(std::uint64_t sequence) const noexcept {
  if (!any_) return false;
  if (sequence > newest_) return false;
  // Compare by difference so the top of the sequence space needs no care.
  if (newest_ - sequence >= kSize) return true;
  return (bits_[(sequence % kSize) / 64] >> (sequence % 64)) & 1u;
}

bool ReplayWindow::duplicate(std::uint64_t sequence) const noexcept {
  return any_ && sequence <= newest_ && newest_ - sequence < kSize && already_received(sequence);
}

void ReplayWindow::accept(std::uint64_t sequence) noexcept {
  ++accepted_;
  if (!any_ || sequence > newest_) {
    const std::uint64_t advance = any_ ? sequence - newest_ : kSize;
    if (advance >= kSize) {
      bits_.fill(0);
    } else {
      // Clear the bits of the sequences that left the window.
      for (std::uint64_t s = newest_ + 1; s != sequence; ++s)
        bits_[(s % kSize) / 64] &= ~(std::uint64_t{1} << (s % 64));
    }
    newest_ = sequence;
    any_ = true;
  }
  bits_[(sequence % kSize) / 64] |= std::uint64_t{1} << (sequence % 64);
}

socket::SecureStage::Control control_kind(std::span<const std::uint8_t> wire) noexcept {
  using Control = socket::SecureStage::Control;
  if (wire.empty()) return Control::None;
  switch (static_cast<PacketType>(wire[0] & 0x0f)) {
    case PacketType::KeepAlive: return Control::KeepAlive;
    case PacketType::Request:
    case PacketType::Denied:
    case PacketType::Challenge:
    case PacketType::Response:
    case PacketType::Rejected: return Control::Handshake;
    default: return Control::None;
  }
}

}  // namespace tickwire::secure
