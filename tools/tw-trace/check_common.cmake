# What the tw-trace test scripts (check_cli.cmake, wireshark/check_tshark.cmake)
# share: a fresh work directory and run(), which runs a command and stops
# the test unless it exits as expected, leaving its output in `out` and
# `err`.
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
