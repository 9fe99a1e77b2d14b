# The Wireshark dissector (tickwire.lua) through tshark, on a real match: arena
# (a local match with a bot client) records both ends with TICKWIRE_CAPTURE,
# tshark decodes every record; then a few broken records. Run as:
#   cmake -DTSHARK=... -DARENA=... -DWORK=... -DLUA=... -P check_tshark.cmake
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/../check_common.cmake)  # run(), a fresh WORK

# tshark with the dissector and without the user's configuration (HOME is the
# work directory: no preferences, no personal plugins, no second copy of the
# dissector). The ports are random, so the heuristic must see every datagram
# before a dissector Wireshark registers for such a port: try heuristics first.
# Sets `lines` (the output's lines) and `out`.
function(tshark trace)
  run(0 ${CMAKE_COMMAND} -E env HOME=${WORK} XDG_CONFIG_HOME=${WORK}/.config
      ${TSHARK} -n -o udp.try_heuristic_first:TRUE -X lua_script:${LUA} -r ${trace} ${ARGN})
  if(err MATCHES "[Ll]ua")
    message(FATAL_ERROR "tshark ${ARGN} on ${trace} complains:\n${err}")
  endif()
  string(REGEX MATCHALL "[^\n]+" lines "${out}")
  set(lines "${lines}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
endfunction()

if(NOT EXISTS "${TSHARK}")
  message(FATAL_ERROR "tshark is not installed (scripts/setup-deps installs it, Debian's tshark)")
endif()

# Wireshark's own tools, for the checks that need them (next to tshark).
get_filename_component(tshark_dir ${TSHARK} DIRECTORY)
find_program(EDITCAP editcap HINTS ${tshark_dir})
find_program(TEXT2PCAP text2pcap HINTS ${tshark_dir})

# A 3-second local match: the server's trace is match.pcap, the client's match-2.pcap.
run(0 ${CMAKE_COMMAND} -E env TICKWIRE_CAPTURE=${WORK}/match.pcap
    ${ARENA} --headless --bot --duration 3 --port 0)

foreach(f match.pcap match-2.pcap)
  set(trace ${WORK}/${f})
  if(NOT EXISTS ${trace})
    message(FATAL_ERROR "no ${f}")
  endif()

  # The dissector ran on every record, and the first is Meta.
  tshark(${trace} -T fields -e frame.number -e tickwire.kind)
  list(LENGTH lines frames)
  set(head "${lines}")
  list(POP_FRONT head first)
  list(FILTER lines INCLUDE REGEX "^[0-9]+\t[0-5]$")
  list(LENGTH lines decoded)
  if(frames LESS 100 OR NOT decoded EQUAL frames OR NOT first STREQUAL "1\t0")
    message(FATAL_ERROR "${f}: ${decoded} of ${frames} frames have a tickwire.kind, "
                        "the first is '${first}'\n${out}")
  endif()

  # Without its Meta record (packets exported from a trace) every record is
  # still recognised on its own, by the heuristic's checks.
  if(EDITCAP)
    run(0 ${EDITCAP} -F pcap ${trace} ${WORK}/no-meta.pcap 1)
    tshark(${WORK}/no-meta.pcap -T fields -e frame.number -e tickwire.kind)
    list(LENGTH lines all)
    list(FILTER lines INCLUDE REGEX "^[0-9]+\t[0-5]$")
    list(LENGTH lines recognised)
    math(EXPR expected "${frames} - 1")
    if(NOT all EQUAL expected OR NOT recognised EQUAL expected)
      message(FATAL_ERROR "${f} without Meta: ${recognised} of ${all} frames recognised\n${out}")
    endif()
  endif()

  # Nothing malformed, nothing unusual, no expert error, no Lua error.
  tshark(${trace} -Y "_ws.malformed || tickwire.unusual || _ws.expert.severity >= error || _ws.lua.error"
         -T fields -e frame.number -e _ws.col.Info -e _ws.expert.message)
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "${f}: frames with errors:\n${out}")
  endif()

  # The handshake: request, challenge and response, and a KeepAlive record.
  tshark(${trace} -Y "tickwire.handshake.type || tickwire.kind == 3"
         -T fields -e tickwire.kind -e tickwire.handshake.type)
  foreach(expected "2\t0" "2\t2" "2\t3" "3\t")
    if(NOT "${expected}" IN_LIST lines)
      message(FATAL_ERROR "${f}: no '${expected}' (kind, handshake type) record\n${out}")
    endif()
  endforeach()

  # Snapshots: SEND_UNRELIABLE on channel 1, ticks increasing (no loss or
  # reordering on this link), the first one full, then deltas against an
  # earlier tick.
  tshark(${trace} -Y "tickwire.enet.command == 7 && tickwire.enet.channel == 1 && tickwire.snapshot.tick"
         -T fields -e tickwire.snapshot.tick -e tickwire.snapshot.baseline
         -e tickwire.snapshot.has_baseline)
  set(previous -1)
  set(deltas 0)
  foreach(line IN LISTS lines)
    # A datagram may carry more than one snapshot: "tick,tick\tbase,base\t1,1".
    string(REPLACE "\t" ";" cols "${line}")
    list(GET cols 0 t)
    list(GET cols 1 b)
    list(GET cols 2 h)
    string(REPLACE "," ";" t "${t}")
    string(REPLACE "," ";" b "${b}")
    string(REPLACE "," ";" h "${h}")
    foreach(tick base has IN ZIP_LISTS t b h)
      if(NOT tick MATCHES "^[0-9]+$" OR NOT tick GREATER previous
         OR (previous EQUAL -1 AND NOT has EQUAL 0)
         OR (has EQUAL 1 AND NOT base LESS tick))
        message(FATAL_ERROR "${f}: snapshot ${tick} (baseline ${base}, ${has}) after ${previous}\n${out}")
      endif()
      if(has EQUAL 1)
        math(EXPR deltas "${deltas} + 1")
      endif()
      set(previous ${tick})
    endforeach()
  endforeach()
  if(deltas LESS 30)
    message(FATAL_ERROR "${f}: ${deltas} delta snapshots\n${out}")
  endif()

  # The control lane's Welcome (channel 3, found from CONNECT's channel count)
  # and arena's own messages on channel 0 (Hello, Welcome, Scoreboard).
  tshark(${trace} -Y "tickwire.control.type == 1 || tickwire.arena.body" -T fields
         -e tickwire.control.type -e tickwire.arena.body)
  if(NOT out MATCHES "(^|\n)1\t")
    message(FATAL_ERROR "${f}: no control Welcome\n${out}")
  endif()
  foreach(body 1 2 5)
    if(NOT out MATCHES "\t([0-9]+,)*${body}(,|\n)")
      message(FATAL_ERROR "${f}: no arena message of body ${body}\n${out}")
    endif()
  endforeach()

  # The Info column summarises each record.
  tshark(${trace} -T fields -e _ws.col.Info)
  if(NOT out MATCHES "meta: (server|client) trace, version 3" OR NOT out MATCHES "handshake request"
     OR NOT out MATCHES "ENet: SEND_UNRELIABLE ch1 #[0-9]+\\.[0-9]+ \\([0-9]+ B\\) \\[snapshot [0-9]+<-[0-9]+\\]"
     OR NOT out MATCHES "ENet: ACK ch255 #[0-9]+")
    message(FATAL_ERROR "${f}: Info column:\n${out}")
  endif()
endforeach()

# A conditioned match (loss, duplication, reordering both ways) on arena's
# default port, 27015, where the dissector registers itself: tshark with its
# default preferences (no "Decode As", no heuristics first) dissects every
# record of both traces, nothing is malformed, and the datagrams duplicated on
# the way in show as Replayed records (kind 4).
run(0 ${CMAKE_COMMAND} -E env TICKWIRE_CAPTURE=${WORK}/lossy.pcap
    "TICKWIRE_SIM=both.loss=5,both.dup=10,both.reorder=10,both.jitter=5,both.lag=10"
    ${ARENA} --headless --bot --duration 3 --port 27015)
foreach(f lossy.pcap lossy-2.pcap)
  run(0 ${CMAKE_COMMAND} -E env HOME=${WORK} XDG_CONFIG_HOME=${WORK}/.config
      ${TSHARK} -n -X lua_script:${LUA} -r ${WORK}/${f} -T fields -e frame.number -e tickwire.kind
      -e _ws.malformed -e _ws.lua.error)
  if(err MATCHES "[Ll]ua")
    message(FATAL_ERROR "tshark on ${f} complains:\n${err}")
  endif()
  string(REGEX MATCHALL "[^\n]+" lines "${out}")
  list(LENGTH lines frames)
  set(clean "${lines}")
  list(FILTER clean INCLUDE REGEX "^[0-9]+\t[0-5]\t\t$")
  list(LENGTH clean decoded)
  set(replayed "${lines}")
  list(FILTER replayed INCLUDE REGEX "^[0-9]+\t4\t")
  list(LENGTH replayed duplicates)
  if(frames LESS 100 OR NOT decoded EQUAL frames OR duplicates LESS 3)
    message(FATAL_ERROR "${f} with default preferences: ${decoded} of ${frames} frames "
                        "dissected cleanly, ${duplicates} Replayed\n${out}")
  endif()
  run(0 ${CMAKE_COMMAND} -E env HOME=${WORK} XDG_CONFIG_HOME=${WORK}/.config
      ${TSHARK} -n -X lua_script:${LUA} -r ${WORK}/${f}
      -Y "tickwire.unusual || _ws.expert.severity >= error"
      -T fields -e frame.number -e _ws.col.Info -e _ws.expert.message)
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "${f} with default preferences: frames with errors:\n${out}")
  endif()
endforeach()

# Broken records, after a valid Meta record: each is decoded as far as it goes
# and flagged tickwire.malformed, never a Lua error. text2pcap (Wireshark's)
# writes them with a synthetic IPv4 + UDP header, as a trace has.
if(NOT TEXT2PCAP)
  message(STATUS "no text2pcap: broken records not checked")
  return()
endif()
set(enet 01800004d2)  # kind Enet, ENet header with sent time
set(records
  005457545241434531010000313030616e6572610000000000000000  # Meta ("arena001"), valid
  ${enet}880000070005000300000003000000020000001900000016414243  # SEND_FRAGMENT 3/3, valid
  01                                      # kind only
  ${enet}                                 # no command
  ${enet}8600000100                       # SEND_RELIABLE cut short
  ${enet}860000010010616263               # its data cut short
  ${enet}0d000001                         # command type 13
  ${enet}070100000001000c080000005457534e00000000  # a TWSN envelope with a bad vtable
  020000000000000000000000                # a 11-byte handshake request
  0300                                    # a KeepAlive with a byte
  09)                                     # kind 9
set(text "")
foreach(r IN LISTS records)
  string(REGEX REPLACE "(..)" "\\1 " bytes "${r}")
  string(APPEND text "0000 ${bytes}\n\n")
endforeach()
file(WRITE ${WORK}/broken.txt "${text}")
run(0 ${TEXT2PCAP} -q -l 228 -4 127.0.0.1,127.0.0.1 -u 40000,40001 ${WORK}/broken.txt
    ${WORK}/broken.pcap)
tshark(${WORK}/broken.pcap -T fields -e frame.number -e tickwire.kind -e tickwire.malformed
       -e _ws.lua.error -e tickwire.enet.fragment.number)
set(expected "1\t0\t\t\t" "2\t1\t\t\t2")
foreach(i RANGE 3 11)
  list(APPEND expected "${i}\t[0-9]+\t[^\t]+\t\t")
endforeach()
list(LENGTH lines n)
list(LENGTH expected want)
if(NOT n EQUAL want)
  message(FATAL_ERROR "broken.pcap: ${n} frames, expected ${want}\n${out}")
endif()
foreach(line want IN ZIP_LISTS lines expected)
  if(NOT line MATCHES "^${want}$")
    message(FATAL_ERROR "broken.pcap: '${line}' does not match '${want}'\n${out}")
  endif()
endforeach()

# The direct lane (kind 5, trace version 3): arena sends nothing on an
# unreliable lane, so these are made by hand, after a Meta record of version
# 3 and an ENet CONNECT of 4 channels (3 lanes and the control lane). The
# first Direct record carries a real snapshot envelope, taken from the
# match's client trace (decoded as on ENet), a message with a one-byte
# length and an empty one; the second has a 130-byte message (a two-byte
# length) and one on the control lane, which the direct lane never carries
# (unusual, not malformed); the rest are malformed, each flagged
# tickwire.malformed and never a Lua error.
tshark(${WORK}/match-2.pcap -Y "tickwire.enet.command == 7 && tickwire.snapshot.tick"
       -T fields -e tickwire.snapshot.tick -e tickwire.enet.data)
list(FILTER lines INCLUDE REGEX "^[0-9]+\t[0-9a-f]+$")  # one command, one snapshot
# The first envelope that needs a two-byte length (128 bytes or more): how
# large each snapshot is depends on the match's timing.
set(envelope "")
foreach(line IN LISTS lines)
  string(REPLACE "\t" ";" line "${line}")
  list(GET line 1 candidate)
  string(LENGTH "${candidate}" envelope_size)
  math(EXPR envelope_size "${envelope_size} / 2")
  if(envelope_size GREATER_EQUAL 128 AND envelope_size LESS_EQUAL 16383)
    list(GET line 0 envelope_tick)
    set(envelope "${candidate}")
    break()
  endif()
endforeach()
if(envelope STREQUAL "")
  message(FATAL_ERROR "no snapshot envelope of 128 to 16383 bytes in the match\n${out}")
endif()
# Its length as LEB128: the low 7 bits with the continuation bit, then the rest.
math(EXPR low "(${envelope_size} % 128) + 128" OUTPUT_FORMAT HEXADECIMAL)
math(EXPR high "${envelope_size} / 128 + 256" OUTPUT_FORMAT HEXADECIMAL)  # 0x1NN: two digits after
string(SUBSTRING "${low}" 2 2 low)
string(SUBSTRING "${high}" 3 2 high)
string(REPEAT "00" 130 long_message)
set(records
  005457545241434531030001313030616e6572610000000000000000  # Meta, version 3, a client's
  018fff04d282ff00010000ffff0000055f000100000000000400000000000000000000138800000002000000021234567800000000  # CONNECT, 4 channels
  05032001${low}${high}${envelope}01036162630200  # peer 3 session 2: a snapshot, "abc", empty
  05ff0f028201${long_message}030178               # peer 4095 session 0: 130 B on ch2, 1 B on ch3
  0503                                    # half a head
  050320                                  # a head, no message
  050360010141                            # bits above the session set
  050320010a010203                        # a frame claiming 10 bytes with 3
  050320018100                            # a length not in its shortest form
  0503200180ff                            # a length longer than two bytes
  05032001)                               # a frame without its length
set(text "")
foreach(r IN LISTS records)
  string(REGEX REPLACE "(..)" "\\1 " bytes "${r}")
  string(APPEND text "0000 ${bytes}\n\n")
endforeach()
file(WRITE ${WORK}/direct.txt "${text}")
run(0 ${TEXT2PCAP} -q -l 228 -4 127.0.0.1,127.0.0.1 -u 40000,40001 ${WORK}/direct.txt
    ${WORK}/direct.pcap)
tshark(${WORK}/direct.pcap -T fields -E occurrence=a -e frame.number -e tickwire.kind
       -e tickwire.malformed -e _ws.lua.error -e tickwire.direct.peer_id -e tickwire.direct.session
       -e tickwire.direct.frame_count -e tickwire.direct.channel -e tickwire.direct.length
       -e tickwire.snapshot.tick)
set(expected
  "1\t0\t\t\t\t\t\t\t\t"
  "2\t1\t\t\t\t\t\t\t\t"
  "3\t5\t\t\t3\t2\t3\t1,1,2\t${envelope_size},3,0\t${envelope_tick}"
  "4\t5\t\t\t4095\t0\t2\t2,3\t130,1\t")
foreach(i RANGE 5 11)
  list(APPEND expected "${i}\t5\t[^\t]+\t\t.*")
endforeach()
list(LENGTH lines n)
list(LENGTH expected want)
if(NOT n EQUAL want)
  message(FATAL_ERROR "direct.pcap: ${n} frames, expected ${want}\n${out}")
endif()
foreach(line want IN ZIP_LISTS lines expected)
  if(NOT line MATCHES "^${want}$")
    message(FATAL_ERROR "direct.pcap: '${line}' does not match '${want}'\n${out}")
  endif()
endforeach()
# The Info column: each frame's channel and size, the snapshot named as on
# ENet; the control lane's message and nothing else flagged unusual.
tshark(${WORK}/direct.pcap -T fields -e frame.number -e _ws.col.Info)
if(NOT out MATCHES "\n3\tdirect to peer 3: ch1 ${envelope_size} B \\[snapshot ${envelope_tick}(<-[0-9]+| full)\\]; ch1 3 B; ch2 0 B\n"
   OR NOT out MATCHES "\n4\tdirect to peer 4095: ch2 130 B; ch3 1 B\n")
  message(FATAL_ERROR "direct.pcap: Info column:\n${out}")
endif()
tshark(${WORK}/direct.pcap -Y "tickwire.unusual" -T fields -e frame.number)
if(NOT out STREQUAL "4\n")
  message(FATAL_ERROR "direct.pcap: unusual frames (only 4 expected):\n${out}")
endif()
# Without the Meta record, the heuristic claims the well-formed Direct records
# by their content (and the CONNECT), none of the malformed ones.
if(EDITCAP)
  run(0 ${EDITCAP} -F pcap ${WORK}/direct.pcap ${WORK}/direct-no-meta.pcap 1)
  tshark(${WORK}/direct-no-meta.pcap -T fields -e frame.number -e tickwire.kind)
  if(NOT out MATCHES "^1\t1\n2\t5\n3\t5\n4\t\n")
    message(FATAL_ERROR "direct.pcap without Meta:\n${out}")
  endif()
endif()
