// Fuzz target: the engine's trace reader (a pcap file through libpcap, then
// tickwire's record checks), its ENet datagram parser on every record, the
// ENet delivery model on every parsed datagram (each direction, as tw-trace
// info, dump and replay use it), and the direct lane's parser on every
// Direct record. Any input: a clean refusal, or records whose fields stay
// within the bytes and messages within bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tickwire/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tickwire::trace::TraceReader file;
  std::string error;
  if (!file.open_memory({data, size}, error)) {
    if (error.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  // Small bounds, so that the fuzzer reaches them.
  tickwire::trace::EnetDelivery in(4096, 16), out(4096, 16);
  tickwire::trace::Record r;
  tickwire::trace::EnetDatagram d;
  tickwire::trace::DirectDatagram direct;
  std::size_t records = 0;
  while (file.next(r, error)) {
    if (++records > 100000) break;
    // libpcap reads records into its own buffer: a payload never exceeds
    // the largest record an IPv4 packet can hold.
    if (r.payload.size() > 65535) __builtin_trap();
    if (r.kind == tickwire::trace::Kind::Direct) {
      std::string why;
      const bool ok = tickwire::trace::parse_direct(r.payload, direct, why);
      if (!ok && why.empty()) __builtin_trap();  // a refusal always says why
      if (ok && (direct.messages.empty() || direct.peer_id > 0x0FFF || direct.session > 3))
        __builtin_trap();
      // Each frame takes at least two bytes after the 2-byte head.
      if (direct.messages.size() > r.payload.size() / 2) __builtin_trap();
      for (const auto& m : direct.messages) {
        if (m.bytes.size() > 0x3FFF) __builtin_trap();
        if (m.bytes.data() < r.payload.data() ||
            m.bytes.data() + m.bytes.size() > r.payload.data() + r.payload.size())
          __builtin_trap();
      }
      continue;
    }
    // Replayed records hold ENet datagrams too (tw-trace dump parses them),
    // but are never delivered.
    const bool replayed = r.kind == tickwire::trace::Kind::Replayed;
    if (r.kind != tickwire::trace::Kind::Enet && !replayed) continue;
    std::string why;
    const bool ok = tickwire::trace::parse_enet(r.payload, d, why);
    if (!ok && why.empty()) __builtin_trap();
    if (d.count > tickwire::trace::kMaxEnetCommands) __builtin_trap();
    for (std::size_t i = 0; i < d.count; ++i) {
      const auto& c = d.commands[i];
      if (c.data.data() < r.payload.data() ||
          c.data.data() + c.data.size() > r.payload.data() + r.payload.size())
        __builtin_trap();
    }
    if (!ok || replayed) continue;
    auto& delivery = r.outgoing ? out : in;
    for (const auto& m : delivery.receive(d)) {
      if (m.bytes.size() > 4096) __builtin_trap();
      if (m.channel >= delivery.channel_count()) __builtin_trap();
    }
  }
  return 0;
}
