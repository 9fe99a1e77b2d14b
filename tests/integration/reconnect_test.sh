#!/usr/bin/env bash
# A server stopped and started again mid-match: a headless client with
# --reconnect says why its connection ended, tries again with a back-off,
# rejoins the new server and counts it (--stats-json: reconnects 1, and
# connected at the end, exit 0).
#
#   reconnect_test.sh ARENA WORK_DIR
set -uo pipefail
arena="$1"
work="$2"
mkdir -p "${work}"
rm -f "${work}"/reconnect.*
port=$((20000 + RANDOM % 20000))
code=k7xqm2pd9tfa7

# The first server stops by itself after 3 s (cleanly: its players are told).
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
fail() { echo "FAIL: $*"; cat "${work}/reconnect.out"; exit 1; }
[[ ${rc} -eq 0 ]] || fail "the client exited with ${rc}"
grep -q "^arena: The server closed the connection" "${work}/reconnect.err" ||
  fail "the client did not say why its connection ended"
grep -q "^arena: reconnecting to 127.0.0.1:${port}" "${work}/reconnect.err" ||
  fail "the client did not try again"
grep -q '"reconnects": 1,' "${work}/reconnect.json" || fail "reconnects is not 1"
grep -q '"connected": true,' "${work}/reconnect.json" || fail "not connected at the end"
grep -q "joined from" "${work}/reconnect.server2" || fail "the second server saw no join"
echo "ok: rejoined the restarted server"
