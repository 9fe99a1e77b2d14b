#include "wire/envelope.hpp"

#include "tickwire/schemas/snapshot_generated.h"

namespace tickwire::wire {

void write_snapshot_envelope(const SnapshotHeader& header, std::span<const std::uint8_t> payload,
                             std::vector<std::uint8_t>& out) {
  // One builder per thread, cleared and reused: a server writes an envelope
  // per client per tick, and a fresh builder would allocate each time. Its
  // buffer grows to the largest envelope written (payloads are bounded by the
  // codec's max_encoded_bytes()).
  thread_local flatbuffers::FlatBufferBuilder builder(2048);
  builder.Clear();
  const auto bytes = builder.CreateVector(payload.data(), payload.size());
  wire::SnapshotEnvelopeBuilder envelope(builder);
  envelope.add_tick(header.tick);
  envelope.add_baseline_tick(header.baseline_tick);
  envelope.add_has_baseline(header.has_baseline);
  envelope.add_acked_input_tick(header.acked_input_tick);
  envelope.add_server_time_us(header.server_time_us);
  envelope.add_input_slack(header.input_slack);
  envelope.add_input_received_tick(header.input_received_tick);
  envelope.add_payload(bytes);
  wire::FinishSnapshotEnvelopeBuffer(builder, envelope.Finish());
  out.assign(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

EnvelopeError read_snapshot_envelope(std::span<const std::uint8_t> bytes, SnapshotHeader& header,
                                     std::span<const std::uint8_t>& payload) {
  if (bytes.size() > kMaxEnvelopeBytes) return EnvelopeError::TooLarge;
  // Depth and table limits far above what the schema needs: a crafted buffer
  // cannot make verification expensive.
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/8,
                                 /*max_tables=*/16);
  if (!wire::VerifySnapshotEnvelopeBuffer(verifier)) return EnvelopeError::NotVerified;
  const wire::SnapshotEnvelope* envelope = wire::GetSnapshotEnvelope(bytes.data());
  if (envelope->payload() == nullptr) return EnvelopeError::MissingPayload;
  header.tick = envelope->tick();
  header.baseline_tick = envelope->baseline_tick();
  header.has_baseline = envelope->has_baseline();
  header.acked_input_tick = envelope->acked_input_tick();
  header.server_time_us = envelope->server_time_us();
  header.input_slack = envelope->input_slack();
  header.input_received_tick = envelope->input_received_tick();
  payload = {envelope->payload()->data(), envelope->payload()->size()};
  return EnvelopeError::Ok;
}

}  // namespace tickwire::wire
