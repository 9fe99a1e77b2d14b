// Fuzz target: tw-trace's trace reader (a pcap file through libpcap, then
// tickwire's record checks) and its ENet datagram parser on every record.
// Any input: a clean refusal or records whose fields stay within the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "enet_datagram.hpp"
#include "trace_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  twtrace::TraceFile file;
  std::string error;
  if (!file.open_memory({data, size}, error)) {
    if (error.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  twtrace::Record r;
  twtrace::EnetDatagram d;
  std::size_t records = 0;
  while (file.next(r, error)) {
    if (++records > 100000) break;
    // libpcap reads records into its own buffer: a payload never exceeds
    // the largest record an IPv4 packet can hold.
    if (r.payload.size() > 65535) __builtin_trap();
    if (r.kind != twtrace::Kind::Enet) continue;
    std::string why;
    const bool ok = twtrace::parse_enet(r.payload, d, why);
    if (!ok && why.empty()) __builtin_trap();
    if (d.count > twtrace::kMaxEnetCommands) __builtin_trap();
    for (std::size_t i = 0; i < d.count; ++i) {
      const auto& c = d.commands[i];
      if (c.data.data() < r.payload.data() ||
          c.data.data() + c.data.size() > r.payload.data() + r.payload.size())
        __builtin_trap();
    }
  }
  return 0;
}
