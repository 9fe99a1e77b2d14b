# What the tw-trace test scripts (check_cli.cmake, wireshark/check_tshark.cmake)
# share: a fresh work directory; run(), which runs a command and stops the
# test unless it exits as expected, leaving its output in `out` and `err`;
# write_bytes() and patch_bytes(), which make the small binary files the
# tests need (pcaps of other protocols, traces with a field changed).
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run expected_status)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 60)
  if(NOT "${status}" STREQUAL "${expected_status}")
    message(FATAL_ERROR "${ARGN}: exit ${status}, expected ${expected_status}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

# write_bytes(FILE HEX...): FILE holds exactly the bytes the HEX strings spell
# one after the other (pairs of hex digits; spaces and line breaks between
# them are ignored). A CMake string cannot hold a zero byte, so the bytes go
# through printf's octal escapes (\ddd, POSIX); for small files (printf
# takes one argument of at most 128 KiB).
function(write_bytes file)
  string(JOIN "" hex ${ARGN})
  string(REGEX REPLACE "[ \t\n]" "" hex "${hex}")
  string(LENGTH "${hex}" n)
  set(format "")
  if(n GREATER 0)
    math(EXPR last "${n} - 2")
    foreach(i RANGE 0 ${last} 2)
      string(SUBSTRING "${hex}" ${i} 2 byte)
      math(EXPR value "0x${byte}")
      math(EXPR d2 "${value} / 64")
      math(EXPR d1 "${value} / 8 % 8")
      math(EXPR d0 "${value} % 8")
      string(APPEND format "\\${d2}${d1}${d0}")
    endforeach()
  endif()
  execute_process(COMMAND printf "${format}" OUTPUT_FILE ${file} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "write_bytes ${file}: printf exit ${status}")
  endif()
endfunction()

# patch_bytes(IN OUT OFFSET HEX): OUT is IN with the bytes from OFFSET (from
# 0) replaced by those HEX spells, its size unchanged.
function(patch_bytes in out offset hex)
  string(REGEX REPLACE "[ \t\n]" "" hex "${hex}")
  string(LENGTH "${hex}" n)
  math(EXPR rest "${offset} + ${n} / 2 + 1")  # tail -c +N: from byte N, counted from 1
  execute_process(COMMAND head -c ${offset} ${in} OUTPUT_FILE ${out}.head)
  write_bytes(${out}.patch "${hex}")
  execute_process(COMMAND tail -c +${rest} ${in} OUTPUT_FILE ${out}.tail)
  execute_process(COMMAND ${CMAKE_COMMAND} -E cat ${out}.head ${out}.patch ${out}.tail
                  OUTPUT_FILE ${out} RESULT_VARIABLE status)
  file(REMOVE ${out}.head ${out}.patch ${out}.tail)
  file(SIZE ${in} in_size)
  file(SIZE ${out} out_size)
  if(NOT status EQUAL 0 OR NOT in_size EQUAL out_size)
    message(FATAL_ERROR "patch_bytes ${out}: ${out_size} bytes from ${in_size}")
  endif()
endfunction()
