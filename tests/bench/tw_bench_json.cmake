# Shared by the tw-bench smoke checks: run one subcommand with --json and
# check the shape of what it prints. Never checks how large or fast anything is.

# Runs `${TW_BENCH} <name> --json <args...>` (at most `timeout` seconds), and
# sets `out` in the caller to its JSON, whose "bench" must be <name>.
function(run_tw_bench name timeout)
  if(NOT TW_BENCH)
    message(FATAL_ERROR "pass -DTW_BENCH=<path to tw-bench>")
  endif()
  execute_process(
    COMMAND ${TW_BENCH} ${name} --json ${ARGN}
    OUTPUT_VARIABLE result
    ERROR_VARIABLE err
    RESULT_VARIABLE rc
    TIMEOUT ${timeout})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tw-bench exited with '${rc}'\nstdout:\n${result}\nstderr:\n${err}")
  endif()
  string(STRIP "${result}" result)
  string(JSON bench ERROR_VARIABLE json_error GET "${result}" bench)
  if(json_error)
    message(FATAL_ERROR "tw-bench's output is not the expected JSON (${json_error}):\n${result}")
  endif()
  if(NOT bench STREQUAL name)
    message(FATAL_ERROR "\"bench\" is '${bench}', expected '${name}'")
  endif()
  set(out "${result}" PARENT_SCOPE)
endfunction()

# Fails unless the member of `out` at the given path is a number above zero.
function(expect_positive)
  string(JSON value ERROR_VARIABLE error GET "${out}" ${ARGN})
  string(JSON type ERROR_VARIABLE type_error TYPE "${out}" ${ARGN})
  if(error OR type_error OR NOT type STREQUAL "NUMBER" OR NOT value GREATER 0)
    string(REPLACE ";" "." path "${ARGN}")
    message(FATAL_ERROR "${path}: expected a positive number, got '${value}'\n${out}")
  endif()
endfunction()

# Fails unless the member of `out` at the given path is a JSON boolean; sets
# `<path>_value` (ON/OFF) in the caller.
function(expect_boolean key)
  string(JSON type ERROR_VARIABLE error TYPE "${out}" ${key})
  string(JSON value ERROR_VARIABLE error2 GET "${out}" ${key})
  if(error OR error2 OR NOT type STREQUAL "BOOLEAN")
    message(FATAL_ERROR "\"${key}\" must be true or false\n${out}")
  endif()
  set(${key}_value "${value}" PARENT_SCOPE)
endfunction()

# Fails unless `out`'s "cipher" names a cipher suite a connection can use
# (the suite in use, never "auto").
function(expect_cipher)
  string(JSON value ERROR_VARIABLE error GET "${out}" cipher)
  if(error OR NOT value MATCHES "^(chacha20poly1305|aes256gcm)$")
    message(FATAL_ERROR "\"cipher\" must be chacha20poly1305 or aes256gcm, got '${value}'\n${out}")
  endif()
endfunction()

# Fails unless `out` holds each KEY=VALUE given (compared as strings, so
# "4" for 4 and "range" for range).
function(expect_values)
  foreach(pair ${ARGN})
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 key)
    list(GET pair 1 expected)
    string(JSON value ERROR_VARIABLE error GET "${out}" ${key})
    if(error OR NOT value STREQUAL expected)
      message(FATAL_ERROR "\"${key}\" is '${value}', expected ${expected}\n${out}")
    endif()
  endforeach()
endfunction()

# Fails unless `out`'s "exact" is true (every decoded snapshot equalled its
# source); `what` names the run in the message.
function(expect_exact what)
  expect_boolean(exact)
  if(NOT exact_value)
    message(FATAL_ERROR "${what}: a decoded snapshot differed from its source\n${out}")
  endif()
endfunction()
