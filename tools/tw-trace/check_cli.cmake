# tw-trace as a user drives it, on a real match: arena (a local match with a
# bot client) records both ends with TICKWIRE_CAPTURE, then info, dump,
# replay and send, the direct lane's records (traces from make_direct_trace),
# help, bad files and bad usage. Run as:
#   cmake -DTW_TRACE=... -DARENA=... -DWORK=... [-DMAKE_DIRECT_TRACE=...] -P check_cli.cmake
# (MAKE_DIRECT_TRACE defaults to make_direct_trace beside TW_TRACE.)
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/check_common.cmake)  # run(), write_bytes(), a fresh WORK

# fails(STATUS WHO COMMAND...): COMMAND exits with STATUS (1 a bad file, 2 a
# bad command line) and says why in one line on stderr, "WHO: ...".
function(fails status who)
  run(${status} ${ARGN})
  string(REGEX MATCHALL "\n" breaks "${err}")
  list(LENGTH breaks n)
  if(NOT n EQUAL 1 OR NOT err MATCHES "^${who}: [^\n]+\n$")
    message(FATAL_ERROR "${ARGN}: not one line \"${who}: ...\" on stderr:\n${err}")
  endif()
  set(err "${err}" PARENT_SCOPE)
endfunction()

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
# More of the client's trace against arena's own stats, where they must agree:
# - the trace has one connection, the server arena says it played on (a
#   client talks to its server only, and names it by the same address);
# - ENet delivered one Welcome per connection (the server sends one, on the
#   reliable lane: delivered once, however often resent) and the client sent
#   one Hello per connection (on Connected), and arena connected
#   1 + reconnects times;
# - arena has a round trip (rtt_ms not null) and so does the trace (above);
# - the client sent at most one input message per input tick it ran (it sends
#   one batch in a frame that ran one or more ticks, and none after the stats
#   were taken: the disconnect that follows refuses sends), and some.
# Bytes are not compared: arena counts sealed datagrams on the wire, before
# its own conditioner drops some, until the stats are taken; the trace holds
# the opened ones ENet got, to the end.
string(JSON n_connections LENGTH "${out}" connections)
string(JSON server_address GET "${out}" connections 0)
string(JSON welcomes GET "${out}" received messages Welcome count)
string(JSON hellos GET "${out}" sent messages Hello count)
string(JSON inputs_sent GET "${out}" sent messages Input count)
string(JSON arena_server GET "${client}" server)
string(JSON reconnects GET "${client}" reconnects)
string(JSON arena_rtt_type TYPE "${client}" rtt_ms)
string(JSON ticks GET "${client}" ticks)
math(EXPR connections_made "1 + ${reconnects}")
if(NOT n_connections EQUAL 1 OR NOT server_address STREQUAL arena_server
   OR NOT welcomes EQUAL connections_made OR NOT hellos EQUAL connections_made
   OR NOT arena_rtt_type STREQUAL "NUMBER" OR inputs_sent GREATER ticks OR inputs_sent LESS 1)
  message(FATAL_ERROR "info against arena: ${n_connections} connection(s), ${server_address} "
                      "against ${arena_server}, ${welcomes} Welcome and ${hellos} Hello for "
                      "${connections_made} connection(s), arena's round trip a ${arena_rtt_type}, "
                      "${inputs_sent} input messages for ${ticks} ticks\n${out}\n${client}")
endif()
# Duplication shows in the trace (Replayed records): the conditioner
# duplicated about 5 % of what reached the client, the replay window dropped
# the copies, and arena counted them as replayed drops. The trace may hold a
# few more (recorded after arena took its stats, while disconnecting), never
# many more; arena's count may be higher (a duplicated keep-alive is counted,
# not recorded).
string(JSON duplicated GET "${out}" received duplicated)
string(JSON replayed_drops GET "${client}" drops replayed)
math(EXPR duplicated_bound "${replayed_drops} + 3")
if(duplicated LESS 1 OR duplicated GREATER duplicated_bound)
  message(FATAL_ERROR "info: ${duplicated} duplicated datagrams in the trace, arena dropped "
                      "${replayed_drops} as replayed\n${out}\n${client}")
endif()
run(0 ${TW_TRACE} info ${WORK}/match.pcap)
if(NOT out MATCHES "a server's" OR NOT out MATCHES "round trip" OR NOT out MATCHES "Input ")
  message(FATAL_ERROR "info (table):\n${out}")
endif()
# The two ends' traces: every message one end's ENet delivered, the other
# sent (ENet delivers a sequence number once; a duplicate the conditioner
# made is refused before ENet), so the client received at most the snapshots
# the server sent it, and the server at most the inputs the client sent.
run(0 ${TW_TRACE} info ${WORK}/match.pcap --json)
string(JSON server_connections LENGTH "${out}" connections)
string(JSON server_snapshots_sent GET "${out}" sent messages snapshot count)
string(JSON server_inputs_received GET "${out}" received messages Input count)
if(NOT server_connections EQUAL 1 OR snapshots GREATER server_snapshots_sent
   OR server_inputs_received GREATER inputs_sent)
  message(FATAL_ERROR "the server's trace: ${server_connections} connection(s), "
                      "${server_snapshots_sent} snapshots sent (the client got ${snapshots}), "
                      "${server_inputs_received} inputs received (the client sent "
                      "${inputs_sent})\n${out}")
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
# The client's trace decodes whole too.
run(0 ${TW_TRACE} dump ${WORK}/match-2.pcap)
string(REGEX MATCHALL "\n" lines "${out}")
list(LENGTH lines n)
if(n LESS 100 OR out MATCHES "malformed" OR NOT out MATCHES "=> snapshot tick [0-9]+, delta from"
   OR NOT out MATCHES "=> Welcome slot" OR NOT out MATCHES "<- [^\n]*handshake challenge")
  message(FATAL_ERROR "dump of the client's trace: ${n} lines\n${out}")
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

# The direct lane (Direct records, trace version 3). arena sends nothing on
# an unreliable lane, so its traces have none: make_direct_trace (built
# beside tw-trace) writes twin client traces of a 3-second arena match, the
# snapshots received and input batches sent on the direct lane in
# direct.pcap and in ENet in direct-enet.pcap, the rest alike; direct.pcap
# also has Direct records its host would not deliver (before the
# connection, malformed, a channel the connection lacks, after the
# DISCONNECT). It prints what it wrote.
if(NOT MAKE_DIRECT_TRACE)
  get_filename_component(tw_trace_dir ${TW_TRACE} DIRECTORY)
  set(MAKE_DIRECT_TRACE ${tw_trace_dir}/make_direct_trace)
endif()
if(NOT EXISTS ${MAKE_DIRECT_TRACE})
  message(FATAL_ERROR "no ${MAKE_DIRECT_TRACE} (ninja make_direct_trace builds it)")
endif()
run(0 ${MAKE_DIRECT_TRACE} ${WORK}/direct.pcap ${WORK}/direct-enet.pcap)
set(made "${out}")
string(JSON made_snapshots GET "${made}" snapshots)
string(JSON made_inputs GET "${made}" inputs)
string(JSON made_in GET "${made}" direct_in datagrams)
string(JSON made_in_undelivered GET "${made}" direct_in undelivered)
string(JSON made_in_malformed GET "${made}" direct_in malformed)
string(JSON made_out GET "${made}" direct_out datagrams)
string(JSON made_out_undelivered GET "${made}" direct_out undelivered)
if(made_snapshots LESS 50 OR NOT made_inputs EQUAL 180 OR made_in_malformed LESS 1)
  message(FATAL_ERROR "make_direct_trace wrote ${made}")
endif()

# info counts the Direct records each way, their messages and those
# delivered (snapshots and inputs as their ENet twins), and counts the
# delivered ones by kind as it counts ENet's: the two traces agree.
run(0 ${TW_TRACE} info ${WORK}/direct.pcap --json)
set(info_direct "${out}")
string(JSON version GET "${out}" version)
foreach(way received sent)
  foreach(key datagrams messages delivered malformed)
    string(JSON ${way}_${key} GET "${out}" ${way} direct ${key})
  endforeach()
  math(EXPR ${way}_undelivered "${${way}_messages} - ${${way}_delivered}")
endforeach()
string(JSON direct_snapshots GET "${out}" received messages snapshot count)
string(JSON direct_inputs GET "${out}" sent messages Input count)
string(JSON channel_9 GET "${out}" received direct messages_per_channel 9)
string(JSON enet_malformed GET "${out}" received malformed)
if(NOT version EQUAL 3 OR NOT received_datagrams EQUAL made_in
   OR NOT received_malformed EQUAL made_in_malformed
   OR NOT received_delivered EQUAL made_snapshots
   OR NOT received_undelivered EQUAL made_in_undelivered
   OR NOT sent_datagrams EQUAL made_out OR NOT sent_malformed EQUAL 0
   OR NOT sent_delivered EQUAL made_inputs OR NOT sent_undelivered EQUAL made_out_undelivered
   OR NOT direct_snapshots EQUAL made_snapshots OR NOT direct_inputs EQUAL made_inputs
   OR NOT channel_9 EQUAL 1 OR NOT enet_malformed EQUAL 0)
  message(FATAL_ERROR "info of the direct lane's trace against ${made}:\n${out}")
endif()
run(0 ${TW_TRACE} info ${WORK}/direct-enet.pcap --json)
string(JSON enet_snapshots GET "${out}" received messages snapshot count)
string(JSON enet_inputs GET "${out}" sent messages Input count)
string(JSON enet_direct GET "${out}" received direct datagrams)
if(NOT enet_snapshots EQUAL made_snapshots OR NOT enet_inputs EQUAL made_inputs
   OR NOT enet_direct EQUAL 0)
  message(FATAL_ERROR "info of the ENet twin against ${made}:\n${out}")
endif()
# A real match (arena's lanes are none of them unreliable): no Direct record.
run(0 ${TW_TRACE} info ${WORK}/match-2.pcap --json)
string(JSON match_direct_in GET "${out}" received direct datagrams)
string(JSON match_direct_out GET "${out}" sent direct datagrams)
if(NOT match_direct_in EQUAL 0 OR NOT match_direct_out EQUAL 0)
  message(FATAL_ERROR "info of arena's own trace: Direct records\n${out}")
endif()
run(0 ${TW_TRACE} info ${WORK}/direct.pcap)
if(NOT out MATCHES "\n +direct lane: ${made_in} datagrams, [0-9]+ bytes, [0-9]+ messages \\(channel 1: [0-9]+, channel 9: 1\\), ${made_snapshots} delivered, ${made_in_malformed} malformed\n"
   OR NOT out MATCHES "\n +direct lane: ${made_out} datagrams, [0-9]+ bytes, [0-9]+ messages \\(channel 1: [0-9]+\\), ${made_inputs} delivered, 0 malformed\n")
  message(FATAL_ERROR "info (table) of the direct lane's trace:\n${out}")
endif()

# dump: a line per Direct record, its peer field and messages (channel and
# size), each delivered one named by arena's decoder, and why the others
# were not. (";" becomes "," first: CMake lists split at it.)
run(0 ${TW_TRACE} dump ${WORK}/direct.pcap)
string(REPLACE ";" "," dump "${out}")
string(REGEX MATCHALL "[0-9]+ B direct +[^\n]*" direct_lines "${dump}")
string(REGEX MATCHALL "<- [^\n]* B direct +peer 0 session 2: ch1 [0-9]+ B => snapshot tick [0-9]+"
       snapshot_lines "${dump}")
string(REGEX MATCHALL "-> [^\n]* B direct +peer 5 session 1: ch1 [0-9]+ B, ch1 [0-9]+ B => Input ticks [^\n]* => Input ticks"
       input_lines "${dump}")
string(REGEX MATCHALL "B direct +malformed: a direct datagram[^\n]*" malformed_lines "${dump}")
string(REGEX MATCHALL "B direct +peer [^\n]*, not delivered: no connection\n" unconnected_lines
       "${dump}")
string(REGEX MATCHALL "ch9 2 B, not delivered: a channel not among the connection's lanes\n"
       channel_lines "${dump}")
list(LENGTH direct_lines n_direct)
list(LENGTH snapshot_lines n_snapshot_lines)
list(LENGTH input_lines n_input_lines)
list(LENGTH malformed_lines n_malformed_lines)
list(LENGTH unconnected_lines n_unconnected_lines)
list(LENGTH channel_lines n_channel_lines)
math(EXPR direct_records "${made_in} + ${made_out}")
math(EXPR input_records "${made_out} - ${made_out_undelivered}")
math(EXPR unconnected "${made_out_undelivered} + 1")  # and the snapshot after the DISCONNECT
if(NOT n_direct EQUAL direct_records OR NOT n_snapshot_lines EQUAL made_snapshots
   OR NOT n_input_lines EQUAL input_records OR NOT n_malformed_lines EQUAL made_in_malformed
   OR NOT n_unconnected_lines EQUAL unconnected OR NOT n_channel_lines EQUAL 1)
  message(FATAL_ERROR "dump of the direct lane's trace: ${n_direct} Direct records of "
                      "${direct_records}, ${n_snapshot_lines} snapshots of ${made_snapshots}, "
                      "${n_input_lines} pairs of inputs of ${input_records}, "
                      "${n_malformed_lines} malformed, ${n_unconnected_lines} without a "
                      "connection, ${n_channel_lines} on a channel it lacks\n${out}")
endif()
run(0 ${TW_TRACE} dump ${WORK}/direct.pcap --json --from 0.03 --to 0.04)
string(REGEX MATCH "[^\n]*\"dir\": \"in\"[^\n]*\"kind\": \"direct\"[^\n]*" line "${out}")
string(JSON json_kind ERROR_VARIABLE json_error GET "${line}" kind)
string(JSON json_message ERROR_VARIABLE json_error GET "${line}" messages 0 name)
if(NOT json_kind STREQUAL "direct" OR NOT json_message STREQUAL "snapshot")
  message(FATAL_ERROR "dump --json of a Direct record: '${line}' ${json_error}\n${out}")
endif()

# replay: the worlds the direct lane's snapshots make are those of their
# ENet twin, world for world (none from the snapshot after the DISCONNECT).
run(0 ${TW_TRACE} replay ${WORK}/direct-enet.pcap)
set(enet_worlds "${out}")
run(0 ${TW_TRACE} replay ${WORK}/direct.pcap)
string(REGEX MATCHALL "\n" worlds "${out}")
list(LENGTH worlds n_direct_worlds)
if(NOT out STREQUAL enet_worlds OR NOT n_direct_worlds EQUAL made_snapshots
   OR NOT err MATCHES "\\(${made_snapshots} by the direct lane\\)"
   OR NOT err MATCHES " ${made_in_malformed} malformed datagrams")
  message(FATAL_ERROR "replay of the direct lane's trace: ${n_direct_worlds} worlds for "
                      "${made_snapshots} snapshots\n${out}\n${err}\nthe ENet twin's:\n${enet_worlds}")
endif()

# send: the client's recorded inputs, played by two new clients against a
# live server (started alongside: execute_process runs its commands at
# once, as a pipeline; the clients retry while the server comes up). The
# direct lane's twin trace (above) plays at the same time, with one client:
# its inputs travelled on the direct lane only, and one batch sent before
# the connection was never delivered, so it plays exactly one input per
# tick of the match ("sending N inputs" on stderr; its stdout feeds the
# last command, which ignores it).
string(RANDOM LENGTH 4 ALPHABET 0123456789 port_offset)
math(EXPR port "20000 + ${port_offset}")
execute_process(
  COMMAND ${ARENA} --server --port ${port} --code k7xqm2pd9tfa7 --duration 9
  COMMAND ${TW_TRACE} send ${WORK}/direct.pcap --to 127.0.0.1:${port} --code k7xqm2pd9tfa7
          --quiet
  COMMAND ${TW_TRACE} send ${WORK}/match-2.pcap --to 127.0.0.1:${port} --code k7xqm2pd9tfa7
          --clients 2 --quiet
  RESULTS_VARIABLE statuses OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
list(GET statuses 1 direct_send_status)
list(GET statuses 2 send_status)
string(REGEX MATCHALL "client [0-9]: played, [0-9]+ of [0-9]+ inputs played" played "${out}")
list(LENGTH played n_played)
if(NOT send_status EQUAL 0 OR NOT n_played EQUAL 2
   OR NOT err MATCHES "sending [0-9]+ inputs of \"[^\"]*\" \\([0-9.]+ s\\) to [^ ]+ with 2 client")
  message(FATAL_ERROR "send: exit ${statuses}\n${out}\n${err}")
endif()
if(NOT direct_send_status EQUAL 0
   OR NOT err MATCHES "sending ${made_inputs} inputs of \"direct-bot\" \\(3.0 s\\) to [^ ]+ with 1 client")
  message(FATAL_ERROR "send of the direct lane's trace (${made_inputs} inputs): exit "
                      "${statuses}\n${err}")
endif()

# Help: the overview, and each command's own usage and options only.
run(0 ${TW_TRACE} --help)
foreach(c info dump replay view send)
  if(NOT out MATCHES "tw-trace ${c} FILE")
    message(FATAL_ERROR "--help lacks ${c}:\n${out}")
  endif()
endforeach()
if(NOT out MATCHES "COMMAND --help")
  message(FATAL_ERROR "--help does not point to the commands' help:\n${out}")
endif()
set(commands info dump replay view send)
foreach(c IN LISTS commands)
  run(0 ${TW_TRACE} ${c} --help)
  if(NOT out MATCHES "^usage: tw-trace ${c} FILE" OR NOT out MATCHES "Options:"
     OR NOT out MATCHES "Exit status")
    message(FATAL_ERROR "${c} --help:\n${out}")
  endif()
  foreach(other IN LISTS commands)
    if(NOT other STREQUAL c AND out MATCHES "tw-trace ${other}")
      message(FATAL_ERROR "${c} --help shows ${other}:\n${out}")
    endif()
  endforeach()
endforeach()
# dump's options, not send's (dump's --to is seconds, send's HOST:PORT), nor view's.
run(0 ${TW_TRACE} dump --help)
foreach(option --json --connection --from --to)
  if(NOT out MATCHES "  ${option} ")
    message(FATAL_ERROR "dump --help lacks ${option}:\n${out}")
  endif()
endforeach()
if(out MATCHES "HOST:PORT|--code|--token|--clients|--quiet|--speed|--screenshot")
  message(FATAL_ERROR "dump --help shows other commands' options:\n${out}")
endif()
run(0 ${TW_TRACE} send --help)
if(NOT out MATCHES "--to HOST:PORT" OR NOT out MATCHES "--token FILE" OR out MATCHES "--json"
   OR out MATCHES "--screenshot")
  message(FATAL_ERROR "send --help:\n${out}")
endif()
# --help after the file, too.
run(0 ${TW_TRACE} replay ${WORK}/match.pcap --help)
if(NOT out MATCHES "^usage: tw-trace replay FILE")
  message(FATAL_ERROR "replay FILE --help:\n${out}")
endif()

# Bad files: exit 1 and one line, for every command that reads a trace.
file(WRITE ${WORK}/empty.pcap "")
file(WRITE ${WORK}/text.pcap "not a trace\n")
# The client's trace cut inside a record.
file(SIZE ${WORK}/match-2.pcap size)
math(EXPR size "${size} - 1")
execute_process(COMMAND head -c ${size} ${WORK}/match-2.pcap OUTPUT_FILE ${WORK}/cut.pcap)
# The first record is the Meta record (docs/PROTOCOL.md, "Packet traces"):
# after the pcap header (24 bytes) and the record's (16), its IPv4 and UDP
# headers (28) and kind byte, at offset 69: TWTRACE1, the trace version
# (u16 LE, offset 77), the role (79), the protocol id (u64 LE, 80).
file(READ ${WORK}/match-2.pcap magic OFFSET 69 LIMIT 8 HEX)
if(NOT magic STREQUAL "5457545241434531")  # TWTRACE1
  message(FATAL_ERROR "the client's trace has no Meta record at offset 69: '${magic}'")
endif()
# A trace of a future version, 99.
patch_bytes(${WORK}/match-2.pcap ${WORK}/future.pcap 77 "6300")
# Another protocol's capture on tickwire's link type (228, raw IPv4): a DNS
# query over UDP, whose first payload byte (0x12) sits where a record's kind
# would. pcap header (little-endian: magic, version 2.4, zone, accuracy,
# snap length 65535, link type), one record header (time, 57 bytes), the
# packet (IPv4 10.0.0.1 -> 10.0.0.2, UDP 1234 -> 53, the query).
set(dns_query "45000039 00004000 40110000 0a000001 0a000002  04d20035 00250000"
              "12340100 00010000 00000000 076578616d706c6503636f6d00 00010001")
string(JOIN " " dns_query ${dns_query})
write_bytes(${WORK}/dns.pcap "d4c3b2a1 02000400 00000000 00000000 ffff0000 e4000000"
            "00e1f565 00000000 39000000 39000000 ${dns_query}")
# The same query in an Ethernet frame (link type 1), as most captures are.
write_bytes(${WORK}/ethernet.pcap "d4c3b2a1 02000400 00000000 00000000 ffff0000 01000000"
            "00e1f565 00000000 47000000 47000000 ffffffffffff 020000000001 0800 ${dns_query}")
set(bad_files
    empty.pcap "not a readable pcap"
    text.pcap "not a readable pcap"
    missing.pcap "not a readable pcap"
    cut.pcap "truncated"
    future.pcap "version 99.*newer"
    dns.pcap "not a tickwire trace"
    ethernet.pcap "not a tickwire trace: link type 1")
foreach(command info dump replay)
  set(i 0)
  list(LENGTH bad_files n)
  while(i LESS n)
    list(GET bad_files ${i} f)
    math(EXPR i "${i} + 1")
    list(GET bad_files ${i} says)
    math(EXPR i "${i} + 1")
    fails(1 "tw-trace ${command}" ${TW_TRACE} ${command} ${WORK}/${f})
    if(NOT err MATCHES "${says}" OR err MATCHES "unknown kind")
      message(FATAL_ERROR "${command} ${f}: expected \"${says}\", got ${err}")
    endif()
  endwhile()
endforeach()
fails(1 "tw-trace send" ${TW_TRACE} send ${WORK}/empty.pcap --to 127.0.0.1:1 --code k7xqm2pd9tfa7)
fails(1 "tw-trace send" ${TW_TRACE} send ${WORK}/future.pcap --to 127.0.0.1:1 --code k7xqm2pd9tfa7)
if(NOT err MATCHES "version 99")
  message(FATAL_ERROR "send of a future trace: ${err}")
endif()
fails(1 "tw-trace replay" ${TW_TRACE} replay ${WORK}/match-2.pcap --connection 1)
fails(1 "tw-trace replay" ${TW_TRACE} replay ${WORK}/match.pcap --connection 7)

# A trace of a game tw-trace has no decoder for (the client's, its protocol
# id changed): info, dump and replay read it at tickwire's level and say so;
# send cannot find the inputs without the game's decoder (a file error).
patch_bytes(${WORK}/match-2.pcap ${WORK}/other-game.pcap 80 "efcdab8967452301")
set(no_decoder "no decoder for protocol id 0x0123456789abcdef")
run(0 ${TW_TRACE} info ${WORK}/other-game.pcap)
if(NOT err MATCHES "(^|\n)tw-trace info: ${no_decoder}[^\n]*tickwire's level" OR NOT out MATCHES
                                                                               "no decoder")
  message(FATAL_ERROR "info of another game's trace:\n${out}\n${err}")
endif()
run(0 ${TW_TRACE} info ${WORK}/other-game.pcap --json)
string(JSON other_game TYPE "${out}" game)
string(JSON other_snapshots GET "${out}" received messages snapshot count)
if(NOT other_game STREQUAL "NULL" OR NOT other_snapshots EQUAL snapshots
   OR out MATCHES "\"Input\"" OR NOT err MATCHES "${no_decoder}")
  message(FATAL_ERROR "info --json of another game's trace:\n${out}\n${err}")
endif()
run(0 ${TW_TRACE} dump ${WORK}/other-game.pcap)
if(NOT err MATCHES "(^|\n)tw-trace dump: ${no_decoder}" OR NOT out MATCHES "=> snapshot tick"
   OR out MATCHES "=> Input" OR out MATCHES "malformed")
  message(FATAL_ERROR "dump of another game's trace:\n${err}")
endif()
# Replayed at tickwire's level: an envelope per snapshot delivered, at least
# one per world the live client had (each came from one).
run(0 ${TW_TRACE} replay ${WORK}/other-game.pcap)
string(REGEX MATCHALL "[0-9]+ envelope [0-9]+ B\n" envelopes "${out}")
list(LENGTH envelopes n_envelopes)
if(NOT err MATCHES "(^|\n)tw-trace replay: ${no_decoder}[^\n]*tickwire's level"
   OR n_envelopes LESS n_worlds)
  message(FATAL_ERROR "replay of another game's trace: ${n_envelopes} envelopes for "
                      "${n_worlds} worlds\n${err}")
endif()
fails(1 "tw-trace send" ${TW_TRACE} send ${WORK}/other-game.pcap --to 127.0.0.1:1 --code
      k7xqm2pd9tfa7)
if(NOT err MATCHES "send needs the game's decoder to find the inputs: protocol id 0x0123456789abcdef")
  message(FATAL_ERROR "send of another game's trace: ${err}")
endif()
# An error stays the one line: the "no decoder" notice is said only on success.
fails(1 "tw-trace replay" ${TW_TRACE} replay ${WORK}/other-game.pcap --connection 7)
# view and send read a trace more than once: not from the standard input.
fails(2 "tw-trace send" ${TW_TRACE} send - --to 127.0.0.1:1 --code k7xqm2pd9tfa7)
fails(2 "tw-trace view" ${TW_TRACE} view -)

# Bad command lines: exit 2 and one line.
fails(2 "tw-trace" ${TW_TRACE})
fails(2 "tw-trace" ${TW_TRACE} frobnicate ${WORK}/match.pcap)
fails(2 "tw-trace info" ${TW_TRACE} info)
fails(2 "tw-trace dump" ${TW_TRACE} dump --json ${WORK}/match.pcap)
fails(2 "tw-trace dump" ${TW_TRACE} dump ${WORK}/match.pcap --bogus)
fails(2 "tw-trace dump" ${TW_TRACE} dump ${WORK}/match.pcap --connection -1)
fails(2 "tw-trace dump" ${TW_TRACE} dump ${WORK}/match.pcap --from -1)
if(NOT err MATCHES "--from: expected seconds at least 0, got '-1'")
  message(FATAL_ERROR "dump --from -1: ${err}")
endif()
fails(2 "tw-trace dump" ${TW_TRACE} dump ${WORK}/match.pcap --to soon)
fails(2 "tw-trace dump" ${TW_TRACE} dump ${WORK}/match.pcap --from 3 --to 1)
if(NOT err MATCHES "--from 3 is after --to 1")
  message(FATAL_ERROR "dump --from 3 --to 1: ${err}")
endif()
run(0 ${TW_TRACE} dump ${WORK}/match.pcap --from 0.0 --to 0)  # one instant: fine
fails(2 "tw-trace replay" ${TW_TRACE} replay ${WORK}/match.pcap --json)
fails(2 "tw-trace info" ${TW_TRACE} info ${WORK}/match.pcap --connection 0)
fails(2 "tw-trace view" ${TW_TRACE} view ${WORK}/match-2.pcap --speed 100)
fails(2 "tw-trace view" ${TW_TRACE} view ${WORK}/match-2.pcap --size 10x10)
fails(2 "tw-trace view" ${TW_TRACE} view ${WORK}/match-2.pcap --from -1)
# send checks its whole command line before it reads the trace: a bad one
# exits 2 even when the trace does not exist.
set(code --code k7xqm2pd9tfa7)
foreach(args "--to;nohost;${code}" "--to;127.0.0.1:99999;${code}" "--to;127.0.0.1:0;${code}"
             "--to;bad host:27015;${code}" "--to;:27015;${code}" "--to;127.0.0.1:1;--code;short"
             "--to;127.0.0.1:1;--code;abcdefghijkl" "${code}" "--to;127.0.0.1:1"
             "--to;127.0.0.1:1;${code};--token;${WORK}/t" "--to;127.0.0.1:1;--token;"
             "--to;127.0.0.1:1;--token;${WORK}/t;--clients;2" "--to;127.0.0.1:1;${code};--clients;0")
  foreach(trace match-2.pcap missing.pcap)
    fails(2 "tw-trace send" ${TW_TRACE} send ${WORK}/${trace} ${args})
  endforeach()
endforeach()
# A token file that cannot be read is a bad file (exit 1), found before the
# trace is read.
fails(1 "tw-trace send" ${TW_TRACE} send ${WORK}/missing.pcap --to 127.0.0.1:1 --token
      ${WORK}/no-token)
if(NOT err MATCHES "no-token")
  message(FATAL_ERROR "send with a missing token file: ${err}")
endif()
