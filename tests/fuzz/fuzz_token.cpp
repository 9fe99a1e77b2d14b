// Fuzz target: the connect token decoder (public part, file loader's checks,
// and the private part under the fixed key when the input is request-shaped).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tickwire;
  static const TokenKey key = fuzz::fixed_key();
  const std::span<const std::uint8_t> bytes(data, size);
  secure::PublicToken pub;
  if (secure::parse_public(bytes, pub)) {
    // A token that parses becomes a request, whose private part is opened.
    std::array<std::uint8_t, secure::kRequestBytes> request{};
    const std::array<std::uint8_t, secure::kAttemptBytes> attempt{1, 2, 3, 4, 5, 6, 7, 8};
    std::array<std::uint8_t, secure::kKxPublicBytes> kx{};
    kx.fill(7);  // any point but the few of low order
    secure::write_request(pub, attempt, kx, secure::suite_bit(secure::Suite::ChaCha20Poly1305),
                          request);
    secure::RequestView view;
    if (secure::parse_request(request, view)) {
      secure::Key k;
      k.bytes = key.bytes();
      secure::PrivateToken priv;
      (void)secure::open_private(k, view, priv);
    }
  }
  if (size == kConnectTokenBytes) {
    ConnectToken token;
    std::copy(data, data + size, token.bytes.begin());
    ConnectTokenInfo info;
    (void)inspect_token(token, info);
  }
  std::string hex(reinterpret_cast<const char*>(data), std::min<std::size_t>(size, 200));
  TokenKey parsed;
  (void)TokenKey::from_hex(hex, parsed);
  return 0;
}
