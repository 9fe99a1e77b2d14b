# Runs `tw-bench prediction --json --quick` (rtt 0, 150 ms x loss 0, 5 %, 2 s
# per cell, with prediction and as the baseline without) and checks that its
# output is one JSON object of the documented shape: 4 cells and 4 baseline
# cells, each with every key present and its numbers finite. How good the
# numbers are is reported, never checked (a benchmark, not a timed test).
# Usage: cmake -DTW_BENCH=<path to tw-bench> -P check_tw_bench_prediction.cmake
include(${CMAKE_CURRENT_LIST_DIR}/tw_bench_json.cmake)

run_tw_bench(prediction 110 --quick)

# Keys every cell has: numbers that must be finite.
set(number_keys rtt_ms loss_pct jitter_ms seconds input_latency_samples input_latency_censored
    corrections_per_min free_corrections_per_min correction_p95 remote_samples
    input_underruns_per_min extrapolated_pct predicted_hits matched_hits dilation_pct_avg
    input_slack_ticks interp_delay_ms)
# ... numbers, or null when there was nothing to measure (no direction change
# seen, no remote ship drawn, no predicted hit).
set(nullable_keys input_latency_ticks remote_error_rms hit_agreement)

# Fails unless the member at the given path is a finite JSON number (a
# JSON number is always finite: NaN and infinity cannot be written) or,
# with NULLABLE, null.
function(expect_number nullable)
  string(JSON type ERROR_VARIABLE error TYPE "${out}" ${ARGN})
  string(REPLACE ";" "." path "${ARGN}")
  if(error)
    message(FATAL_ERROR "${path}: missing (${error})\n${out}")
  endif()
  if(type STREQUAL "NUMBER")
    string(JSON value GET "${out}" ${ARGN})
    if(NOT value MATCHES "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$")
      message(FATAL_ERROR "${path}: '${value}' is not a finite number\n${out}")
    endif()
  elseif(NOT (nullable AND type STREQUAL "NULL"))
    message(FATAL_ERROR "${path}: expected a number, got ${type}\n${out}")
  endif()
endfunction()

function(expect_cells)
  string(JSON type ERROR_VARIABLE error TYPE "${out}" ${ARGN})
  string(REPLACE ";" "." path "${ARGN}")
  if(error OR NOT type STREQUAL "ARRAY")
    message(FATAL_ERROR "${path}: expected an array of cells\n${out}")
  endif()
  string(JSON count LENGTH "${out}" ${ARGN})
  if(NOT count EQUAL 4)
    message(FATAL_ERROR "${path}: ${count} cells, expected 4 (--quick)\n${out}")
  endif()
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    foreach(key ${number_keys})
      expect_number(OFF ${ARGN} ${i} ${key})
    endforeach()
    foreach(key ${nullable_keys})
      expect_number(ON ${ARGN} ${i} ${key})
    endforeach()
  endforeach()
endfunction()

expect_positive(seconds)
expect_cells(cells)
expect_cells(baseline cells)
message(STATUS "tw-bench prediction JSON ok: ${out}")
