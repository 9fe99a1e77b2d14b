// tw-token: makes token keys and connect tokens from the shell, for a game's
// backend or for testing. See `tw-token --help`.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "tickwire/token.hpp"

namespace {

constexpr const char* kUsage = R"(usage: tw-token COMMAND [OPTIONS]

Make token keys and connect tokens for tickwire servers.

commands:
  keygen [--out FILE]
      Write a new random token key (64 hex digits) to FILE (mode 0600) or to
      standard output. Give the same key to your game servers (--token-key)
      and to your backend; never to players.

  make --key FILE --client-id N --server HOST:PORT [--server HOST:PORT ...]
       [--expires SECONDS] [--timeout SECONDS] [--protocol-id N]
       [--user-data HEX] [--out FILE]
      Write a 1024-byte connect token for one player to FILE (mode 0600) or
      to standard output (not a terminal). --server: 1 to 32 addresses the
      token is valid for, as players reach them. --expires: how long the
      token can start a session (default 300 s). --timeout: a session silent
      this long ends (default 10 s). --protocol-id: the game's protocol id
      (default tickwire's). --user-data: up to 256 bytes as hex, which the
      server sees with the connection.

  room --code CODE --server HOST:PORT [--out FILE]
      Write a token for a room protected by a code, as `arena --code` does.

  inspect FILE
      Print a token's public part: protocol id, times, servers.

  --help
      Show this help.

Exit status: 0 on success, 1 on an error, 2 on bad usage.
)";

int usage_error(const std::string& why) {
  std::fprintf(stderr, "tw-token: %s\n\n%s", why.c_str(), kUsage);
  return 2;
}

int fail(const std::string& why) {
  std::fprintf(stderr, "tw-token: %s\n", why.c_str());
  return 1;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  int base = 10;
  if (text.starts_with("0x")) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

// Writes bytes to `path`, or to standard output when empty.
int emit(const std::string& path, const void* data, std::size_t size, bool binary) {
  if (path.empty()) {
    if (binary && ::isatty(STDOUT_FILENO))
      return fail("refusing to write a binary token to a terminal; use --out FILE or redirect");
    if (std::fwrite(data, 1, size, stdout) != size || std::fflush(stdout) != 0)
      return fail("cannot write to standard output");
  }
  return 0;
}

std::string format_time(std::uint64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

struct Args {
  std::vector<std::string_view> items;
  std::size_t at = 0;
  bool next(std::string_view& out) {
    if (at >= items.size()) return false;
    out = items[at++];
    return true;
  }
};

int keygen(Args& args) {
  std::string out;
  std::string_view arg, value;
  while (args.next(arg)) {
    if (arg == "--out" && args.next(value)) {
      out = value;
    } else {
      return usage_error("keygen: unexpected '" + std::string(arg) + "'");
    }
  }
  const tickwire::TokenKey key = tickwire::TokenKey::generate();
  if (key.empty()) return fail("cannot generate a key (libsodium failed)");
  if (!out.empty()) {
    if (tickwire::Status s = key.save(out); !s) return fail(s.message);
    std::fprintf(stderr, "tw-token: wrote a new token key to %s\n", out.c_str());
    return 0;
  }
  const std::string hex = key.to_hex() + "\n";
  return emit("", hex.data(), hex.size(), false);
}

int make(Args& args, bool room) {
  tickwire::ConnectTokenParams params;
  std::string key_path, out, code;
  bool have_id = false;
  std::string_view arg, value;
  while (args.next(arg)) {
    if (!args.next(value)) return usage_error(std::string(arg) + " needs a value");
    std::uint64_t n = 0;
    if (arg == "--key" && !room) {
      key_path = value;
    } else if (arg == "--code" && room) {
      code = value;
    } else if (arg == "--server") {
      params.servers.emplace_back(value);
    } else if (arg == "--out") {
      out = value;
    } else if (arg == "--client-id" && !room) {
      if (!parse_u64(value, params.client_id)) return usage_error("--client-id: expected a number");
      have_id = true;
    } else if (arg == "--expires" && !room) {
      if (!parse_u64(value, n) || n == 0 || n > 365ull * 24 * 3600)
        return usage_error("--expires: expected seconds, 1..31536000");
      params.expires_in_s = static_cast<std::uint32_t>(n);
    } else if (arg == "--timeout" && !room) {
      if (!parse_u64(value, n) || n == 0 || n > 600)
        return usage_error("--timeout: expected seconds, 1..600");
      params.timeout_s = static_cast<std::uint32_t>(n);
    } else if (arg == "--protocol-id") {
      if (!parse_u64(value, params.protocol_id))
        return usage_error("--protocol-id: expected a number");
    } else if (arg == "--user-data" && !room) {
      if (value.size() % 2 != 0 || value.size() > 2 * tickwire::kUserDataBytes)
        return usage_error("--user-data: expected up to 256 bytes as hex");
      for (std::size_t i = 0; i < value.size() / 2; ++i) {
        unsigned byte = 0;
        const auto [end, ec] =
            std::from_chars(value.data() + 2 * i, value.data() + 2 * i + 2, byte, 16);
        if (ec != std::errc{} || end != value.data() + 2 * i + 2)
          return usage_error("--user-data: expected hex digits");
        params.user_data[i] = static_cast<std::uint8_t>(byte);
      }
    } else {
      return usage_error(std::string(room ? "room" : "make") + ": unexpected '" + std::string(arg) +
                         "'");
    }
  }
  if (params.servers.empty()) return usage_error("at least one --server HOST:PORT is needed");
  tickwire::ConnectToken token;
  if (room) {
    if (code.empty()) return usage_error("room: --code is needed");
    if (params.servers.size() != 1) return usage_error("room: exactly one --server");
    if (tickwire::Status s =
            tickwire::make_room_token(code, params.servers[0], params.protocol_id, token);
        !s)
      return fail(s.message);
  } else {
    if (key_path.empty()) return usage_error("make: --key FILE is needed");
    if (!have_id) return usage_error("make: --client-id is needed");
    tickwire::TokenKey key;
    if (tickwire::Status s = tickwire::TokenKey::load(key_path, key); !s) return fail(s.message);
    if (tickwire::Status s = tickwire::make_connect_token(key, params, token); !s)
      return fail(s.message);
  }
  if (!out.empty()) {
    if (tickwire::Status s = token.save(out); !s) return fail(s.message);
    std::fprintf(stderr, "tw-token: wrote a connect token to %s\n", out.c_str());
    return 0;
  }
  return emit("", token.bytes.data(), token.bytes.size(), true);
}

int inspect(Args& args) {
  std::string_view path;
  if (!args.next(path) || args.at != args.items.size()) return usage_error("inspect FILE");
  tickwire::ConnectToken token;
  if (tickwire::Status s = tickwire::ConnectToken::load(std::string(path), token); !s)
    return fail(s.message);
  tickwire::ConnectTokenInfo info;
  if (tickwire::Status s = tickwire::inspect_token(token, info); !s) return fail(s.message);
  std::printf(
      "protocol id  0x%016llx\ncreated      %s\nexpires      %s%s\ntimeout      %u s\n",
      static_cast<unsigned long long>(info.protocol_id), format_time(info.created_unix_s).c_str(),
      format_time(info.expires_unix_s).c_str(),
      static_cast<std::uint64_t>(std::time(nullptr)) >= info.expires_unix_s ? " (expired)" : "",
      info.timeout_s);
  for (const std::string& server : info.servers) std::printf("server       %s\n", server.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) args.items.emplace_back(argv[i]);
  std::string_view command;
  if (!args.next(command)) return usage_error("no command given");
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  for (std::string_view a : args.items)
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  if (command == "keygen") return keygen(args);
  if (command == "make") return make(args, false);
  if (command == "room") return make(args, true);
  if (command == "inspect") return inspect(args);
  return usage_error("unknown command '" + std::string(command) + "'");
}
