# Run by the `consumer` test (see CMakeLists.txt beside this file):
#   cmake -DTICKWIRE_BINARY_DIR=... -DCONSUMER_SOURCE_DIR=... -DCONSUMER_WORK_DIR=...
#         -DCONSUMER_CXX_COMPILER=... [-DCONSUMER_C_COMPILER=...] [-DCONSUMER_GENERATOR=...]
#         [-DCONSUMER_MAKE_PROGRAM=...] [-DCONSUMER_BUILD_TYPE=...]
#         [-DCONSUMER_SANITIZE=ON] [-DCONSUMER_CXX_FLAGS=...] [-DCONSUMER_LINKER_FLAGS=...]
#         -P run.cmake
# Installs the tickwire build into <work>/prefix, configures and builds
# CONSUMER_SOURCE_DIR into <work>/build against that prefix only, and runs the
# program. Any failing step stops with FATAL_ERROR and that step's output.
cmake_minimum_required(VERSION 3.25)

foreach(_var TICKWIRE_BINARY_DIR CONSUMER_SOURCE_DIR CONSUMER_WORK_DIR CONSUMER_CXX_COMPILER)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "consumer: ${_var} must be set with -D${_var}=...")
  endif()
endforeach()

# An instrumented (TICKWIRE_SANITIZE) library needs the sanitizer runtimes in the game.
if(CONSUMER_SANITIZE AND NOT CONSUMER_CXX_FLAGS AND NOT CONSUMER_LINKER_FLAGS)
  set(CONSUMER_CXX_FLAGS "-fsanitize=address,undefined -fno-omit-frame-pointer")
  set(CONSUMER_LINKER_FLAGS "-fsanitize=address,undefined")
endif()

set(_prefix "${CONSUMER_WORK_DIR}/prefix")
set(_build "${CONSUMER_WORK_DIR}/build")
set(_config_args)
if(CONSUMER_BUILD_TYPE)
  set(_config_args --config "${CONSUMER_BUILD_TYPE}")
endif()

# Runs one step; on failure stops with its merged stdout and stderr.
function(consumer_step name timeout_s)
  message(STATUS "consumer: ${name}")
  execute_process(
    COMMAND ${ARGN}
    RESULT_VARIABLE _result
    OUTPUT_VARIABLE _output
    ERROR_VARIABLE _output
    TIMEOUT ${timeout_s})
  if(NOT _result STREQUAL "0")
    string(REPLACE ";" " " _command "${ARGN}")
    message(FATAL_ERROR
      "consumer: step '${name}' failed (${_result})\n"
      "command: ${_command}\n"
      "output:\n${_output}")
  endif()
  set(consumer_step_output "${_output}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${CONSUMER_WORK_DIR}")
file(MAKE_DIRECTORY "${CONSUMER_WORK_DIR}")

consumer_step("install" 120
  "${CMAKE_COMMAND}" --install "${TICKWIRE_BINARY_DIR}" --prefix "${_prefix}" ${_config_args})

set(_configure_args
  -S "${CONSUMER_SOURCE_DIR}" -B "${_build}"
  --no-warn-unused-cli
  "-DCMAKE_PREFIX_PATH=${_prefix}"
  "-DCMAKE_CXX_COMPILER=${CONSUMER_CXX_COMPILER}"
  # Only the scratch prefix may provide tickwire, never a package registry.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(CONSUMER_GENERATOR)
  list(APPEND _configure_args -G "${CONSUMER_GENERATOR}")
endif()
if(CONSUMER_MAKE_PROGRAM)
  list(APPEND _configure_args "-DCMAKE_MAKE_PROGRAM=${CONSUMER_MAKE_PROGRAM}")
endif()
if(CONSUMER_C_COMPILER)
  list(APPEND _configure_args "-DCMAKE_C_COMPILER=${CONSUMER_C_COMPILER}")
endif()
if(CONSUMER_BUILD_TYPE)
  list(APPEND _configure_args "-DCMAKE_BUILD_TYPE=${CONSUMER_BUILD_TYPE}")
endif()
if(CONSUMER_CXX_FLAGS)
  list(APPEND _configure_args "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}")
endif()
if(CONSUMER_LINKER_FLAGS)
  list(APPEND _configure_args "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_LINKER_FLAGS}")
endif()
consumer_step("configure" 120 "${CMAKE_COMMAND}" ${_configure_args})

# The package must have come from the scratch prefix, not the build tree.
file(STRINGS "${_build}/CMakeCache.txt" _tickwire_dir REGEX "^tickwire_DIR:")
string(REGEX REPLACE "^tickwire_DIR:[A-Z]+=" "" _tickwire_dir "${_tickwire_dir}")
file(REAL_PATH "${_prefix}" _real_prefix)
if(EXISTS "${_tickwire_dir}")
  file(REAL_PATH "${_tickwire_dir}" _tickwire_dir)
endif()
string(FIND "${_tickwire_dir}" "${_real_prefix}/" _at)
if(NOT _at EQUAL 0)
  message(FATAL_ERROR
    "consumer: find_package(tickwire) used '${_tickwire_dir}', not the installed "
    "package under '${_prefix}'")
endif()

consumer_step("build" 180 "${CMAKE_COMMAND}" --build "${_build}" ${_config_args})

set(_program "${_build}/consumer")
if(NOT EXISTS "${_program}" AND CONSUMER_BUILD_TYPE)
  set(_program "${_build}/${CONSUMER_BUILD_TYPE}/consumer")  # multi-config generators
endif()
if(NOT EXISTS "${_program}")
  message(FATAL_ERROR "consumer: the build produced no program at ${_build}/consumer")
endif()

consumer_step("run" 60 "${_program}")
set(_cmake_output "${consumer_step_output}")

# The tools come with the library, each answering --help, and the
# Wireshark dissector beside them.
foreach(_tool tw-token tw-trace tw-bench)
  if(NOT EXISTS "${_prefix}/bin/${_tool}")
    message(FATAL_ERROR "consumer: the install has no bin/${_tool}")
  endif()
  consumer_step("${_tool} --help" 30 "${_prefix}/bin/${_tool}" --help)
endforeach()
if(NOT EXISTS "${_prefix}/share/tickwire/wireshark/tickwire.lua")
  message(FATAL_ERROR "consumer: the install has no share/tickwire/wireshark/tickwire.lua")
endif()

# The same game built with pkg-config instead of CMake: one compiler line.
find_program(_pkg_config pkg-config REQUIRED)
file(GLOB_RECURSE _pc "${_prefix}/*/pkgconfig/tickwire.pc")
if(NOT _pc)
  message(FATAL_ERROR "consumer: the install has no pkgconfig/tickwire.pc")
endif()
list(GET _pc 0 _pc)
get_filename_component(_pc_dir "${_pc}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${_pc_dir}")
consumer_step("pkg-config" 30 "${_pkg_config}" --cflags --libs tickwire)
string(STRIP "${consumer_step_output}" _pc_flags)
separate_arguments(_pc_flags UNIX_COMMAND "${_pc_flags}")
separate_arguments(_cxx_flags UNIX_COMMAND "${CONSUMER_CXX_FLAGS}")
separate_arguments(_ld_flags UNIX_COMMAND "${CONSUMER_LINKER_FLAGS}")
consumer_step("build with pkg-config" 180 "${CONSUMER_CXX_COMPILER}" -std=c++20 ${_cxx_flags}
  "${CONSUMER_SOURCE_DIR}/main.cpp" ${_pc_flags} ${_ld_flags} -o "${CONSUMER_WORK_DIR}/consumer-pc")
consumer_step("run (pkg-config build)" 60 "${CONSUMER_WORK_DIR}/consumer-pc")
message(STATUS "consumer: passed\n${_cmake_output}\n${consumer_step_output}")
