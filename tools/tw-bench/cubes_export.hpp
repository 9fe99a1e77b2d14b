// `tw-bench cubes --export FILE`: the quantized frames of the cube scene in
// the layout of Glenn Fiedler's snapshot compression challenge
// ("The Networked Physics Data Compression Challenge", gafferongames.com,
// 2015), so the published reference coders (Fiedler's, Giesen's, Maxwell's)
// run on exactly the frames tickwire codes.
//
// Layout: no header; per frame, in order, 901 cube records (cube 0 the
// player, then the grid, CubesSim's order), each 8 little-endian int32:
//   orientation_largest  0..3, index of the largest component in x, y, z, w order
//   orientation_a, _b, _c 0..511, the other three components, 9-bit codes
//   position_x, _y       1/512 m from the centre, signed, within +-16383
//   position_z           1/512 m above the ground, 0..8191
//   interacting          0 or 1
// So a file is exactly frames x 901 x 32 bytes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include <tickwire/schema.hpp>
#include <tickwire/snapshot.hpp>

namespace twbench {

// Field indices of the cube type in the schema tw-bench cubes builds.
struct CubeFields {
  std::uint32_t x = 0, y = 0, z = 0;  // Float, metres
  std::uint32_t orientation = 0;      // Quaternion, 9 bits per smallest-three component
  std::uint32_t interacting = 0;      // Bool
};

// Writes frames to one file, a frame at a time (one buffered fwrite each).
// Owns the FILE between open() and close(); the destructor closes a file
// still open (after an error) without reporting. Errors are one line,
// "cannot write FILE: <strerror>" (or what does not fit the layout), for the
// caller to print after its "tw-bench cubes: ".
class ChallengeExport {
 public:
  static constexpr std::size_t kCubes = 901;          // records per frame
  static constexpr std::size_t kRecordBytes = 8 * 4;  // 8 int32 per record
  static constexpr std::size_t kFrameBytes = kCubes * kRecordBytes;

  ChallengeExport() = default;
  ~ChallengeExport();
  ChallengeExport(const ChallengeExport&) = delete;
  ChallengeExport& operator=(const ChallengeExport&) = delete;

  // Checks that `schema`'s type 0 has `fields` of the kinds and sizes the
  // layout needs, then creates (or truncates) `path`. `schema` must be
  // validated and outlive this object. False, with `error` set, on failure.
  bool open(const std::string& path, const tickwire::Schema& schema, CubeFields fields,
            std::string& error);
  // Appends one frame: the cubes `ids` (kCubes of them, in CubesSim's order)
  // of `snapshot`, a snapshot of the schema given to open().
  bool write(const tickwire::Snapshot& snapshot, std::span<const tickwire::EntityId> ids,
             std::string& error);
  // Flushes and closes the file; false (with `error`) when that fails.
  bool close(std::string& error);

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return frames_ * kFrameBytes; }

 private:
  [[nodiscard]] std::string failure() const;  // "cannot write PATH: <strerror(errno)>"

  std::FILE* file_ = nullptr;                 // owned; nullptr when not open
  const tickwire::Schema* schema_ = nullptr;  // not owned
  CubeFields fields_;
  std::uint32_t orientation_word_ = 0;  // first code of the quaternion in an entity
  std::string path_;
  std::vector<std::uint8_t> frame_;  // kFrameBytes, reused for every frame
  std::uint64_t frames_ = 0;         // frames written
};

}  // namespace twbench
