# Runs a short `tw-bench server --json` (4 clients, 200 entities, 120 ticks)
# and checks that its output is one JSON object with the documented keys,
# positive numbers, and that every client converged on the server's snapshot
# exactly. Times and sizes are reported, never checked.
# Usage: cmake -DTW_BENCH=<path to tw-bench> -P check_tw_bench_server.cmake
include(${CMAKE_CURRENT_LIST_DIR}/tw_bench_json.cmake)

run_tw_bench(server 50 --clients 4 --entities 200 --ticks 120)
expect_values(clients=4 entities=200 ticks=120)
foreach(series tick_ms baseline_enet_tick_ms)
  expect_positive(${series} median)
  expect_positive(${series} p99)
  expect_positive(${series} mean)
endforeach()
expect_positive(encode_ms median)
foreach(key actual_hz kbps_per_client snapshot_bytes_avg delta_share tick_ratio acks_applied)
  expect_positive(${key})
endforeach()
expect_positive(receivers received)
expect_positive(views_made)
expect_cipher()
expect_positive(targets tick_ms_max)
expect_boolean(converged)
if(NOT converged_value)
  message(FATAL_ERROR "\"converged\" must be true: a client's newest snapshot differed from "
                      "the server's\n${out}")
endif()
message(STATUS "tw-bench server JSON ok: ${out}")
