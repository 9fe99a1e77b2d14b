// arena — the program's modes: dedicated server, headless client, window.
#pragma once

#include <csignal>

#include "app/options.hpp"
#include "app/stats_json.hpp"
#include "client/game_client.hpp"
#include "server/game_server.hpp"

namespace arena::app {

// Set by SIGINT and SIGTERM; every loop checks it and exits cleanly.
extern volatile std::sig_atomic_t g_stop;
void install_signal_handlers();

int run_server(const Options& options);
// Local match or --connect; headless or with a window.
int run_client(const Options& options);

// Many bot players from one process (--clients N, bots.cpp).
int run_bots(const Options& options);

// A client's connection settings from the command line: the server at
// `address`, the room `code`, the name, bot, prediction and conditioner.
client::ClientOptions client_settings(const Options& options, const std::string& address,
                                      const std::string& code);

// Writes --stats-json, reports why the client never got in or was dropped,
// and returns the exit status of a client run.
int finish_client(const Options& options, client::GameClient& client, const ClientReport& report);

// The window's loop (window.cpp). `local` is the in-process server of a local
// match, or null. Returns the process exit status.
// `settings` are the client's connection's, for joining again (R, --reconnect).
int run_window(const Options& options, const client::ClientOptions& settings,
               client::GameClient& client, server::GameServer* local);

}  // namespace arena::app
