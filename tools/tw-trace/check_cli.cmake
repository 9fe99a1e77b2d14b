# tw-trace as a user drives it, on a real match: arena (a local match with a
# bot client) records both ends with TICKWIRE_CAPTURE, then info, dump and
# bad usage. Run as:
#   cmake -DTW_TRACE=... -DARENA=... -DWORK=... -P check_cli.cmake
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/check_common.cmake)  # run(), a fresh WORK

# A 4-second local match through a link conditioner that loses, delays,
# duplicates and reorders both ways: the server's trace is match.pcap, the
# client's match-2.pcap. The client writes the hash of every world it had.
run(0 ${CMAKE_COMMAND} -E env TICKWIRE_CAPTURE=${WORK}/match.pcap
    ${ARENA} --headless --bot --duration 4 --port 0 --stats-json ${WORK}/client.json
    --world-hashes ${WORK}/live-worlds.txt
    --sim both.loss=8,both.lag=20,both.jitter=15,both.dup=5,both.reorder=10)
if(NOT err MATCHES "recording decrypted traffic to")
  message(FATAL_ERROR "arena did not say it records:\n${err}")
endif()
foreach(f match.pcap match-2.pcap)
  if(NOT EXISTS ${WORK}/${f})
    message(FATAL_ERROR "no ${f}")
  endif()
endforeach()

# info: the snapshots ENet delivered in the client's trace are the snapshots
# arena counted (kept or stale), exactly, although the conditioner lost and
# reordered some on the way (ENet drops a late one: the trace shows it as
# late); arena's inputs at about its tick rate (60 Hz; the client's trace
# sees them as sent).
run(0 ${TW_TRACE} info ${WORK}/match-2.pcap --json)
string(JSON role GET "${out}" role)
string(JSON game GET "${out}" game)
string(JSON snapshots GET "${out}" received messages snapshot count)
string(JSON input_rate GET "${out}" sent messages Input per_second)
string(JSON rtt_samples GET "${out}" rtt_ms samples)
string(JSON malformed GET "${out}" received malformed)
string(JSON late GET "${out}" received unreliable_reordered)
file(READ ${WORK}/client.json client)
string(JSON kept GET "${client}" updates_received)
string(JSON stale GET "${client}" stale_updates)
math(EXPR arena_snapshots "${kept} + ${stale}")
if(NOT role STREQUAL "client" OR NOT game STREQUAL "arena" OR NOT snapshots EQUAL arena_snapshots
   OR input_rate LESS 40 OR rtt_samples LESS 5 OR NOT malformed EQUAL 0)
  message(FATAL_ERROR "info: role ${role}, game ${game}, ${snapshots} snapshots in the trace "
                      "against ${arena_snapshots} counted by arena, inputs at ${input_rate}/s, "
                      "${rtt_samples} round trips, ${malformed} malformed\n${out}")
endif()
run(0 ${TW_TRACE} info ${WORK}/match.pcap)
if(NOT out MATCHES "a server's" OR NOT out MATCHES "round trip" OR NOT out MATCHES "Input ")
  message(FATAL_ERROR "info (table):\n${out}")
endif()

# dump: a line per datagram, ENet commands decoded, none malformed.
run(0 ${TW_TRACE} dump ${WORK}/match.pcap)
string(REGEX MATCHALL "\n" lines "${out}")
list(LENGTH lines n)
if(n LESS 100 OR NOT out MATCHES "SEND_UNRELIABLE" OR NOT out MATCHES "handshake"
   OR out MATCHES "malformed" OR NOT out MATCHES "=> snapshot tick [0-9]+, delta from [0-9]+"
   OR NOT out MATCHES "=> Input ticks" OR NOT out MATCHES "=> Welcome slot")
  message(FATAL_ERROR "dump: ${n} lines\n${out}")
endif()
# The server's first handshake packet is the client's request, and comes
# before the challenge it caused.
string(REGEX MATCH "[^\n]*handshake[^\n]*" first_handshake "${out}")
if(NOT first_handshake MATCHES "<- .*handshake request" OR NOT out MATCHES "-> [^\n]*challenge")
  message(FATAL_ERROR "dump: handshake order\n${out}")
endif()
run(0 ${TW_TRACE} dump ${WORK}/match.pcap --json --connection 0 --from 0 --to 2)
# The last line, by position (a CMake list would split it at the "; "
# between ENet commands).
string(STRIP "${out}" out)
string(FIND "${out}" "\n" newline REVERSE)
math(EXPR newline "${newline} + 1")
string(SUBSTRING "${out}" ${newline} -1 last)
string(JSON t GET "${last}" t)
if(t GREATER 2)
  message(FATAL_ERROR "dump --to 2 ends at ${t}")
endif()

# replay: the client's trace rebuilds exactly the worlds the live client had,
# tick for tick and hash for hash, through arena's own decoder.
run(0 ${TW_TRACE} replay ${WORK}/match-2.pcap)
file(READ ${WORK}/live-worlds.txt live)
string(REGEX MATCHALL "\n" worlds "${live}")
list(LENGTH worlds n_worlds)
if(NOT out STREQUAL live OR n_worlds LESS 50 OR NOT err MATCHES "x real time")
  message(FATAL_ERROR "replay: ${n_worlds} live worlds; replay printed\n${out}\n${err}")
endif()
# The server's trace: what it sent to the client, as if none were lost. The
# client's worlds are among them, hash for hash (each decoded from the same
# envelope against the same baseline).
run(0 ${TW_TRACE} replay ${WORK}/match.pcap --connection 0)
string(REGEX MATCHALL "[^\n]+" sent_worlds "${out}")
string(REGEX MATCHALL "[^\n]+" live_worlds "${live}")
foreach(w IN LISTS live_worlds)
  list(FIND sent_worlds "${w}" found)
  if(found LESS 0)
    message(FATAL_ERROR "replay of the server's trace lacks the client's world ${w}")
  endif()
endforeach()

# send: the client's recorded inputs, played by two new clients against a
# live server (started alongside: execute_process runs its commands at
# once; the clients retry while the server comes up).
string(RANDOM LENGTH 4 ALPHABET 0123456789 port_offset)
math(EXPR port "20000 + ${port_offset}")
execute_process(
  COMMAND ${ARENA} --server --port ${port} --code k7xqm2pd9tfa7 --duration 9
  COMMAND ${TW_TRACE} send ${WORK}/match-2.pcap --to 127.0.0.1:${port} --code k7xqm2pd9tfa7
          --clients 2 --quiet
  RESULTS_VARIABLE statuses OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
list(GET statuses 1 send_status)
string(REGEX MATCHALL "client [0-9]: played, [0-9]+ of [0-9]+ inputs played" played "${out}")
list(LENGTH played n_played)
if(NOT send_status EQUAL 0 OR NOT n_played EQUAL 2 OR NOT err MATCHES "sending [0-9]+ inputs")
  message(FATAL_ERROR "send: exit ${statuses}\n${out}\n${err}")
endif()

# Bad files: exit 1 and one line.
file(WRITE ${WORK}/empty.pcap "")
# The client's trace cut inside a record (the reader, tickwire/trace.hpp, is
# also tested on a newer version and another protocol's capture).
file(SIZE ${WORK}/match-2.pcap size)
math(EXPR size "${size} - 1")
execute_process(COMMAND head -c ${size} ${WORK}/match-2.pcap OUTPUT_FILE ${WORK}/cut.pcap)
foreach(command info dump replay)
  run(1 ${TW_TRACE} ${command} ${WORK}/cut.pcap)
  if(NOT err MATCHES "truncated")
    message(FATAL_ERROR "${command} of a cut trace: ${err}")
  endif()
endforeach()
file(WRITE ${WORK}/text.pcap "not a trace\n")
foreach(f empty.pcap text.pcap missing.pcap)
  run(1 ${TW_TRACE} info ${WORK}/${f})
  if(NOT err MATCHES "^tw-trace: ")
    message(FATAL_ERROR "${f}: ${err}")
  endif()
endforeach()
# Bad command lines: exit 2.
run(2 ${TW_TRACE})
run(2 ${TW_TRACE} frobnicate ${WORK}/match.pcap)
run(2 ${TW_TRACE} info)
run(2 ${TW_TRACE} dump ${WORK}/match.pcap --bogus)
run(2 ${TW_TRACE} dump ${WORK}/match.pcap --connection -1)
run(2 ${TW_TRACE} replay ${WORK}/match.pcap --json)
run(1 ${TW_TRACE} replay ${WORK}/match-2.pcap --connection 1)
run(2 ${TW_TRACE} send ${WORK}/match-2.pcap --to 127.0.0.1:1 --token ${WORK}/t --clients 2)
run(1 ${TW_TRACE} replay ${WORK}/match.pcap --connection 7)
run(2 ${TW_TRACE} view ${WORK}/match-2.pcap --speed 100)
run(2 ${TW_TRACE} view ${WORK}/match-2.pcap --size 10x10)
run(2 ${TW_TRACE} send ${WORK}/match-2.pcap --code k7xqm2pd9tfa7)
run(2 ${TW_TRACE} send ${WORK}/match-2.pcap --to 127.0.0.1:1)
run(2 ${TW_TRACE} send ${WORK}/match-2.pcap --to 127.0.0.1:1 --code k7xqm2pd9tfa7 --clients 0)
run(1 ${TW_TRACE} send ${WORK}/empty.pcap --to 127.0.0.1:1 --code k7xqm2pd9tfa7)
run(0 ${TW_TRACE} --help)
if(NOT out MATCHES "usage: tw-trace info")
  message(FATAL_ERROR "--help:\n${out}")
endif()
