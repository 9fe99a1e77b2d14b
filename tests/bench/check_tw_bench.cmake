# Runs `tw-bench transport --json` briefly and checks that its output is one
# JSON object with the documented keys and positive numbers.
# Usage: cmake -DTW_BENCH=<path to tw-bench> -P check_tw_bench.cmake
include(${CMAKE_CURRENT_LIST_DIR}/tw_bench_json.cmake)

run_tw_bench(transport 50 --round-trips 300 --seconds 0.3 --rounds 1)
expect_positive(round_trips)
foreach(variant udp udp_sealed enet tickwire tickwire_unreliable)
  expect_positive(rtt_us ${variant} median)
  expect_positive(rtt_us ${variant} p99)
  expect_positive(throughput_MBps ${variant})
endforeach()
expect_positive(ratio_rtt_vs_enet)
expect_positive(ratio_throughput_vs_enet)
expect_positive(ratio_unreliable_rtt_vs_sealed_udp)
expect_positive(targets ratio_rtt_vs_enet_max)
expect_positive(targets ratio_throughput_vs_enet_min)
expect_positive(targets ratio_unreliable_rtt_vs_sealed_udp_max)
expect_boolean(encrypted)
expect_cipher()
message(STATUS "tw-bench transport JSON ok: ${out}")
