# Runs `tw-bench cubes --json --frames 200` and checks that its output is one
# JSON object with the documented keys and that every decoded snapshot equalled
# its source (`exact`). Never checks how large or fast anything is.
# Usage: cmake -DTW_BENCH=<path to tw-bench> -P check_tw_bench_cubes.cmake
if(NOT TW_BENCH)
  message(FATAL_ERROR "pass -DTW_BENCH=<path to tw-bench>")
endif()

execute_process(
  COMMAND ${TW_BENCH} cubes --json --frames 200
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE rc
  TIMEOUT 110)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tw-bench exited with '${rc}'\nstdout:\n${out}\nstderr:\n${err}")
endif()

string(STRIP "${out}" out)
string(JSON bench ERROR_VARIABLE json_error GET "${out}" bench)
if(json_error)
  message(FATAL_ERROR "tw-bench's output is not the expected JSON (${json_error}):\n${out}")
endif()
if(NOT bench STREQUAL "cubes")
  message(FATAL_ERROR "\"bench\" is '${bench}', expected 'cubes'")
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

string(JSON frames ERROR_VARIABLE error GET "${out}" frames)
if(error OR NOT frames EQUAL 200)
  message(FATAL_ERROR "\"frames\" is '${frames}', expected 200\n${out}")
endif()
foreach(key kbps bytes_per_snapshot raw_kbps encode_us decode_us)
  expect_positive(${key})
endforeach()
foreach(ref uncompressed fiedler_bitpacked giesen_arithmetic maxwell_range_prediction)
  expect_positive(reference_kbps ${ref})
  expect_positive(ratio_kbps_to ${ref})
endforeach()

string(JSON exact_type ERROR_VARIABLE error TYPE "${out}" exact)
string(JSON exact ERROR_VARIABLE error2 GET "${out}" exact)
if(error OR error2 OR NOT exact_type STREQUAL "BOOLEAN" OR NOT exact STREQUAL "ON")
  message(FATAL_ERROR "\"exact\" must be true: a decoded snapshot differed from its source\n${out}")
endif()
message(STATUS "tw-bench cubes JSON ok: ${out}")
