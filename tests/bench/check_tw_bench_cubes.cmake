# Runs `tw-bench cubes --json --frames 200` and checks that its output is one
# JSON object with the documented keys and that every decoded snapshot equalled
# its source (`exact`). Then a 20-frame run with --export: the file's size, the
# JSON's "export" and the ranges of its first and last records; and the two
# --export errors (no file named: exit 2; a file that cannot be created: 1).
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
expect_exact("the default run")
message(STATUS "tw-bench cubes JSON ok: ${out}")
# The default: the range codec with trained priors.
expect_values(codec=range priors=trained)
string(JSON trained_kbps GET "${out}" kbps)

# The same frames with every model starting at 1/2, and bit-packed: both
# exact, and in this order of size (the trained priors are learned on other
# seeds, so this compares like with like).
run_tw_bench(cubes 110 --frames 200 --priors none)
expect_exact("--priors none")
string(JSON untrained_kbps GET "${out}" kbps)
run_tw_bench(cubes 110 --frames 200 --codec delta)
expect_exact("--codec delta")
string(JSON packed_kbps GET "${out}" kbps)
if(NOT trained_kbps LESS untrained_kbps OR NOT untrained_kbps LESS packed_kbps)
  message(FATAL_ERROR "expected trained < untrained < bit-packed kbit/s, got "
                      "${trained_kbps}, ${untrained_kbps}, ${packed_kbps}")
endif()
message(STATUS "kbit/s on 200 frames: trained ${trained_kbps}, untrained ${untrained_kbps}, "
               "bit-packed ${packed_kbps}")

# --export: 20 frames in the challenge layout (cubes_export.hpp). The file
# must be exactly frames x 901 cubes x 32 bytes, the JSON must say so, and the
# first and last records must hold values in the reference coders' ranges.
set(export_frames 20)
set(export_file "${CMAKE_CURRENT_BINARY_DIR}/tw_bench_cubes_export.bin")
file(REMOVE "${export_file}")
run_tw_bench(cubes 60 --frames ${export_frames} --export "${export_file}")
math(EXPR expected_bytes "${export_frames} * 901 * 32")
if(NOT EXISTS "${export_file}")
  message(FATAL_ERROR "--export wrote no ${export_file}\n${out}")
endif()
file(SIZE "${export_file}" size)
if(NOT size EQUAL expected_bytes)
  file(REMOVE "${export_file}")
  message(FATAL_ERROR "${export_file} is ${size} bytes, expected ${expected_bytes}")
endif()
foreach(pair frames=${export_frames} bytes=${expected_bytes})
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 key)
  list(GET pair 1 expected)
  string(JSON value ERROR_VARIABLE error GET "${out}" export ${key})
  if(error OR NOT value EQUAL expected)
    file(REMOVE "${export_file}")
    message(FATAL_ERROR "\"export.${key}\" is '${value}', expected ${expected}\n${out}")
  endif()
endforeach()

# Sets `var` to the little-endian int32 at byte `offset` of the export.
function(read_int32 offset var)
  file(READ "${export_file}" hex OFFSET ${offset} LIMIT 4 HEX)
  string(REGEX MATCH "^(..)(..)(..)(..)$" ignored "${hex}")
  math(EXPR value "0x${CMAKE_MATCH_4}${CMAKE_MATCH_3}${CMAKE_MATCH_2}${CMAKE_MATCH_1}")
  if(value GREATER_EQUAL 2147483648)  # two's complement
    math(EXPR value "${value} - 4294967296")
  endif()
  set(${var} ${value} PARENT_SCOPE)
endfunction()

# Each field of a record: name, smallest and largest value the references accept.
set(fields largest:0:3 a:0:511 b:0:511 c:0:511 x:-16383:16383 y:-16383:16383 z:0:8191
           interacting:0:1)
math(EXPR last_record "${expected_bytes} - 32")
foreach(record 0 ${last_record})
  set(index 0)
  foreach(field ${fields})
    string(REPLACE ":" ";" field "${field}")
    list(GET field 0 name)
    list(GET field 1 lo)
    list(GET field 2 hi)
    math(EXPR at "${record} + 4 * ${index}")
    read_int32(${at} value)
    if(value LESS lo OR value GREATER hi)
      file(REMOVE "${export_file}")
      message(FATAL_ERROR "${name} of the record at byte ${record} is ${value}, expected ${lo}..${hi}")
    endif()
    math(EXPR index "${index} + 1")
  endforeach()
endforeach()
file(REMOVE "${export_file}")
message(STATUS "tw-bench cubes --export ok: ${size} bytes")

# --export without a file is a command-line error (2); a file that cannot be
# created is a failure (1) with one line naming it, before any simulation.
execute_process(COMMAND ${TW_BENCH} cubes --export RESULT_VARIABLE rc ERROR_VARIABLE err
                OUTPUT_QUIET TIMEOUT 10)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--export needs a value")
  message(FATAL_ERROR "`cubes --export` exited with '${rc}', expected 2:\n${err}")
endif()
set(unwritable "${CMAKE_CURRENT_BINARY_DIR}/no_such_directory/x.bin")
execute_process(COMMAND ${TW_BENCH} cubes --frames 20 --export "${unwritable}"
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET TIMEOUT 30)
if(NOT rc EQUAL 1 OR NOT err MATCHES "^tw-bench cubes: cannot write .*no_such_directory/x.bin: ")
  message(FATAL_ERROR "`cubes --export ${unwritable}` exited with '${rc}', expected 1:\n${err}")
endif()
