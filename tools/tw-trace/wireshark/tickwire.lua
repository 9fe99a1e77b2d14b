-- Wireshark / tshark dissector for tickwire packet traces (TICKWIRE_CAPTURE=FILE.pcap).
--
-- A trace is classic pcap, link type 228 (raw IPv4); each record is a synthetic
-- IPv4 + UDP header, then one kind byte and the record's bytes (docs/PROTOCOL.md,
-- "Packet traces"). This file decodes:
--   tickwire           the record: kind, Meta fields, handshake packets
--   tickwire.enet      an ENet 1.3.17 datagram in clear (enet/protocol.h), every command
--   tickwire.direct    a Direct datagram (the direct lane, trace version 3): its peer
--                      field and frames (channel, LEB128 length, message)
--   tickwire.snapshot  a snapshot envelope (FlatBuffers, identifier "TWSN")
--   tickwire.arena     the sample game's messages (FlatBuffers, identifier "ARN1")
-- Ports are the game's choice, so a heuristic on UDP finds the records (port
-- 27015, arena's default, is also registered). Nothing here throws: every read is
-- bounds-checked and bad data becomes expert info ("tickwire.malformed").
--
-- Use: tshark -X lua_script:tickwire.lua -r match.pcap, or copy this file into
-- Wireshark's personal Lua plugins folder (Help > About > Folders).

local tw  = Proto("tickwire", "tickwire trace record")
local twe = Proto("tickwire.enet", "tickwire ENet datagram")
local twd = Proto("tickwire.direct", "tickwire direct-lane datagram")
local tws = Proto("tickwire.snapshot", "tickwire snapshot envelope")
local twa = Proto("tickwire.arena", "arena game message")

local KINDS = { [0] = "Meta", [1] = "Enet", [2] = "Handshake", [3] = "KeepAlive", [4] = "Replayed",
                [5] = "Direct" }
local MAX_KIND = 5
local MAX_VERSION = 3                 -- the newest trace version this file knows
local HS_TYPES = { [0] = "request", [1] = "denied", [2] = "challenge", [3] = "response",
                   [4] = "keepalive", [5] = "payload", [6] = "rejected" }
-- Exact sizes of the handshake packets (PROTOCOL.md, "Encrypted datagram layer").
local HS_SIZES = { [0] = 1024, [1] = 34, [2] = 517, [3] = 452, [6] = 26 }
local REJECT_REASONS = { [1] = "token invalid", [6] = "protocol mismatch", [7] = "version mismatch" }
local DISCONNECT_REASONS = { [1] = "Timeout", [2] = "Kicked", [3] = "ServerFull", [4] = "ProtocolMismatch",
                             [5] = "VersionMismatch", [6] = "ClosedByPeer", [7] = "ClosedLocally" }
local CONTROL_TYPES = { [1] = "Welcome" }

-- ENet command types, short names (as tw-trace prints them) and sizes including
-- the 4-byte command header (sizeof the structs in enet/protocol.h).
local CMD_NAMES = { [1] = "ACK", [2] = "CONNECT", [3] = "VERIFY_CONNECT", [4] = "DISCONNECT", [5] = "PING",
                    [6] = "SEND_RELIABLE", [7] = "SEND_UNRELIABLE", [8] = "SEND_FRAGMENT",
                    [9] = "SEND_UNSEQUENCED", [10] = "BANDWIDTH_LIMIT", [11] = "THROTTLE_CONFIGURE",
                    [12] = "SEND_UNRELIABLE_FRAGMENT" }
local CMD_SIZES = { [1] = 8, [2] = 48, [3] = 44, [4] = 8, [5] = 4, [6] = 6, [7] = 8, [8] = 24,
                    [9] = 8, [10] = 12, [11] = 16, [12] = 24 }
local MAX_COMMANDS = 32          -- ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS
local CONTROL_CHANNEL = 0xFF     -- connection commands travel on channel 0xFF

local ARENA_BODIES = { [1] = "Hello", [2] = "Welcome", [3] = "InputBatch", [5] = "Scoreboard", [6] = "Kill" }

---------------------------------------------------------------------------
-- Fields
---------------------------------------------------------------------------
local f = {
  kind          = ProtoField.uint8("tickwire.kind", "Kind", base.DEC, KINDS),
  meta_magic    = ProtoField.string("tickwire.meta.magic", "Magic"),
  meta_version  = ProtoField.uint16("tickwire.meta.version", "Trace version"),
  meta_role     = ProtoField.uint8("tickwire.meta.role", "Role", base.DEC, { [0] = "server", [1] = "client" }),
  protocol_id   = ProtoField.uint64("tickwire.protocol_id", "Protocol id", base.HEX),
  meta_start    = ProtoField.absolute_time("tickwire.meta.start", "Start time", base.UTC),
  hs_type       = ProtoField.uint8("tickwire.handshake.type", "Packet type", base.DEC, HS_TYPES, 0x0F),
  hs_seq_bytes  = ProtoField.uint8("tickwire.handshake.seq_bytes", "Sequence bytes", base.DEC, nil, 0xF0),
  hs_sequence   = ProtoField.uint64("tickwire.handshake.sequence", "Sequence"),
  hs_magic      = ProtoField.string("tickwire.handshake.magic", "Token magic"),
  hs_expires    = ProtoField.absolute_time("tickwire.handshake.expires", "Token expires", base.UTC),
  hs_nonce      = ProtoField.bytes("tickwire.handshake.token_nonce", "Token nonce"),
  hs_private    = ProtoField.bytes("tickwire.handshake.private_part", "Private part (sealed)"),
  hs_attempt    = ProtoField.uint64("tickwire.handshake.attempt_id", "Attempt id", base.HEX),
  hs_pubkey     = ProtoField.bytes("tickwire.handshake.public_key", "Ephemeral public key"),
  hs_mac        = ProtoField.bytes("tickwire.handshake.mac", "MAC"),
  hs_suites     = ProtoField.uint8("tickwire.handshake.suites", "Cipher suites offered", base.HEX),
  hs_chacha     = ProtoField.bool("tickwire.handshake.suites.chacha20poly1305", "ChaCha20-Poly1305", 8, nil, 0x01),
  hs_aes        = ProtoField.bool("tickwire.handshake.suites.aes256gcm", "AES-256-GCM", 8, nil, 0x02),
  hs_padding    = ProtoField.bytes("tickwire.handshake.padding", "Padding"),
  hs_ch_nonce   = ProtoField.bytes("tickwire.handshake.challenge_nonce", "Challenge token nonce"),
  hs_sealed     = ProtoField.bytes("tickwire.handshake.ciphertext", "Ciphertext"),
  hs_tag        = ProtoField.bytes("tickwire.handshake.tag", "Tag"),
  hs_reason     = ProtoField.uint8("tickwire.handshake.reason", "Reason", base.DEC, REJECT_REASONS),
  control_type  = ProtoField.uint8("tickwire.control.type", "Control message", base.DEC, CONTROL_TYPES),
  file_id       = ProtoField.string("tickwire.message.file_id", "FlatBuffers file identifier"),
}
tw.fields = f

local e = {
  header        = ProtoField.uint16("tickwire.enet.header", "Header", base.HEX),
  has_sent_time = ProtoField.bool("tickwire.enet.has_sent_time", "Sent time present", 16, nil, 0x8000),
  compressed    = ProtoField.bool("tickwire.enet.compressed", "Compressed", 16, nil, 0x4000),
  session       = ProtoField.uint16("tickwire.enet.session", "Session id", base.DEC, nil, 0x3000),
  peer_id       = ProtoField.uint16("tickwire.enet.peer_id", "Peer id", base.DEC, nil, 0x0FFF),
  sent_time     = ProtoField.uint16("tickwire.enet.sent_time", "Sent time (ms, low 16 bits)"),
  cmd_count     = ProtoField.uint8("tickwire.enet.command_count", "Commands"),
  cmd           = ProtoField.uint8("tickwire.enet.command", "Command", base.DEC, CMD_NAMES, 0x0F),
  flag_ack      = ProtoField.bool("tickwire.enet.flag.acknowledge", "Acknowledge wanted", 8, nil, 0x80),
  flag_unseq    = ProtoField.bool("tickwire.enet.flag.unsequenced", "Unsequenced", 8, nil, 0x40),
  channel       = ProtoField.uint8("tickwire.enet.channel", "Channel"),
  reliable_seq  = ProtoField.uint16("tickwire.enet.reliable_seq", "Reliable sequence number"),
  ack_seq       = ProtoField.uint16("tickwire.enet.ack.seq", "Received reliable sequence number"),
  ack_time      = ProtoField.uint16("tickwire.enet.ack.sent_time", "Received sent time"),
  out_peer_id   = ProtoField.uint16("tickwire.enet.outgoing_peer_id", "Outgoing peer id"),
  in_session    = ProtoField.uint8("tickwire.enet.incoming_session", "Incoming session id"),
  out_session   = ProtoField.uint8("tickwire.enet.outgoing_session", "Outgoing session id"),
  mtu           = ProtoField.uint32("tickwire.enet.mtu", "MTU"),
  window        = ProtoField.uint32("tickwire.enet.window_size", "Window size"),
  channel_count = ProtoField.uint32("tickwire.enet.channel_count", "Channel count"),
  in_bandwidth  = ProtoField.uint32("tickwire.enet.incoming_bandwidth", "Incoming bandwidth"),
  out_bandwidth = ProtoField.uint32("tickwire.enet.outgoing_bandwidth", "Outgoing bandwidth"),
  thr_interval  = ProtoField.uint32("tickwire.enet.throttle_interval", "Packet throttle interval"),
  thr_accel     = ProtoField.uint32("tickwire.enet.throttle_acceleration", "Packet throttle acceleration"),
  thr_decel     = ProtoField.uint32("tickwire.enet.throttle_deceleration", "Packet throttle deceleration"),
  connect_id    = ProtoField.uint32("tickwire.enet.connect_id", "Connect id", base.HEX),
  connect_data  = ProtoField.uint32("tickwire.enet.connect_data", "Connect data", base.HEX),
  wire_version  = ProtoField.uint32("tickwire.enet.connect_data.wire_version", "tickwire wire version", base.DEC, nil, 0xFF000000),
  layout_hash   = ProtoField.uint32("tickwire.enet.connect_data.hash", "Protocol/lane hash", base.HEX, nil, 0x00FFFFFF),
  disc_data     = ProtoField.uint32("tickwire.enet.disconnect_data", "Disconnect data", base.HEX),
  unrel_seq     = ProtoField.uint16("tickwire.enet.unreliable_seq", "Unreliable sequence number"),
  unseq_group   = ProtoField.uint16("tickwire.enet.unsequenced_group", "Unsequenced group"),
  data_length   = ProtoField.uint16("tickwire.enet.data_length", "Data length"),
  frag_start    = ProtoField.uint16("tickwire.enet.fragment.start_seq", "Start sequence number"),
  frag_count    = ProtoField.uint32("tickwire.enet.fragment.count", "Fragment count"),
  frag_number   = ProtoField.uint32("tickwire.enet.fragment.number", "Fragment number"),
  frag_total    = ProtoField.uint32("tickwire.enet.fragment.total_length", "Total length"),
  frag_offset   = ProtoField.uint32("tickwire.enet.fragment.offset", "Fragment offset"),
  data          = ProtoField.bytes("tickwire.enet.data", "Data"),
}
twe.fields = e

local dl = {
  peer          = ProtoField.uint16("tickwire.direct.peer", "Peer field", base.HEX),
  peer_id       = ProtoField.uint16("tickwire.direct.peer_id", "Peer id (the receiver's)", base.DEC, nil, 0x0FFF),
  session       = ProtoField.uint16("tickwire.direct.session", "Session id", base.DEC, nil, 0x3000),
  reserved      = ProtoField.uint16("tickwire.direct.reserved", "Reserved (zero)", base.HEX, nil, 0xC000),
  frame_count   = ProtoField.uint32("tickwire.direct.frame_count", "Frames"),
  channel       = ProtoField.uint8("tickwire.direct.channel", "Channel"),
  length        = ProtoField.uint16("tickwire.direct.length", "Message length (LEB128)"),
  message       = ProtoField.bytes("tickwire.direct.message", "Message"),
}
twd.fields = dl

local s = {
  tick          = ProtoField.uint32("tickwire.snapshot.tick", "Tick"),
  baseline      = ProtoField.uint32("tickwire.snapshot.baseline", "Baseline tick"),
  has_baseline  = ProtoField.bool("tickwire.snapshot.has_baseline", "Has baseline"),
  acked_input   = ProtoField.uint32("tickwire.snapshot.acked_input_tick", "Acked input tick"),
  server_time   = ProtoField.uint64("tickwire.snapshot.server_time_us", "Server time (us)"),
  input_slack   = ProtoField.int16("tickwire.snapshot.input_slack", "Input slack (1/16 ticks)"),
  input_recv    = ProtoField.uint32("tickwire.snapshot.input_received_tick", "Input received tick"),
  payload_len   = ProtoField.uint32("tickwire.snapshot.payload_length", "Payload length"),
  payload       = ProtoField.bytes("tickwire.snapshot.payload", "Payload (delta codec stream)"),
}
tws.fields = s

local a = {
  body          = ProtoField.uint8("tickwire.arena.body", "Body", base.DEC, ARENA_BODIES),
  game_version  = ProtoField.uint16("tickwire.arena.game_version", "Game version"),
  name          = ProtoField.string("tickwire.arena.name", "Name"),
  slot          = ProtoField.uint8("tickwire.arena.slot", "Slot"),
  tick          = ProtoField.uint32("tickwire.arena.tick", "Tick"),
  frames        = ProtoField.uint32("tickwire.arena.frames", "Input frames"),
  newest_frame  = ProtoField.uint32("tickwire.arena.newest_frame_tick", "Newest frame tick"),
  snapshot_ack  = ProtoField.uint32("tickwire.arena.snapshot_ack", "Snapshot ack"),
  has_ack       = ProtoField.bool("tickwire.arena.has_snapshot_ack", "Has snapshot ack"),
  players       = ProtoField.uint32("tickwire.arena.players", "Players"),
}
twa.fields = a

local ef_malformed = ProtoExpert.new("tickwire.malformed", "Malformed tickwire data",
                                     expert.group.MALFORMED, expert.severity.ERROR)
local ef_unusual = ProtoExpert.new("tickwire.unusual", "Unusual tickwire data",
                                   expert.group.PROTOCOL, expert.severity.WARN)
tw.experts = { ef_malformed, ef_unusual }

---------------------------------------------------------------------------
-- State: ports of the traces seen (from their Meta record) and the ENet channel
-- count of each connection (from CONNECT / VERIFY_CONNECT), to find the
-- control lane (the last channel). Cleared whenever a file is (re)loaded.
---------------------------------------------------------------------------
local trace_ports, channel_counts = {}, {}
function tw.init()
  trace_ports, channel_counts = {}, {}
end

local function connection_key(pinfo)
  local a1 = tostring(pinfo.src) .. ":" .. pinfo.src_port
  local a2 = tostring(pinfo.dst) .. ":" .. pinfo.dst_port
  if a1 > a2 then a1, a2 = a2, a1 end
  return a1 .. "-" .. a2
end

-- A protocol id (u64 LE), with its text when it is one ("arena001").
local function add_protocol_id(tree, r)
  local item = tree:add_le(f.protocol_id, r)
  local text = r:bytes():raw():reverse()
  if text:match("^[%w%p ]+$") then item:append_text(' ("' .. text .. '")') end
end

-- Adds a "malformed" expert item; returns nil so callers can `return bad(...)`.
local function bad(item, text)
  item:add_proto_expert_info(ef_malformed, text)
  return nil
end

---------------------------------------------------------------------------
-- FlatBuffers: just enough to read scalars, vectors and tables, all checked.
-- `m` is a Tvb holding one message; offsets are relative to it.
---------------------------------------------------------------------------
local function u32le(m, off) return m(off, 4):le_uint() end

-- Returns the table at `pos` as {pos, vt, vtsize, tsize}, or nil, reason.
local function fb_table(m, pos)
  local n = m:len()
  if pos < 0 or pos + 4 > n then return nil, "table outside the buffer" end
  local vt = pos - m(pos, 4):le_int()
  if vt < 0 or vt + 4 > n then return nil, "vtable outside the buffer" end
  local vtsize, tsize = m(vt, 2):le_uint(), m(vt + 2, 2):le_uint()
  if vtsize < 4 or vtsize % 2 ~= 0 or vt + vtsize > n then return nil, "bad vtable size" end
  if tsize < 4 or pos + tsize > n then return nil, "bad table size" end
  return { pos = pos, vt = vt, vtsize = vtsize, tsize = tsize }
end

-- Absolute offset of field `slot` (0-based) of size `size`, false if absent,
-- nil if it does not fit in its table.
local function fb_field(m, t, slot, size)
  local at = 4 + 2 * slot
  if at + 2 > t.vtsize then return false end
  local off = m(t.vt + at, 2):le_uint()
  if off == 0 then return false end
  if off + size > t.tsize then return nil end
  return t.pos + off
end

-- Follows the uoffset at `pos` to a vector: returns its first element's offset
-- and its length, or nil if it is out of bounds.
local function fb_vector(m, pos, elem_size)
  local v = pos + u32le(m, pos)
  if v + 4 > m:len() then return nil end
  local len = u32le(m, v)
  if v + 4 + len * elem_size > m:len() then return nil end
  return v + 4, len
end

-- Adds scalar field `slot` to `tree` (reading little-endian), or its default
-- as a generated item when absent. Returns the value, or nil when malformed.
local function fb_add(m, t, tree, pf, slot, size, default, signed)
  local pos = fb_field(m, t, slot, size)
  if pos == nil then return bad(tree, "FlatBuffers field " .. slot .. " outside its table") end
  if pos == false then
    tree:add(pf, m(t.pos, 0), default):append_text(" (default)"):set_generated()
    return default
  end
  local r = m(pos, size)
  tree:add_le(pf, r)
  if size == 8 then return r:le_uint64() end
  if signed then return r:le_int() end
  return r:le_uint()
end

-- Root table of a FlatBuffers message, checked.
local function fb_root(m)
  if m:len() < 8 then return nil, "shorter than a FlatBuffers root" end
  return fb_table(m, u32le(m, 0))
end

---------------------------------------------------------------------------
-- Snapshot envelope (engine/schemas/snapshot.fbs): returns an info string.
---------------------------------------------------------------------------
local function dissect_snapshot(m, tree)
  local st = tree:add(tws, m())
  local t, why = fb_root(m)
  if not t then return bad(st, "snapshot envelope: " .. why) end
  local tick = fb_add(m, t, st, s.tick, 0, 4, 0)
  local base = fb_add(m, t, st, s.baseline, 1, 4, 0)
  local hb = fb_field(m, t, 2, 1)
  if hb == nil then return bad(st, "has_baseline outside its table") end
  local has_base = hb and m(hb, 1):uint() ~= 0 or false
  if hb then st:add(s.has_baseline, m(hb, 1), has_base)
  else st:add(s.has_baseline, m(t.pos, 0), false):append_text(" (default)"):set_generated() end
  fb_add(m, t, st, s.acked_input, 3, 4, 0)
  fb_add(m, t, st, s.server_time, 4, 8, UInt64(0))
  if fb_add(m, t, st, s.input_slack, 5, 2, -32768, true) == -32768 then
    st:append_text(", input slack not reported")
  end
  fb_add(m, t, st, s.input_recv, 6, 4, 0)
  local p = fb_field(m, t, 7, 4)
  if p == nil then return bad(st, "payload outside its table") end
  if p then
    local first, len = fb_vector(m, p, 1)
    if not first then return bad(st, "payload vector outside the buffer") end
    st:add(s.payload_len, m(p, 4), len)
    if len > 0 then st:add(s.payload, m(first, len)) end
  else
    st:add_proto_expert_info(ef_unusual, "envelope without a payload (a receiver refuses it)")
  end
  if tick == nil or base == nil then return nil end
  st:append_text(string.format(", tick %d", tick))
  if has_base then return string.format(" [snapshot %d<-%d]", tick, base) end
  return string.format(" [snapshot %d full]", tick)
end

---------------------------------------------------------------------------
-- arena's Message (sample_game/schemas/arena.fbs): the body type and a few
-- fields of each body. Returns an info string.
---------------------------------------------------------------------------
local function dissect_arena(m, tree)
  local at = tree:add(twa, m())
  local t, why = fb_root(m)
  if not t then return bad(at, "arena message: " .. why) end
  local bt = fb_field(m, t, 0, 1)         -- body_type (union tag)
  local bo = fb_field(m, t, 1, 4)         -- body (offset to the table)
  if bt == nil or bo == nil then return bad(at, "arena message: body outside its table") end
  if not bt or not bo then return bad(at, "arena message without a body") end
  local kind = m(bt, 1):uint()
  at:add(a.body, m(bt, 1))
  local name = ARENA_BODIES[kind] or ("body " .. kind)
  at:append_text(": " .. name)
  local b, why2 = fb_table(m, bo + u32le(m, bo))
  if not b then return bad(at, "arena " .. name .. ": " .. why2) end
  if kind == 1 then                                            -- Hello
    fb_add(m, b, at, a.game_version, 0, 2, 0)
    local np = fb_field(m, b, 1, 4)
    if np then
      local first, len = fb_vector(m, np, 1)
      if not first then return bad(at, "Hello name outside the buffer") end
      at:add(a.name, m(first, len))
    end
  elseif kind == 2 then                                        -- Welcome
    fb_add(m, b, at, a.game_version, 0, 2, 0)
    fb_add(m, b, at, a.slot, 1, 1, 0)
    fb_add(m, b, at, a.tick, 2, 4, 0)
  elseif kind == 3 then                                        -- InputBatch
    local fp = fb_field(m, b, 0, 4)
    if fp then
      local first, len = fb_vector(m, fp, 24)                  -- InputFrame: 21 bytes, padded to 24
      if not first then return bad(at, "InputBatch frames outside the buffer") end
      at:add(a.frames, m(fp, 4), len)
      if len > 0 then at:add_le(a.newest_frame, m(first, 4)) end
    end
    fb_add(m, b, at, a.snapshot_ack, 1, 4, 0)
    local hp = fb_field(m, b, 2, 1)
    if hp then at:add(a.has_ack, m(hp, 1)) end
  elseif kind == 5 then                                        -- Scoreboard
    local pp = fb_field(m, b, 0, 4)
    if pp then
      local first, len = fb_vector(m, pp, 4)
      if not first then return bad(at, "Scoreboard players outside the buffer") end
      at:add(a.players, m(pp, 4), len)
    end
  elseif kind == 6 then                                        -- Kill
    fb_add(m, b, at, a.tick, 0, 4, 0)
  end
  return " [" .. name .. "]"
end

---------------------------------------------------------------------------
-- A message's data (a send command's payload, unfragmented): the control lane,
-- else by FlatBuffers file identifier. Returns an info string.
---------------------------------------------------------------------------
local function dissect_message(tvb, off, len, channel, pinfo, tree)
  local m = tvb(off, len):tvb()
  local count = channel_counts[connection_key(pinfo)]
  if count and channel == count - 1 then
    -- The control lane: one type byte, then the body.
    local item = tree:add(f.control_type, m(0, 1))
    local name = CONTROL_TYPES[m(0, 1):uint()]
    if not name then
      item:add_proto_expert_info(ef_unusual, "unknown control message (ignored by tickwire)")
      name = "type " .. m(0, 1):uint()
    end
    return " [control " .. name .. "]"
  end
  if len < 8 then return "" end
  local id = m(4, 4):string()
  if not id:match("^[%w_]+$") then return "" end
  tree:add(f.file_id, m(4, 4))
  if id == "TWSN" then return dissect_snapshot(m, tree) or "" end
  if id == "ARN1" then return dissect_arena(m, tree) or "" end
  return " [" .. id .. "]"
end

---------------------------------------------------------------------------
-- ENet datagram (enet/protocol.h; every multi-byte field big-endian).
---------------------------------------------------------------------------

-- Light check for the heuristic: a header, then 1..32 whole commands of known types.
local function enet_parses(tvb, off)
  local n = tvb:len()
  if n - off < 2 then return false end
  local word = tvb(off, 2):uint()
  if bit.band(word, 0x4000) ~= 0 then return false end       -- tickwire never compresses
  local at = off + (bit.band(word, 0x8000) ~= 0 and 4 or 2)
  if at >= n then return false end
  local count = 0
  while at < n do
    count = count + 1
    if count > MAX_COMMANDS or n - at < 4 then return false end
    local type = bit.band(tvb(at, 1):uint(), 0x0F)
    local size = CMD_SIZES[type]
    if not size or n - at < size then return false end
    local data = 0
    if type == 6 then data = tvb(at + 4, 2):uint()
    elseif type == 7 or type == 8 or type == 9 or type == 12 then data = tvb(at + 6, 2):uint() end
    if n - at - size < data then return false end
    at = at + size + data
  end
  return true
end

-- Adds the fields of one command (after its 4-byte header) and returns the
-- data length it announces and an info suffix.
local function command_fields(tvb, c, type, ct)
  local function add(pf, o, len) return ct:add(pf, tvb(c + o, len)) end
  if type == 1 then
    add(e.ack_seq, 4, 2); add(e.ack_time, 6, 2)
    return 0, string.format(" #%d", tvb(c + 4, 2):uint())
  elseif type == 2 or type == 3 then
    add(e.out_peer_id, 4, 2); add(e.in_session, 6, 1); add(e.out_session, 7, 1)
    add(e.mtu, 8, 4); add(e.window, 12, 4); add(e.channel_count, 16, 4)
    add(e.in_bandwidth, 20, 4); add(e.out_bandwidth, 24, 4)
    add(e.thr_interval, 28, 4); add(e.thr_accel, 32, 4); add(e.thr_decel, 36, 4)
    add(e.connect_id, 40, 4)
    if type == 2 then
      local d = add(e.connect_data, 44, 4)
      d:add(e.wire_version, tvb(c + 44, 4)); d:add(e.layout_hash, tvb(c + 44, 4))
    end
    return 0, ""
  elseif type == 4 then
    local v = tvb(c + 4, 4):uint()
    local d = add(e.disc_data, 4, 4)
    if v == 0 then d:append_text(" (ENet: timed out)")
    elseif bit.rshift(v, 16) == 0x5457 then
      d:append_text(" (tickwire: " .. (DISCONNECT_REASONS[bit.band(v, 0xFFFF)] or "unknown reason") .. ")")
    end
    return 0, ""
  elseif type == 6 then
    add(e.data_length, 4, 2)
    return tvb(c + 4, 2):uint(), ""
  elseif type == 7 then
    add(e.unrel_seq, 4, 2); add(e.data_length, 6, 2)
    return tvb(c + 6, 2):uint(), string.format(".%d", tvb(c + 4, 2):uint())
  elseif type == 9 then
    add(e.unseq_group, 4, 2); add(e.data_length, 6, 2)
    return tvb(c + 6, 2):uint(), string.format(" g%d", tvb(c + 4, 2):uint())
  elseif type == 8 or type == 12 then
    add(e.frag_start, 4, 2); add(e.data_length, 6, 2); add(e.frag_count, 8, 4)
    add(e.frag_number, 12, 4); add(e.frag_total, 16, 4); add(e.frag_offset, 20, 4)
    return tvb(c + 6, 2):uint(), string.format(" frag %d/%d of #%d", tvb(c + 12, 4):uint() + 1,
                                               tvb(c + 8, 4):uint(), tvb(c + 4, 2):uint())
  elseif type == 10 then
    add(e.in_bandwidth, 4, 4); add(e.out_bandwidth, 8, 4)
  elseif type == 11 then
    add(e.thr_interval, 4, 4); add(e.thr_accel, 8, 4); add(e.thr_decel, 12, 4)
  end
  return 0, ""                                                   -- PING: the header only
end

-- Dissects the datagram at `off`; returns the info column text.
local function dissect_enet(tvb, off, pinfo, tree)
  local n = tvb:len()
  local et = tree:add(twe, tvb(off))
  if n - off < 2 then bad(et, "shorter than an ENet header"); return "ENet: truncated" end
  local word = tvb(off, 2):uint()
  local h = et:add(e.header, tvb(off, 2))
  h:add(e.has_sent_time, tvb(off, 2)); h:add(e.compressed, tvb(off, 2))
  h:add(e.session, tvb(off, 2))
  local pid = h:add(e.peer_id, tvb(off, 2))
  if bit.band(word, 0x0FFF) == 0x0FFF then pid:append_text(" (none: a new connection)") end
  local at = off + 2
  if bit.band(word, 0x8000) ~= 0 then
    if n - at < 2 then bad(et, "sent time cut short"); return "ENet: truncated" end
    et:add(e.sent_time, tvb(at, 2))
    at = at + 2
  end
  if bit.band(word, 0x4000) ~= 0 then
    bad(h, "compressed datagram (tickwire never compresses; not decoded)")
    return "ENet: compressed"
  end
  local parts, count = {}, 0
  if at >= n then bad(et, "a datagram without commands") end
  while at < n do
    count = count + 1
    local left = n - at
    if count == MAX_COMMANDS + 1 then bad(et, "more than 32 commands") end
    if left < 4 then
      bad(et:add(twe, tvb(at)), "command header cut short")
      parts[#parts + 1] = "truncated"
      break
    end
    local b0 = tvb(at, 1):uint()
    local type, channel, rseq = bit.band(b0, 0x0F), tvb(at + 1, 1):uint(), tvb(at + 2, 2):uint()
    local name = CMD_NAMES[type] or ("type " .. type)
    local size = CMD_SIZES[type]
    local ct = et:add(twe, tvb(at, math.min(left, size or 4)), name)
    ct:set_text(string.format("%s, channel %d, #%d", name, channel, rseq))
    ct:add(e.cmd, tvb(at, 1)); ct:add(e.flag_ack, tvb(at, 1)); ct:add(e.flag_unseq, tvb(at, 1))
    local ch = ct:add(e.channel, tvb(at + 1, 1))
    if channel == CONTROL_CHANNEL then ch:append_text(" (the connection's)") end
    ct:add(e.reliable_seq, tvb(at + 2, 2))
    if not size then
      bad(ct, "unknown command type " .. type .. " (the rest is not decoded)")
      parts[#parts + 1] = name
      break
    end
    if left < size then
      bad(ct, name .. " cut short: " .. size .. " bytes needed, " .. left .. " left")
      parts[#parts + 1] = name .. " (truncated)"
      break
    end
    local data_len, suffix = command_fields(tvb, at, type, ct)
    local summary = string.format("%s ch%d #%d%s", name, channel, rseq, suffix)
    if type == 1 then summary = string.format("ACK ch%d%s", channel, suffix) end
    if type == 2 or type == 3 then                                 -- remember the lane count
      if not pinfo.visited then channel_counts[connection_key(pinfo)] = tvb(at + 16, 4):uint() end
    end
    if (type >= 2 and type <= 5 or type == 10 or type == 11) and channel ~= CONTROL_CHANNEL then
      ct:add_proto_expert_info(ef_unusual, "a connection command not on channel 0xFF")
    end
    at = at + size
    if data_len > 0 then
      if n - at < data_len then
        bad(ct, string.format("%s claims %d bytes of data, %d are left", name, data_len, n - at))
        parts[#parts + 1] = summary .. " (truncated)"
        break
      end
      ct:set_len(size + data_len)
      ct:add(e.data, tvb(at, data_len))
      summary = summary .. string.format(" (%d B)", data_len)
      if type == 6 or type == 7 or type == 9 then                 -- a whole message
        summary = summary .. dissect_message(tvb, at, data_len, channel, pinfo, ct)
      end
      at = at + data_len
    end
    parts[#parts + 1] = summary
  end
  et:add(e.cmd_count, tvb(off, 0), count):set_generated()
  if #parts == 0 then return "ENet: no command" end
  return "ENet: " .. table.concat(parts, "; ")
end

---------------------------------------------------------------------------
-- Direct datagram (the direct lane): peer (u16 LE: the receiver's ENet peer id
-- in bits 0..11, ENet's session in 12..13, zero above), then frames of
-- channel (1), length (LEB128 in its shortest form, 1..2 bytes) and message.
---------------------------------------------------------------------------
local MAX_INFO_FRAMES = 8            -- frames summarised in the Info column

-- One frame's length at `at` (its first byte): the length, its bytes, or
-- nil and why it is malformed.
local function direct_length(tvb, at, n)
  if n - at < 1 then return nil, 0, "length missing" end
  local b1 = tvb(at, 1):uint()
  if bit.band(b1, 0x80) == 0 then return b1, 1 end
  if n - at < 2 then return nil, 1, "length cut short" end
  local b2 = tvb(at + 1, 1):uint()
  if b2 == 0 then return nil, 2, "length not in its shortest form" end
  if b2 > 0x7F then return nil, 2, "length longer than two bytes" end
  return bit.bor(bit.band(b1, 0x7F), bit.lshift(b2, 7)), 2
end

-- Light check for the heuristic: a head with zero reserved bits, then one or
-- more whole, well-formed frames.
local function direct_parses(tvb, off)
  local n = tvb:len()
  if n - off < 4 or bit.band(tvb(off + 1, 1):uint(), 0xC0) ~= 0 then return false end
  local at = off + 2
  while at < n do
    local len, lb = direct_length(tvb, at + 1, n)
    if not len or n - at - 1 - lb < len then return false end
    at = at + 1 + lb + len
  end
  return true
end

-- Dissects the datagram at `off`; returns the info column text.
local function dissect_direct(tvb, off, pinfo, tree)
  local n = tvb:len()
  local dt = tree:add(twd, tvb(off))
  if n - off < 2 then bad(dt, "shorter than a direct datagram's 2-byte head"); return "direct: truncated" end
  local word = tvb(off, 2):le_uint()
  local h = dt:add_le(dl.peer, tvb(off, 2))
  h:add_le(dl.peer_id, tvb(off, 2)); h:add_le(dl.session, tvb(off, 2))
  local r = h:add_le(dl.reserved, tvb(off, 2))
  if bit.band(word, 0xC000) ~= 0 then bad(r, "bits above the session set (the receiver drops it)") end
  local count = channel_counts[connection_key(pinfo)]
  local at, frames, parts = off + 2, 0, {}
  if at >= n then bad(dt, "a direct datagram without a message") end
  while at < n do
    frames = frames + 1
    local channel = tvb(at, 1):uint()
    local ft = dt:add(twd, tvb(at, 1), "Frame " .. frames)
    ft:add(dl.channel, tvb(at, 1))
    local len, lb, why = direct_length(tvb, at + 1, n)
    if not len then
      if lb > 0 then ft:set_len(1 + lb) end
      bad(ft, "frame " .. frames .. ": " .. why)
      parts[#parts + 1] = "malformed"
      break
    end
    ft:add(dl.length, tvb(at + 1, lb), len)
    local left = n - at - 1 - lb
    if left < len then
      ft:set_len(1 + lb + left)
      bad(ft, string.format("frame %d claims %d bytes, %d are left", frames, len, left))
      parts[#parts + 1] = "malformed"
      break
    end
    ft:set_len(1 + lb + len)
    ft:set_text(string.format("Frame %d: channel %d, %d bytes", frames, channel, len))
    if count and channel + 1 >= count then
      ft:add_proto_expert_info(ef_unusual, "channel " .. channel .. " is not one of the connection's "
                               .. (count - 1) .. " lanes (the receiver refuses the datagram)")
    end
    local summary = string.format("ch%d %d B", channel, len)
    if len > 0 then
      local m = at + 1 + lb
      ft:add(dl.message, tvb(m, len))
      if not (count and channel + 1 >= count) then    -- not the control lane
        summary = summary .. dissect_message(tvb, m, len, channel, pinfo, ft)
      end
    end
    if frames <= MAX_INFO_FRAMES then parts[#parts + 1] = summary
    elseif frames == MAX_INFO_FRAMES + 1 then parts[#parts + 1] = "..." end
    at = at + 1 + lb + len
  end
  if frames == 0 then parts[1] = "no message" end
  dt:add(dl.frame_count, tvb(off, 0), frames):set_generated()
  dt:append_text(string.format(", peer %d, session %d, %d frame%s", bit.band(word, 0x0FFF),
                               bit.band(bit.rshift(word, 12), 3), frames, frames == 1 and "" or "s"))
  return string.format("direct to peer %d: ", bit.band(word, 0x0FFF)) .. table.concat(parts, "; ")
end

---------------------------------------------------------------------------
-- Handshake packets (PROTOCOL.md, "Handshake" and "Sealed packets").
---------------------------------------------------------------------------
local function dissect_handshake(tvb, off, tree)
  local n = tvb:len() - off
  if n < 1 then bad(tree, "an empty handshake record"); return "handshake (empty)" end
  local p = tvb(off, 1):uint()
  local type, nseq = bit.band(p, 0x0F), bit.rshift(p, 4)
  local name = HS_TYPES[type] or ("type " .. type)
  local ht = tree:add(tw, tvb(off), "Handshake " .. name)
  ht:add(f.hs_type, tvb(off, 1)); ht:add(f.hs_seq_bytes, tvb(off, 1))
  local info = "handshake " .. name
  if not HS_TYPES[type] then bad(ht, "unknown handshake packet type " .. type); return info end
  local want = HS_SIZES[type]
  if want and n ~= want then
    bad(ht, string.format("a %s is %d bytes, this one %d", name, want, n))
    return info .. " (bad size)"
  end
  local function add(pf, o, len) return ht:add(pf, tvb(off + o, len)) end
  local function add_le(pf, o, len) return ht:add_le(pf, tvb(off + o, len)) end
  local function unix_secs(pf, o)   -- u64 LE Unix seconds as a time
    local v = tvb(off + o, 8):le_uint64()
    ht:add(pf, tvb(off + o, 8), NSTime(v:tonumber(), 0))
  end
  if type == 0 then                                  -- Request, in clear
    if nseq ~= 0 then ht:add_proto_expert_info(ef_unusual, "sequence bytes on a packet in clear") end
    add(f.hs_magic, 1, 8); add_protocol_id(ht, tvb(off + 9, 8)); unix_secs(f.hs_expires, 17)
    add(f.hs_nonce, 25, 24); add(f.hs_private, 49, 640); add_le(f.hs_attempt, 689, 8)
    add(f.hs_pubkey, 697, 32); add(f.hs_mac, 729, 16)
    local suites = add(f.hs_suites, 745, 1)
    suites:add(f.hs_chacha, tvb(off + 745, 1)); suites:add(f.hs_aes, tvb(off + 745, 1))
    local pad = add(f.hs_padding, 746, 278)
    for i = 746, 1023 do
      if tvb(off + i, 1):uint() ~= 0 then
        pad:add_proto_expert_info(ef_unusual, "non-zero padding (the server drops this request)")
        break
      end
    end
  elseif type == 3 then                              -- Response: the challenge token as received
    add(f.hs_ch_nonce, 1, 24); add(f.hs_sealed, 25, 411); add(f.hs_tag, 436, 16)
  elseif type == 6 then                              -- Rejected, in clear
    add(f.hs_nonce, 1, 24)
    local r = tvb(off + 25, 1):uint()
    add(f.hs_reason, 25, 1)
    info = info .. " (" .. (REJECT_REASONS[r] or ("reason " .. r)) .. ")"
  else                                               -- sealed: sequence, ciphertext, tag
    if type == 4 or type == 5 then                   -- the capture records these opened, as other kinds
      ht:add_proto_expert_info(ef_unusual, "a session packet recorded as a handshake record")
    end
    if nseq < 1 or nseq > 8 or n < 1 + nseq + 16 then
      bad(ht, string.format("a sealed packet with %d sequence bytes cannot be %d bytes", nseq, n))
      return info
    end
    local v = tvb(off + 1, nseq):le_uint64()
    ht:add(f.hs_sequence, tvb(off + 1, nseq), v)
    if n - 1 - nseq - 16 > 0 then add(f.hs_sealed, 1 + nseq, n - 1 - nseq - 16) end
    add(f.hs_tag, n - 16, 16)
  end
  return info
end

---------------------------------------------------------------------------
-- The record.
---------------------------------------------------------------------------
local function dissect_meta(tvb, pinfo, rt)
  local n = tvb:len()
  if n < 28 then bad(rt, "a Meta record is 27 bytes after its kind, this one " .. (n - 1)); return "meta (truncated)" end
  local magic = tvb(1, 8):string()
  rt:add(f.meta_magic, tvb(1, 8))
  if magic ~= "TWTRACE1" then bad(rt, "not the TWTRACE1 magic") end
  local version = tvb(9, 2):le_uint()
  rt:add_le(f.meta_version, tvb(9, 2))
  if version < 1 or version > MAX_VERSION then
    rt:add_proto_expert_info(ef_unusual, "trace version " .. version .. " (this dissector knows 1 to " .. MAX_VERSION .. ")")
  end
  local role = tvb(11, 1):uint()
  rt:add(f.meta_role, tvb(11, 1))
  add_protocol_id(rt, tvb(12, 8))
  local us = tvb(20, 8):le_uint64()
  local secs = (us / 1000000):tonumber()
  rt:add(f.meta_start, tvb(20, 8), NSTime(secs, (us % 1000000):tonumber() * 1000))
  if n > 28 then rt:add_proto_expert_info(ef_unusual, (n - 28) .. " bytes after the Meta fields") end
  if magic == "TWTRACE1" and not pinfo.visited then
    trace_ports[pinfo.src_port] = true                       -- the recording host's port
  end
  return string.format("meta: %s trace, version %d", role == 0 and "server" or role == 1 and "client" or "?", version)
end

function tw.dissector(tvb, pinfo, tree)
  local n = tvb:len()
  pinfo.cols.protocol:set("tickwire")
  local rt = tree:add(tw, tvb())
  if n < 1 then bad(rt, "an empty record"); pinfo.cols.info:set("empty record"); return n end
  local kind = tvb(0, 1):uint()
  rt:add(f.kind, tvb(0, 1))
  rt:append_text(", " .. (KINDS[kind] or ("kind " .. kind)))
  local info
  if kind == 0 then
    info = dissect_meta(tvb, pinfo, rt)
  elseif kind == 1 then
    info = dissect_enet(tvb, 1, pinfo, rt)
  elseif kind == 2 then
    info = dissect_handshake(tvb, 1, rt)
  elseif kind == 3 then
    info = "keepalive"
    if n ~= 1 then bad(rt, "a KeepAlive record holds nothing, this one " .. (n - 1) .. " bytes") end
  elseif kind == 4 then
    -- An authentic duplicate the replay window refused: ENet never saw it.
    info = "replayed (dropped): " .. dissect_enet(tvb, 1, pinfo, rt)
  elseif kind == 5 then
    -- The direct lane: messages sealed beside ENet, which never sees them.
    info = dissect_direct(tvb, 1, pinfo, rt)
  else
    bad(rt, "unknown record kind " .. kind)
    info = "unknown kind " .. kind
  end
  if tvb:reported_len() > n then
    rt:add_proto_expert_info(ef_malformed, "the capture cut this record short")
  end
  pinfo.cols.info:set(info)
  return n
end

-- The heuristic: a record of a trace already seen (its port came in a Meta
-- record) is always ours, so a broken one shows as malformed tickwire; without
-- the Meta record (packets exported from a trace) each must look like a record.
local function heuristic(tvb, pinfo, tree)
  local n = tvb:len()
  if n < 1 then return false end
  local kind = tvb(0, 1):uint()
  if not (trace_ports[pinfo.src_port] or trace_ports[pinfo.dst_port]) then
    local ok
    if kind > MAX_KIND then
      ok = false
    elseif kind == 0 then
      ok = n >= 28 and tvb(1, 8):string() == "TWTRACE1"
    elseif kind == 1 or kind == 4 then
      ok = enet_parses(tvb, 1)
    elseif kind == 5 then
      ok = direct_parses(tvb, 1)
    elseif kind == 2 then
      local want = n >= 2 and HS_SIZES[bit.band(tvb(1, 1):uint(), 0x0F)]
      ok = want and n - 1 == want
    else
      ok = n == 1
    end
    if not ok then return false end
  end
  tw.dissector(tvb, pinfo, tree)
  return true
end

tw:register_heuristic("udp", heuristic)
DissectorTable.get("udp.port"):add(27015, tw)
