# Runs `tw-bench cubes --json --frames 200` and checks that its output is one
# JSON object with the documented keys and that every decoded snapshot equalled
# its source (`exact`).
# Usage: cmake -DTW_BENCH=<path to tw-bench> -P check_tw_bench_cubes.cmake
include(${CMAKE_CURRENT_LIST_DIR}/tw_bench_json.cmake)

run_tw_bench(cubes 110 --frames 200)
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
expect_boolean(exact)
if(NOT exact_value)
  message(FATAL_ERROR "\"exact\" must be true: a decoded snapshot differed from its source\n${out}")
endif()
message(STATUS "tw-bench cubes JSON ok: ${out}")
