#!/usr/bin/env bash
# gui test: a local match (window, in-process server, 3 bots) under Xvfb;
# the window saves a screenshot 2 s after the first state arrived, and
# arena_image_check looks at it. The match is recorded (TICKWIRE_CAPTURE),
# and `tw-trace view` draws the client's trace 2 s in: the same checks on
# its screenshot. Skips (77) without Xvfb or the font.
#
#   gui_test.sh ARENA IMAGE_CHECK WORK_DIR TW_TRACE
set -uo pipefail

arena="$1"
check="$2"
work="$3"
tw_trace="$4"

skip() { echo "SKIP: $*"; exit 77; }
command -v Xvfb >/dev/null 2>&1 || skip "Xvfb not found (scripts/setup-deps installs xvfb)"
[[ -r /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] ||
  skip "DejaVu Sans not found (scripts/setup-deps installs fonts-dejavu-core)"

mkdir -p "${work}"
shot="${work}/arena_gui.bmp"
view_shot="${work}/tw_trace_view.bmp"
rm -f "${shot}" "${view_shot}" "${work}"/match*.pcap

# A free display number, then Xvfb on it (no xauth needed: local only).
display=""
for n in $(seq $((90 + $$ % 100)) 299); do
  if [[ ! -e "/tmp/.X11-unix/X${n}" && ! -e "/tmp/.X${n}-lock" ]]; then
    display=":${n}"
    break
  fi
done
[[ -n "${display}" ]] || { echo "FAIL: no free X display number"; exit 1; }

Xvfb "${display}" -screen 0 1280x720x24 -nolisten tcp >"${work}/xvfb.log" 2>&1 &
xvfb_pid=$!
cleanup() { kill "${xvfb_pid}" 2>/dev/null; wait "${xvfb_pid}" 2>/dev/null; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  [[ -e "/tmp/.X11-unix/X${display#:}" ]] && break
  kill -0 "${xvfb_pid}" 2>/dev/null || { echo "FAIL: Xvfb exited:"; cat "${work}/xvfb.log"; exit 1; }
  sleep 0.05
done

# SDL's software renderer: Xvfb has no GPU anyway.
export SDL_RENDER_DRIVER=software
# Sanitized builds: no leak check in this one test. SDL loads X11 extension
# and driver libraries itself and unloads them in SDL_Quit, so LeakSanitizer
# reports their leftovers from "<unknown module>", beyond any suppression.
# arena's own server and client code is leak-checked by arena_unit_tests and
# arena_netns; only render/ is not.
export ASAN_OPTIONS="${ASAN_OPTIONS:+${ASAN_OPTIONS}:}detect_leaks=0"

echo "== arena --port 0 --screenshot ${shot} (DISPLAY=${display})"
DISPLAY="${display}" TICKWIRE_CAPTURE="${work}/match.pcap" timeout 60 "${arena}" --port 0 --name gui-test --screenshot "${shot}" \
  --screenshot-at 2 --duration 40 --stats-json "${work}/gui_stats.json"
rc=$?
[[ ${rc} -eq 0 ]] || { echo "FAIL: arena exited with ${rc}"; exit 1; }
[[ -s "${shot}" ]] || { echo "FAIL: no screenshot written"; exit 1; }
cat "${work}/gui_stats.json"

echo "== ${check} ${shot}"
"${check}" "${shot}" 1280 720
[[ $? -eq 0 ]] || exit 1

# The client's trace, played back by tw-trace view: the same match drawn
# from the recording (floor, text, the four ships), and the timeline.
echo "== tw-trace view match-2.pcap --from 2 --screenshot ${view_shot}"
DISPLAY="${display}" timeout 60 "${tw_trace}" view "${work}/match-2.pcap" --from 2 \
  --screenshot "${view_shot}"
rc=$?
[[ ${rc} -eq 0 ]] || { echo "FAIL: tw-trace view exited with ${rc}"; exit 1; }
[[ -s "${view_shot}" ]] || { echo "FAIL: tw-trace view wrote no screenshot"; exit 1; }
"${check}" "${view_shot}" 1280 720
[[ $? -eq 0 ]] || exit 1

# Another game's trace (the same one with its protocol id changed: bytes 80-87,
# the Meta record's): view plays it at tickwire's level and says so.
other="${work}/other-game.pcap"
cp "${work}/match-2.pcap" "${other}"
printf '\x01\x23\x45\x67\x89\xab\xcd\xef' | dd of="${other}" bs=1 seek=80 conv=notrunc status=none
echo "== tw-trace view other-game.pcap --from 2 --screenshot"
DISPLAY="${display}" timeout 60 "${tw_trace}" view "${other}" --from 2 \
  --screenshot "${work}/other-game.bmp" 2>"${work}/other-game.err"
rc=$?
cat "${work}/other-game.err"
[[ ${rc} -eq 0 ]] || { echo "FAIL: tw-trace view of another game's trace exited with ${rc}"; exit 1; }
[[ -s "${work}/other-game.bmp" ]] || { echo "FAIL: no screenshot of another game's trace"; exit 1; }
grep -q "no decoder for protocol id 0xefcdab8967452301" "${work}/other-game.err" ||
  { echo "FAIL: view did not say it has no decoder for the trace"; exit 1; }

# A dedicated server killed under a window client: the window says the
# connection is interrupted within a second or two of silence, then, when
# the connection times out, why it ended in words (the window stays open
# with the last world drawn until it is closed, here by --duration).
port=$((20000 + RANDOM % 20000))
echo "== arena --server --port ${port}, a window client, then kill -9 the server"
"${arena}" --server --port "${port}" --code k7xqm2pd9tfa7 --bots 1 >"${work}/server.log" 2>&1 &
server_pid=$!
DISPLAY="${display}" timeout 60 "${arena}" --connect "127.0.0.1:${port}" --code k7xqm2pd9tfa7 \
  --duration 20 >"${work}/client.out" 2>"${work}/client.err" &
client_pid=$!
sleep 3
kill -9 "${server_pid}"
wait "${client_pid}"
rc=$?
cat "${work}/client.err"
[[ ${rc} -eq 1 ]] || { echo "FAIL: the dropped client exited with ${rc}, not 1"; exit 1; }
grep -q "^arena: Connection interrupted" "${work}/client.err" ||
  { echo "FAIL: the window never said the connection was interrupted"; exit 1; }
grep -q "^arena: The server at 127.0.0.1:${port} stopped answering" "${work}/client.err" ||
  { echo "FAIL: the window never said why the connection ended"; exit 1; }
echo "ok  : interrupted, then ended with the reason in words"
