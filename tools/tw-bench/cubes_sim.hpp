// The cube scene of Glenn Fiedler's "Snapshot Compression", simulated with ODE
// (the physics engine the original used): 900 small cubes (1 m) in a 30 x 30
// grid (1.25 m apart) on a ground plane, and one large player cube (4 m)
// that rolls from waypoint to waypoint, jumps every 3 s and scatters them.
// Four walls keep everything inside x, y in [-31, 31] m so positions never
// leave the quantization range.
//
// Fixed step of 1/60 s (ODE quickstep), single-threaded. The run depends only
// on the seed (waypoints and the grid's small yaw jitter): the same seed gives
// the same frames on the same build. ODE is initialised for the lifetime of
// one CubesSim; keep at most one alive at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace twbench {

struct CubeState {
  double position[3] = {0, 0, 0};        // metres; z up, the ground plane at z = 0
  double orientation[4] = {0, 0, 0, 1};  // unit quaternion x, y, z, w
  bool interacting = false;  // the body is awake (ODE auto-disable has not put it to sleep)
};

class CubesSim {
 public:
  static constexpr std::size_t kGrid = 30;                  // small cubes per row and column
  static constexpr std::size_t kCubes = kGrid * kGrid + 1;  // index 0 is the player
  static constexpr double kStepSeconds = 1.0 / 60.0;

  explicit CubesSim(std::uint32_t seed);
  ~CubesSim();
  CubesSim(const CubesSim&) = delete;
  CubesSim& operator=(const CubesSim&) = delete;

  void step();                                            // advances the world by kStepSeconds
  [[nodiscard]] CubeState state(std::size_t cube) const;  // cube < kCubes; 0 is the player
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }

 private:
  struct World;
  std::unique_ptr<World> world_;
  std::uint64_t frames_ = 0;
};

}  // namespace twbench
