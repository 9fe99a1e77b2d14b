// Connect tokens: the public API (tickwire/token.hpp) and the layouts the
// handshake uses (secure/token_format.hpp).
#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/clock.hpp"
#include "secure/token_format.hpp"
#include "socket/address.hpp"
#include "tickwire/settings.hpp"
#include "tickwire/token.hpp"

namespace tickwire {

namespace secure {

std::array<std::uint8_t, 24> private_ad(std::uint64_t protocol_id, std::uint64_t expires_unix_s) {
  std::array<std::uint8_t, 24> ad{};
  std::copy(kTokenMagic.begin(), kTokenMagic.end(), ad.begin());
  put_u64(ad.data() + 8, protocol_id);
  put_u64(ad.data() + 16, expires_unix_s);
  return ad;
}

void write_servers(std::uint8_t* at, const Servers& servers) {
  for (std::size_t i = 0; i < kMaxServers; ++i) {
    std::memcpy(at + 6 * i, &servers[i].host, 4);
    put_u16(at + 6 * i + 4, servers[i].port);
  }
}

void read_servers(const std::uint8_t* at, Servers& servers) {
  for (std::size_t i = 0; i < kMaxServers; ++i) {
    std::memcpy(&servers[i].host, at + 6 * i, 4);
    servers[i].port = get_u16(at + 6 * i + 4);
  }
}

bool parse_public(std::span<const std::uint8_t> token, PublicToken& out) {
  if (token.size() != kTokenBytes) return false;
  const std::uint8_t* t = token.data();
  if (!std::equal(kTokenMagic.begin(), kTokenMagic.end(), t + token_at::magic)) return false;
  out.protocol_id = get_u64(t + token_at::protocol);
  out.created_unix_s = get_u64(t + token_at::created);
  out.expires_unix_s = get_u64(t + token_at::expires);
  std::memcpy(out.nonce.data(), t + token_at::nonce, kXNonceBytes);
  out.timeout_s = get_u32(t + token_at::timeout);
  out.server_count = t[token_at::count];
  read_servers(t + token_at::servers, out.servers);
  std::memcpy(out.client_to_server.bytes.data(), t + token_at::c2s, kKeyBytes);
  std::memcpy(out.server_to_client.bytes.data(), t + token_at::s2c, kKeyBytes);
  std::memcpy(out.sealed.data(), t + token_at::sealed, kPrivateSealedBytes);
  if (out.server_count < 1 || out.server_count > kMaxServers) return false;
  if (out.timeout_s < 1 || out.timeout_s > 600) return false;
  if (out.expires_unix_s < out.created_unix_s) return false;
  for (std::size_t i = token_at::sealed + kPrivateSealedBytes; i < kTokenBytes; ++i)
    if (t[i] != 0) return false;
  return true;
}

void write_request(const PublicToken& token, std::span<const std::uint8_t, kAttemptBytes> attempt,
                   std::span<const std::uint8_t, kKxPublicBytes> kx_public, std::uint8_t suites,
                   std::span<std::uint8_t, kRequestBytes> out) {
  std::fill(out.begin(), out.end(), std::uint8_t{0});
  std::uint8_t* r = out.data();
  r[request_at::prefix] = static_cast<std::uint8_t>(PacketType::Request);
  std::copy(kTokenMagic.begin(), kTokenMagic.end(), r + request_at::magic);
  put_u64(r + request_at::protocol, token.protocol_id);
  put_u64(r + request_at::expires, token.expires_unix_s);
  std::memcpy(r + request_at::nonce, token.nonce.data(), kXNonceBytes);
  std::memcpy(r + request_at::sealed, token.sealed.data(), kPrivateSealedBytes);
  std::memcpy(r + kRequestAttemptAt, attempt.data(), kAttemptBytes);
  std::memcpy(r + kRequestKxAt, kx_public.data(), kKxPublicBytes);
  const auto mac = request_mac(token.client_to_server, attempt.data(), kx_public.data(), suites);
  std::memcpy(r + kRequestMacAt, mac.data(), kRequestMacBytes);
  r[kRequestSuitesAt] = suites;
}

std::array<std::uint8_t, kRequestMacBytes> request_mac(const Key& client_to_server,
                                                       const std::uint8_t* attempt,
                                                       const std::uint8_t* kx_public,
                                                       std::uint8_t suites) {
  std::array<std::uint8_t, 8 + kAttemptBytes + kKxPublicBytes + 1> message{'t', 'w', '-', 'r',
                                                                           'e', 'q', 'u', 'e'};
  std::memcpy(message.data() + 8, attempt, kAttemptBytes);
  std::memcpy(message.data() + 8 + kAttemptBytes, kx_public, kKxPublicBytes);
  message[8 + kAttemptBytes + kKxPublicBytes] = suites;
  std::array<std::uint8_t, kRequestMacBytes> mac{};
  crypto_generichash(mac.data(), mac.size(), message.data(), message.size(),
                     client_to_server.bytes.data(), client_to_server.bytes.size());
  return mac;
}

bool parse_request(std::span<const std::uint8_t> wire, RequestView& out) {
  if (wire.size() != kRequestBytes) return false;
  const std::uint8_t* r = wire.data();
  if (r[request_at::prefix] != static_cast<std::uint8_t>(PacketType::Request)) return false;
  if (!std::equal(kTokenMagic.begin(), kTokenMagic.end(), r + request_at::magic)) return false;
  out.protocol_id = get_u64(r + request_at::protocol);
  out.expires_unix_s = get_u64(r + request_at::expires);
  // The padding is not authenticated: it must be zero, or a changed bit in
  // it would pass as the same request.
  for (std::size_t i = kRequestSuitesAt + 1; i < kRequestBytes; ++i)
    if (r[i] != 0) return false;
  out.suites = r[kRequestSuitesAt];
  if (out.suites == 0 || (out.suites & ~kKnownSuites) != 0) return false;
  out.nonce = r + request_at::nonce;
  out.sealed = r + request_at::sealed;
  out.attempt = r + kRequestAttemptAt;
  out.kx_public = r + kRequestKxAt;
  out.mac = r + kRequestMacAt;
  return true;
}

bool open_private(const Key& token_key, const RequestView& request, PrivateToken& out) {
  std::array<std::uint8_t, kPrivatePlainBytes> plain{};
  const auto ad = private_ad(request.protocol_id, request.expires_unix_s);
  unsigned long long plain_size = 0;
  const bool opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
                          plain.data(), &plain_size, nullptr, request.sealed, kPrivateSealedBytes,
                          ad.data(), ad.size(), request.nonce, token_key.bytes.data()) == 0 &&
                      plain_size == kPrivatePlainBytes;
  bool ok = opened;
  if (ok) {
    const std::uint8_t* p = plain.data();
    out.client_id = get_u64(p);
    out.timeout_s = get_u32(p + 8);
    out.server_count = p[12];
    read_servers(p + 13, out.servers);
    std::memcpy(out.client_to_server.bytes.data(), p + 205, kKeyBytes);
    std::memcpy(out.server_to_client.bytes.data(), p + 237, kKeyBytes);
    std::memcpy(out.user_data.data(), p + 269, kUserData);
    ok = out.server_count >= 1 && out.server_count <= kMaxServers && out.timeout_s >= 1 &&
         out.timeout_s <= 600;
  }
  sodium_memzero(plain.data(), plain.size());
  return ok;
}

}  // namespace secure

namespace {

Status write_secret_file(const std::string& path, const void* data, std::size_t size) {
  const mode_t old = ::umask(077);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ::umask(old);
  if (f == nullptr) return {Errc::InvalidArgument, "cannot write '" + path + "'"};
  const bool ok = std::fwrite(data, 1, size, f) == size;
  ::chmod(path.c_str(), 0600);
  if (std::fclose(f) != 0 || !ok) return {Errc::InvalidArgument, "cannot write '" + path + "'"};
  return {};
}

constexpr std::size_t kUnreadable = static_cast<std::size_t>(-1);

// Reads at most `capacity` bytes without stdio's buffer (which would keep a
// copy of the secret); kUnreadable when the file cannot be opened.
std::size_t read_secret_file(const std::string& path, char* buffer, std::size_t capacity) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return kUnreadable;
  std::setvbuf(f, nullptr, _IONBF, 0);
  const std::size_t n = std::fread(buffer, 1, capacity, f);
  std::fclose(f);
  return n;
}

Status ensure_sodium() {
  if (sodium_init() < 0) return {Errc::SocketError, "libsodium failed to initialise"};
  return {};
}

}  // namespace

// ---- TokenKey ---------------------------------------------------------------

TokenKey::~TokenKey() {
  sodium_memzero(bytes_.data(), bytes_.size());
}

TokenKey TokenKey::generate() {
  TokenKey key;
  if (ensure_sodium()) randombytes_buf(key.bytes_.data(), key.bytes_.size());
  return key;
}

double room_code_bits(std::string_view code) noexcept {
  bool lower = false, upper = false, digit = false, other = false;
  for (const char ch : code) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '-' || c == '_' || c == '.' || c == ' ') continue;
    if (std::islower(c))
      lower = true;
    else if (std::isupper(c))
      upper = true;
    else if (std::isdigit(c))
      digit = true;
    else
      other = true;
  }
  const int pool = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0);
  if (pool == 0) return 0;
  const double per_char = std::log2(static_cast<double>(pool));
  double bits = 0;
  int previous = -1000;
  for (const char ch : code) {
    const int c = static_cast<unsigned char>(ch);
    if (c == '-' || c == '_' || c == '.' || c == ' ') continue;
    bits += std::abs(c - previous) <= 1 ? 1.0 : per_char;
    previous = c;
  }
  return bits;
}

Status TokenKey::from_room_code(std::string_view code, std::uint64_t protocol_id, TokenKey& out) {
  if (Status s = ensure_sodium(); !s) return s;
  if (code.size() < 6 || code.size() > 128)
    return {Errc::InvalidArgument, "room code: must have 6 to 128 characters"};
  if (const double bits = room_code_bits(code); bits < kMinRoomCodeBits) {
    char text[200];
    std::snprintf(text, sizeof(text),
                  "room code: too easy to guess (about %.0f bits, at least %.0f needed): use 10 "
                  "or more random letters and digits, or let the server make one",
                  bits, kMinRoomCodeBits);
    return {Errc::InvalidArgument, text};
  }
  std::array<std::uint8_t, crypto_pwhash_SALTBYTES> salt{};
  static_assert(crypto_pwhash_SALTBYTES == 16);
  secure::put_u64(salt.data(), protocol_id);
  std::memcpy(salt.data() + 8, "tw-room\0", 8);
  // Argon2id, 8 MiB, 2 passes: tens of milliseconds once per start, and each
  // guess of an attacker who captured a request costs the same.
  if (crypto_pwhash(out.bytes_.data(), out.bytes_.size(), code.data(), code.size(), salt.data(), 2,
                    8u << 20, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return {Errc::OutOfMemory, "room code: key derivation ran out of memory"};
  out.room_ = true;
  return {};
}

Status TokenKey::from_hex(std::string_view hex, TokenKey& out) {
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front())))
    hex.remove_prefix(1);
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.remove_suffix(1);
  TokenKey key;
  std::size_t bin_len = 0;
  if (hex.size() != 2 * kTokenKeyBytes ||
      sodium_hex2bin(key.bytes_.data(), key.bytes_.size(), hex.data(), hex.size(), nullptr,
                     &bin_len, nullptr) != 0 ||
      bin_len != kTokenKeyBytes)
    return {Errc::InvalidArgument, "token key: expected 64 hex digits"};
  if (key.empty()) return {Errc::InvalidArgument, "token key: all zero"};
  out = key;
  return {};
}

Status TokenKey::load(const std::string& path, TokenKey& out) {
  // Unbuffered, into a buffer that is wiped: no copy of the key is left behind.
  std::array<char, 200> text{};
  const std::size_t n = read_secret_file(path, text.data(), text.size());
  if (n == kUnreadable) return {Errc::InvalidArgument, "cannot read token key file '" + path + "'"};
  Status s = from_hex({text.data(), n}, out);
  sodium_memzero(text.data(), text.size());
  if (!s) s.message = "'" + path + "': " + s.message;
  return s;
}

Status TokenKey::save(const std::string& path) const {
  std::array<char, 2 * kTokenKeyBytes + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes_.data(), bytes_.size());
  hex.back() = '\n';  // replaces the terminating zero
  Status s = write_secret_file(path, hex.data(), hex.size());
  sodium_memzero(hex.data(), hex.size());
  return s;
}

std::string TokenKey::to_hex() const {
  std::string hex(2 * kTokenKeyBytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes_.data(), bytes_.size());
  hex.pop_back();
  return hex;
}

bool TokenKey::empty() const noexcept {
  return sodium_is_zero(bytes_.data(), bytes_.size()) == 1;
}

// ---- ConnectToken -----------------------------------------------------------

ConnectToken::~ConnectToken() {
  sodium_memzero(bytes.data(), bytes.size());
}

bool ConnectToken::empty() const noexcept {
  return sodium_is_zero(bytes.data(), bytes.size()) == 1;
}

Status ConnectToken::load(const std::string& path, ConnectToken& out) {
  ConnectToken token;
  std::array<char, kConnectTokenBytes + 1> bytes{};  // one more: to see a longer file
  const std::size_t n = read_secret_file(path, bytes.data(), bytes.size());
  if (n == kUnreadable)
    return {Errc::InvalidArgument, "cannot read connect token file '" + path + "'"};
  std::memcpy(token.bytes.data(), bytes.data(), std::min(n, kConnectTokenBytes));
  sodium_memzero(bytes.data(), bytes.size());
  if (n != kConnectTokenBytes)
    return {Errc::InvalidArgument, "'" + path + "': a connect token file holds exactly 1024 bytes"};
  ConnectTokenInfo info;
  if (Status s = inspect_token(token, info); !s) {
    s.message = "'" + path + "': " + s.message;
    return s;
  }
  out = token;
  return {};
}

Status ConnectToken::save(const std::string& path) const {
  return write_secret_file(path, bytes.data(), bytes.size());
}

Status inspect_token(const ConnectToken& token, ConnectTokenInfo& out) {
  secure::PublicToken pub;
  if (!secure::parse_public(token.bytes, pub))
    return {Errc::InvalidArgument, "not a tickwire connect token (bad magic or fields)"};
  out.protocol_id = pub.protocol_id;
  out.created_unix_s = pub.created_unix_s;
  out.expires_unix_s = pub.expires_unix_s;
  out.timeout_s = pub.timeout_s;
  out.servers.clear();
  for (std::size_t i = 0; i < pub.server_count; ++i)
    out.servers.push_back(socket::to_string(pub.servers[i]));
  return {};
}

Status make_connect_token(const TokenKey& key, const ConnectTokenParams& params,
                          ConnectToken& out) {
  if (Status s = ensure_sodium(); !s) return s;
  if (key.empty()) return {Errc::InvalidSettings, "token key is not set"};
  if (params.servers.empty() || params.servers.size() > kMaxTokenServers)
    return {Errc::InvalidArgument, "a token lists 1 to 32 servers"};
  if (params.timeout_s < 1 || params.timeout_s > 600)
    return {Errc::InvalidArgument, "timeout_s: must be within 1..600 s"};
  if (params.expires_in_s < 1 || params.expires_in_s > 365u * 24 * 3600)
    return {Errc::InvalidArgument, "expires_in_s: must be within 1 s..365 days"};

  secure::PrivateToken priv;
  priv.client_id = params.client_id;
  priv.timeout_s = params.timeout_s;
  priv.server_count = static_cast<std::uint8_t>(params.servers.size());
  for (std::size_t i = 0; i < params.servers.size(); ++i) {
    ENetAddress a{};
    if (Status s = socket::resolve(params.servers[i], kDefaultPort, a); !s) return s;
    priv.servers[i] = socket::Endpoint{a.host, a.port};
  }
  crypto_aead_chacha20poly1305_ietf_keygen(priv.client_to_server.bytes.data());
  crypto_aead_chacha20poly1305_ietf_keygen(priv.server_to_client.bytes.data());
  priv.user_data = params.user_data;

  std::array<std::uint8_t, secure::kPrivatePlainBytes> plain{};
  secure::put_u64(plain.data(), priv.client_id);
  secure::put_u32(plain.data() + 8, priv.timeout_s);
  plain[12] = priv.server_count;
  secure::write_servers(plain.data() + 13, priv.servers);
  std::memcpy(plain.data() + 205, priv.client_to_server.bytes.data(), secure::kKeyBytes);
  std::memcpy(plain.data() + 237, priv.server_to_client.bytes.data(), secure::kKeyBytes);
  std::memcpy(plain.data() + 269, priv.user_data.data(), secure::kUserData);

  const std::uint64_t now = unix_seconds();
  ConnectToken token;
  std::uint8_t* t = token.bytes.data();
  namespace at = secure::token_at;
  std::copy(secure::kTokenMagic.begin(), secure::kTokenMagic.end(), t + at::magic);
  secure::put_u64(t + at::protocol, params.protocol_id);
  secure::put_u64(t + at::created, now);
  secure::put_u64(t + at::expires, now + params.expires_in_s);
  randombytes_buf(t + at::nonce, secure::kXNonceBytes);
  secure::put_u32(t + at::timeout, priv.timeout_s);
  t[at::count] = priv.server_count;
  secure::write_servers(t + at::servers, priv.servers);
  std::memcpy(t + at::c2s, priv.client_to_server.bytes.data(), secure::kKeyBytes);
  std::memcpy(t + at::s2c, priv.server_to_client.bytes.data(), secure::kKeyBytes);
  const auto ad = secure::private_ad(params.protocol_id, now + params.expires_in_s);
  crypto_aead_xchacha20poly1305_ietf_encrypt(t + at::sealed, nullptr, plain.data(), plain.size(),
                                             ad.data(), ad.size(), nullptr, t + at::nonce,
                                             key.bytes().data());
  sodium_memzero(plain.data(), plain.size());
  out = token;
  return {};
}

Status make_room_token(std::string_view code, std::string_view server, std::uint64_t protocol_id,
                       ConnectToken& out) {
  TokenKey key;
  if (Status s = TokenKey::from_room_code(code, protocol_id, key); !s) return s;
  ConnectTokenParams params;
  params.protocol_id = protocol_id;
  params.servers = {std::string(server)};
  params.expires_in_s = 60;
  if (Status s = ensure_sodium(); !s) return s;
  randombytes_buf(&params.client_id, sizeof(params.client_id));
  return make_connect_token(key, params, out);
}

}  // namespace tickwire
