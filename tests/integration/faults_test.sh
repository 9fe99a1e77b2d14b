#!/usr/bin/env bash
# Faults players and hosts meet, on real arena servers:
# 1. A server stopped and started again mid-match: a headless client with
#    --reconnect says why its connection ended, tries again with a back-off,
#    rejoins the new server and counts it (--stats-json: reconnects 1, and
#    connected at the end, exit 0).
# 2. A server with room for one player: the next player is refused with
#    "server full" (in words, on both sides), a player killed outright is
#    noticed within the timeout ("stopped answering"), its slot is freed,
#    and a new player gets in.
#
#   faults_test.sh ARENA WORK_DIR
set -uo pipefail
arena="$1"
work="$2"
mkdir -p "${work}"
rm -f "${work}"/faults.* "${work}"/reconnect.*
port=$((20000 + RANDOM % 20000))
code=k7xqm2pd9tfa7
fail() { echo "FAIL: $*"; cat "${work}"/*.server* "${work}"/*.out 2>/dev/null | tail -40; exit 1; }

# 1. The first server stops by itself after 3 s (cleanly: its players are told).
"${arena}" --server --port "${port}" --code "${code}" --duration 3 >"${work}/reconnect.server1" 2>&1 &
first=$!
sleep 0.3
timeout 60 "${arena}" --connect "127.0.0.1:${port}" --code "${code}" --headless --bot \
  --reconnect --duration 14 --stats-json "${work}/reconnect.json" \
  >"${work}/reconnect.out" 2>"${work}/reconnect.err" &
client=$!
wait "${first}"
sleep 2  # the client is without a server for 2 s
"${arena}" --server --port "${port}" --code "${code}" --duration 13 >"${work}/reconnect.server2" 2>&1 &
second=$!
wait "${client}"
rc=$?
kill "${second}" 2>/dev/null
wait "${second}" 2>/dev/null
cat "${work}/reconnect.err"
[[ ${rc} -eq 0 ]] || fail "the reconnecting client exited with ${rc}"
grep -q "^arena: The server closed the connection" "${work}/reconnect.err" ||
  fail "the client did not say why its connection ended"
grep -q "^arena: reconnecting to 127.0.0.1:${port}" "${work}/reconnect.err" ||
  fail "the client did not try again"
grep -q '"reconnects": 1,' "${work}/reconnect.json" || fail "reconnects is not 1"
grep -q '"connected": true,' "${work}/reconnect.json" || fail "not connected at the end"
grep -q "joined from" "${work}/reconnect.server2" || fail "the second server saw no join"
echo "ok  : rejoined the restarted server"

# 2. Room for one player.
port=$((port + 1))
"${arena}" --server --port "${port}" --code "${code}" --max-players 1 --duration 40 \
  >"${work}/faults.server" 2>&1 &
server=$!
trap 'kill "${server}" 2>/dev/null; wait "${server}" 2>/dev/null' EXIT
sleep 0.3
join() {  # join NAME SECONDS: a headless bot client in the background
  "${arena}" --connect "127.0.0.1:${port}" --code "${code}" --headless --bot --name "$1" \
    --duration "$2" >"${work}/faults.$1.out" 2>"${work}/faults.$1.err" &
}
join first 60
first=$!
for _ in $(seq 1 50); do grep -q "first joined" "${work}/faults.server" && break; sleep 0.1; done
grep -q "first joined" "${work}/faults.server" || fail "the first player never joined"

# The server is full: the second is refused, and both sides say so.
timeout 20 "${arena}" --connect "127.0.0.1:${port}" --code "${code}" --headless --bot \
  --name second --duration 3 >"${work}/faults.second.out" 2>"${work}/faults.second.err"
rc=$?
cat "${work}/faults.second.err"
[[ ${rc} -eq 1 ]] || fail "the refused player exited with ${rc}, not 1"
grep -q "^arena: The server at 127.0.0.1:${port} is full" "${work}/faults.second.err" ||
  fail "the refused player was not told the server is full"
grep -q "join refused from .*: the server is full" "${work}/faults.server" ||
  fail "the host's log does not say it refused a join as full"

# The first player's process dies: the server notices within its timeout
# and frees the slot.
kill -9 "${first}"
killed=$(date +%s)
for _ in $(seq 1 40); do
  grep -q "first left: stopped answering (timed out)" "${work}/faults.server" && break
  sleep 0.5
done
grep -q "first left: stopped answering (timed out)" "${work}/faults.server" ||
  fail "the server did not say the killed player stopped answering within 20 s"
echo "ok  : the killed player's slot freed after $(($(date +%s) - killed)) s"

# ... and the next player gets in.
timeout 20 "${arena}" --connect "127.0.0.1:${port}" --code "${code}" --headless --bot \
  --name third --duration 2 --stats-json "${work}/faults.third.json" \
  >"${work}/faults.third.out" 2>"${work}/faults.third.err"
rc=$?
[[ ${rc} -eq 0 ]] || fail "a player after the freed slot exited with ${rc}: $(cat "${work}/faults.third.err")"
grep -q '"connected": true,' "${work}/faults.third.json" || fail "the third player did not stay connected"
echo "ok  : refused when full, slot freed after a kill, the next player in"
