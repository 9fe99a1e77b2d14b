// Fuzz target: the direct lane's framing (socket/direct_frames.hpp), which
// the receiving host walks in every opened Direct packet before it queues a
// message. The first byte is the number of lanes the receiver has; the rest
// is the plaintext. Properties: no read past the plaintext (ASan); valid()
// agrees with a walk of the frames; a valid datagram's frames, written
// again, give back exactly its bytes (every datagram has one encoding, so
// a capture shows what was sent); the messages fit in the datagram.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "socket/direct_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  using namespace tickwire::socket;
  const std::size_t lanes = data[0];
  const std::span<const std::uint8_t> plain(data + 1, size - 1);
  DirectReader reader(plain);
  DirectFrame frame;
  std::size_t frames = 0, bytes = 0;
  bool lanes_ok = true;
  std::vector<std::uint8_t> again;
  if (reader.has_head()) begin_direct(again, reader.peer());
  while (reader.next(frame)) {
    ++frames;
    bytes += frame.message.size();
    if (frame.message.size() > kDirectMaxMessage) std::abort();
    if (frame.message.data() < plain.data() ||
        frame.message.data() + frame.message.size() > plain.data() + plain.size())
      std::abort();
    lanes_ok &= frame.channel < lanes;
    append_direct_frame(again, frame.channel, frame.message);
  }
  const bool whole = reader.has_head() && !reader.malformed() && frames > 0;
  if (DirectReader::valid(plain, lanes) != (whole && lanes_ok)) std::abort();
  if (bytes + 2 * frames + (reader.has_head() ? kDirectHeadBytes : 0) > plain.size()) std::abort();
  if (whole &&
      (again.size() != plain.size() || !std::equal(again.begin(), again.end(), plain.begin())))
    std::abort();
  return 0;
}
