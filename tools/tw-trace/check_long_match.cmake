# A 10-minute, 32-player client trace replays in bounded memory: tw-trace
# replay reads it one record at a time, so its peak memory is that of a
# 1-minute trace of the same match (within 2 MiB, against 11 MB more of
# trace: a leak of 120 bytes a world would show), it rebuilds one world per
# snapshot the server sent, and the 10-minute trace replays at least 50 times
# faster than real time (the issue's floor; it measures 270-900x, so only a
# replay that got several times slower fails). Run as:
#   cmake -DTW_TRACE=... -DMAKE_TRACE=... -DWORK=... -P check_long_match.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

foreach(minutes 1 10)
  execute_process(COMMAND ${MAKE_TRACE} ${WORK}/match-${minutes}.pcap ${minutes} 32
                  RESULT_VARIABLE status OUTPUT_VARIABLE snapshots ERROR_VARIABLE err
                  OUTPUT_STRIP_TRAILING_WHITESPACE TIMEOUT 200)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "make_match_trace ${minutes}: exit ${status}\n${err}")
  endif()
  execute_process(COMMAND ${TW_TRACE} replay ${WORK}/match-${minutes}.pcap
                  RESULT_VARIABLE status OUTPUT_FILE ${WORK}/worlds-${minutes}.txt
                  ERROR_VARIABLE err TIMEOUT 100)
  if(NOT status EQUAL 0 OR NOT err MATCHES "peak memory ([0-9]+) KiB")
    message(FATAL_ERROR "replay ${minutes}: exit ${status}\n${err}")
  endif()
  set(peak_${minutes} ${CMAKE_MATCH_1})
  if(NOT err MATCHES "\\(([0-9]+)x real time\\)")
    message(FATAL_ERROR "replay ${minutes}: no speed in\n${err}")
  endif()
  set(speed_${minutes} ${CMAKE_MATCH_1})
  file(STRINGS ${WORK}/worlds-${minutes}.txt worlds)
  list(LENGTH worlds n)
  file(SIZE ${WORK}/match-${minutes}.pcap bytes)
  message(STATUS "${minutes} min: ${bytes} bytes of trace, ${snapshots} snapshots, ${n} worlds; ${err}")
  if(NOT n EQUAL snapshots)
    message(FATAL_ERROR "replay of ${minutes} min: ${n} worlds for ${snapshots} snapshots")
  endif()
endforeach()
if(SANITIZED)
  # AddressSanitizer keeps freed memory resident (its quarantine) and grows
  # shadow memory with every allocation: peak memory says nothing there, and
  # its checks slow everything down.
  message(STATUS "sanitized build: peak memory ${peak_1} -> ${peak_10} KiB, "
                 "${speed_10}x real time, not checked")
  return()
endif()
if(speed_10 LESS 50)
  message(FATAL_ERROR "the 10-minute trace replayed at ${speed_10}x real time; at least 50x")
endif()
math(EXPR growth "${peak_10} - ${peak_1}")
if(growth GREATER 2048)
  message(FATAL_ERROR "replay's peak memory grew by ${growth} KiB from 1 to 10 minutes "
                      "(${peak_1} -> ${peak_10} KiB): not streaming")
endif()
