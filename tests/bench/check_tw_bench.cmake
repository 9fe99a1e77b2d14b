# Runs `tw-bench transport --json` briefly and checks that its output is one
# JSON object with the documented keys and positive numbers.
# Usage: cmake -DTW_BENCH=<path to tw-bench> -P check_tw_bench.cmake
if(NOT TW_BENCH)
  message(FATAL_ERROR "pass -DTW_BENCH=<path to tw-bench>")
endif()

execute_process(
  COMMAND ${TW_BENCH} transport --json --round-trips 300 --seconds 0.3 --rounds 1
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE rc
  TIMEOUT 50)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tw-bench exited with '${rc}'\nstdout:\n${out}\nstderr:\n${err}")
endif()

string(STRIP "${out}" out)
string(JSON bench ERROR_VARIABLE json_error GET "${out}" bench)
if(json_error)
  message(FATAL_ERROR "tw-bench's output is not the expected JSON (${json_error}):\n${out}")
endif()
if(NOT bench STREQUAL "transport")
  message(FATAL_ERROR "\"bench\" is '${bench}', expected 'transport'")
endif()

# Fails unless the member at the given path is a number greater than zero.
function(expect_positive)
  string(JSON value ERROR_VARIABLE error GET "${out}" ${ARGN})
  string(JSON type ERROR_VARIABLE type_error TYPE "${out}" ${ARGN})
  if(error OR type_error OR NOT type STREQUAL "NUMBER" OR NOT value GREATER 0)
    string(REPLACE ";" "." path "${ARGN}")
    message(FATAL_ERROR "${path}: expected a positive number, got '${value}'\n${out}")
  endif()
endfunction()

expect_positive(round_trips)
foreach(variant udp enet tickwire)
  expect_positive(rtt_us ${variant} median)
  expect_positive(rtt_us ${variant} p99)
  expect_positive(throughput_MBps ${variant})
endforeach()
expect_positive(ratio_rtt_vs_enet)
expect_positive(ratio_throughput_vs_enet)
expect_positive(targets ratio_rtt_vs_enet_max)
expect_positive(targets ratio_throughput_vs_enet_min)

string(JSON encrypted ERROR_VARIABLE error TYPE "${out}" encrypted)
if(error OR NOT encrypted STREQUAL "BOOLEAN")
  message(FATAL_ERROR "\"encrypted\" must be true or false\n${out}")
endif()
message(STATUS "tw-bench transport JSON ok: ${out}")
