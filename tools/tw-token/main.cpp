// tw-token: makes token keys and connect tokens from the shell, for a game's
// backend or for testing. See `tw-token --help`.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
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
       [--expires SECONDS] [--timeout SECONDS] [--game arena | --protocol-id N]
       [--user-data HEX] [--out FILE]
      Write a 1024-byte connect token for one player to FILE (mode 0600) or
      to standard output (not a terminal). --server: 1 to 32 addresses the
      token is valid for, as players reach them. --expires: how long the
      token can start a session (default 300 s). --timeout: a session silent
      this long ends (default 10 s). --protocol-id: the game's protocol id
      (default tickwire's, 0x7469636b77697265); --game arena: the sample
      game's, 0x6172656e61303031, which every arena server uses (a token for
      another protocol id is refused as a protocol mismatch). --user-data: up
      to 256 bytes as hex, which the server sees with the connection.

  room --code CODE --server HOST:PORT [--game arena | --protocol-id N] [--out FILE]
      Write a token for a room protected by a code, as `arena --connect
      --code` makes one itself: for an `arena --server --code CODE`, pass
      --game arena (the default protocol id is tickwire's, not arena's).

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

// A whole number, decimal or 0x-prefixed hex.
bool parse_u64(std::string_view text, std::uint64_t& out) {
  const bool hex = text.starts_with("0x");
  return tickwire::cli::parse_number<std::uint64_t>(hex ? text.substr(2) : text, 0, UINT64_MAX, out,
                                                    hex ? 16 : 10);
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

// A subcommand's arguments: argv from after the subcommand's name.
struct Args {
  int argc;
  const char* const* argv;
  int first;
};

// Parses `args` against `flags` and says why not: 0 when fine, else the exit status.
int parse_flags(const Args& args, std::span<const tickwire::cli::Flag> flags, const char* command) {
  std::string error;
  switch (tickwire::cli::parse(args.argc, args.argv, flags, error, args.first)) {
    case tickwire::cli::Outcome::Ok: return 0;
    case tickwire::cli::Outcome::Help: std::fputs(kUsage, stdout); return -1;
    case tickwire::cli::Outcome::Bad: return usage_error(std::string(command) + ": " + error);
  }
  return 2;
}

int keygen(const Args& args) {
  std::string out;
  const tickwire::cli::Flag flags[] = {
      {"--out", true, [&](std::string_view v) { return (out = v), std::string(); }},
  };
  if (const int status = parse_flags(args, flags, "keygen")) return status < 0 ? 0 : status;
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

// arena's protocol id ("arena001", sample_game/proto/messages.hpp).
constexpr std::uint64_t kArenaProtocolId = 0x6172656e61303031ull;

int make(const Args& args, bool room) {
  tickwire::ConnectTokenParams params;
  std::string key_path, out, code;
  bool have_id = false;
  auto seconds = [](const char* flag, std::uint32_t max, std::uint32_t& to) {
    return [=, &to](std::string_view v) { return tickwire::cli::number(flag, v, 1u, max, to); };
  };
  std::vector<tickwire::cli::Flag> flags = {
      {"--server", true,
       [&](std::string_view v) { return params.servers.emplace_back(v), std::string(); }},
      {"--out", true, [&](std::string_view v) { return (out = v), std::string(); }},
      {"--protocol-id", true,
       [&](std::string_view v) {
         return parse_u64(v, params.protocol_id)
                    ? std::string()
                    : "--protocol-id: expected a number (decimal or 0x hex), got '" +
                          std::string(v) + "'";
       }},
      {"--game", true,
       [&](std::string_view v) {
         // The games tickwire ships, by name (their protocol ids).
         if (v != "arena")
           return "--game: the one game known by name is arena, got '" + std::string(v) +
                  "' (use --protocol-id N)";
         params.protocol_id = kArenaProtocolId;
         return std::string();
       }},
  };
  if (room) {
    flags.push_back(
        {"--code", true, [&](std::string_view v) { return (code = v), std::string(); }});
  } else {
    flags.push_back(
        {"--key", true, [&](std::string_view v) { return (key_path = v), std::string(); }});
    flags.push_back({"--client-id", true, [&](std::string_view v) {
                       have_id = parse_u64(v, params.client_id);
                       return have_id
                                  ? std::string()
                                  : "--client-id: expected a number, got '" + std::string(v) + "'";
                     }});
    flags.push_back(
        {"--expires", true, seconds("--expires", 365u * 24 * 3600, params.expires_in_s)});
    flags.push_back({"--timeout", true, seconds("--timeout", 600u, params.timeout_s)});
    flags.push_back(
        {"--user-data", true, [&](std::string_view v) -> std::string {
           if (v.size() % 2 != 0 || v.size() > 2 * tickwire::kUserDataBytes)
             return "--user-data: expected up to 256 bytes as hex";
           for (std::size_t i = 0; i < v.size() / 2; ++i) {
             unsigned byte = 0;
             if (!tickwire::cli::parse_number<unsigned>(v.substr(2 * i, 2), 0, 255, byte, 16))
               return "--user-data: expected hex digits";
             params.user_data[i] = static_cast<std::uint8_t>(byte);
           }
           return {};
         }});
  }
  if (const int status = parse_flags(args, flags, room ? "room" : "make"))
    return status < 0 ? 0 : status;
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

int inspect(const Args& args) {
  if (args.argc - args.first == 1 && (std::string_view(args.argv[args.first]) == "--help" ||
                                      std::string_view(args.argv[args.first]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.argc - args.first != 1 || std::string_view(args.argv[args.first]).starts_with("--"))
    return usage_error("inspect FILE");
  const std::string_view path = args.argv[args.first];
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
  if (argc < 2) return usage_error("no command given");
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const Args args{argc, argv, 2};
  if (command == "keygen") return keygen(args);
  if (command == "make") return make(args, false);
  if (command == "room") return make(args, true);
  if (command == "inspect") return inspect(args);
  return usage_error("unknown command '" + std::string(command) + "'");
}
