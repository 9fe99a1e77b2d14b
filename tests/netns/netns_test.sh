#!/usr/bin/env bash
# arena across machines, simulated: two network namespaces joined by a veth
# pair. `arena --server --bots 2` runs in one; two headless bot clients
# (`--connect ... --bot --headless --duration 10 --stats-json ...`) run in the
# other. Passes when both clients were connected at exit, saw all 4 players
# and received at least 90 % of the state updates expected while connected.
#
#   netns_test.sh ARENA WORK_DIR
#
# Exit 77 (skipped) when not root or when namespaces or veth pairs cannot be
# made. Names carry this shell's PID, addresses come from 10.200.0.0/16, and
# everything is removed on exit, whatever happens.
set -uo pipefail

arena="$1"
work="$2"
duration=10
rate_floor=0.9

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[[ ${EUID} -eq 0 ]] || skip "needs root to create network namespaces (ip netns)"
command -v ip >/dev/null 2>&1 || skip "ip not found (scripts/setup-deps installs iproute2)"
mkdir -p "${work}"

tag="tw$$"
ns_server="${tag}s"
ns_client="${tag}c"
veth_server="${tag}a"
veth_client="${tag}b"
octet=$(($$ % 250 + 1))
server_ip="10.200.${octet}.1"
client_ip="10.200.${octet}.2"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "${pid}" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null; done
  ip netns del "${ns_server}" 2>/dev/null  # removes the veth pair with it
  ip netns del "${ns_client}" 2>/dev/null
  ip link del "${veth_server}" 2>/dev/null
  true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! err="$(ip netns add "${ns_server}" 2>&1)"; then
  skip "ip netns is not available here: ${err}"
fi
ip netns add "${ns_client}" || fail "ip netns add ${ns_client}"
if ! err="$(ip link add "${veth_server}" type veth peer name "${veth_client}" 2>&1)"; then
  skip "cannot create a veth pair here: ${err}"
fi
ip link set "${veth_server}" netns "${ns_server}" || fail "moving ${veth_server}"
ip link set "${veth_client}" netns "${ns_client}" || fail "moving ${veth_client}"
ip -n "${ns_server}" addr add "${server_ip}/24" dev "${veth_server}" || fail "address"
ip -n "${ns_client}" addr add "${client_ip}/24" dev "${veth_client}" || fail "address"
for ns in "${ns_server}" "${ns_client}"; do ip -n "${ns}" link set lo up; done
ip -n "${ns_server}" link set "${veth_server}" up || fail "link up"
ip -n "${ns_client}" link set "${veth_client}" up || fail "link up"
echo "== namespaces ${ns_server} (${server_ip}) and ${ns_client} (${client_ip})"

rm -f "${work}"/*.json "${work}"/*.log
code="netns-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"  # the room's secret
ip netns exec "${ns_server}" timeout -s TERM 60 "${arena}" --server --bots 2 --duration 40 --code "${code}" \
  --stats-json "${work}/server.json" >"${work}/server.log" 2>&1 &
server_pid=$!
pids+=("${server_pid}")
for _ in $(seq 1 200); do
  grep -q "listening" "${work}/server.log" 2>/dev/null && break
  kill -0 "${server_pid}" 2>/dev/null || { cat "${work}/server.log"; fail "the server exited"; }
  sleep 0.05
done
grep -q "listening" "${work}/server.log" || { cat "${work}/server.log"; fail "the server did not start"; }

for c in a b; do
  ip netns exec "${ns_client}" timeout -s TERM 40 "${arena}" --connect "${server_ip}:27015" --code "${code}" \
    --bot --headless --duration "${duration}" --name "netns-${c}" \
    --stats-json "${work}/client_${c}.json" >"${work}/client_${c}.log" 2>&1 &
  eval "pid_${c}=\$!"
  pids+=("$!")
done
status=0
wait "${pid_a}" || { echo "client a exited with $?"; status=1; }
wait "${pid_b}" || { echo "client b exited with $?"; status=1; }

kill -TERM "${server_pid}"
wait "${server_pid}"
server_rc=$?
pids=()
echo "== server log"; cat "${work}/server.log"
[[ ${server_rc} -eq 0 ]] || { echo "server exited with ${server_rc}"; status=1; }

# Reads a number, true/false or null from a stats file (one field per line).
field() { sed -n "s/^  \"$2\": \\(.*\\)$/\\1/p" "$1" | tr -d ',' | head -n 1; }

for c in a b; do
  file="${work}/client_${c}.json"
  echo "== client ${c}"; tail -n 3 "${work}/client_${c}.log"
  [[ -s "${file}" ]] || { echo "client ${c}: no stats file"; status=1; continue; }
  cat "${file}"
  connected="$(field "${file}" connected)"
  seen="$(field "${file}" players_seen)"
  updates="$(field "${file}" updates_received)"
  rate="$(field "${file}" state_rate_hz)"
  secs="$(field "${file}" connected_s)"
  [[ "${connected}" == "true" ]] || { echo "client ${c}: not connected at exit"; status=1; }
  [[ "${seen}" -ge 4 ]] || { echo "client ${c}: saw ${seen} players, expected 4"; status=1; }
  cipher="$(field "${file}" cipher)"
  [[ "${cipher}" == '"aes256gcm"' || "${cipher}" == '"chacha20poly1305"' ]] ||
    { echo "client ${c}: sealed with ${cipher}, expected a cipher suite"; status=1; }
  if ! awk -v u="${updates}" -v r="${rate}" -v s="${secs}" -v d="${duration}" -v f="${rate_floor}" \
    'BEGIN { exit !(s >= d - 2 && u >= f * r * s) }'; then
    echo "client ${c}: ${updates} updates in ${secs} s at ${rate}/s: below ${rate_floor} of expected"
    status=1
  else
    echo "client ${c}: ${updates} updates in ${secs} s at ${rate}/s: ok"
  fi
done
[[ ${status} -eq 0 ]] && echo "PASS" || echo "FAIL"
exit "${status}"
