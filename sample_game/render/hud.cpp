// The overlays: top bar, kill feed, net graph (F3) and scoreboard (Tab).
#include <algorithm>
#include <cstdio>
#include <vector>

#include "render/impl.hpp"

namespace arena::render {

namespace {

std::string fmt(const char* format, double a, double b = 0) {
  char buf[96];
  std::snprintf(buf, sizeof buf, format, a, b);
  return buf;
}

}  // namespace

void Renderer::Impl::draw_top_bar(const Frame& f) {
  const Session* c = f.session;
  std::string left = "arena";
  if (c && !c->server.empty()) left += "  \xC2\xB7  " + c->server;
  text(FontId::Bold, left, 14, 9, palette::kText);
  if (!c) return;
  const int own = c->own_slot;
  const proto::PlayerInfo* me = own >= 0 ? c->player(own) : nullptr;
  const std::size_t players = c->scoreboard ? c->scoreboard->players.size() : 0;
  std::string right = std::to_string(players) + " players";
  if (me) {
    right = me->name + "   kills " + std::to_string(me->score) + "   deaths " +
            std::to_string(me->deaths) + "   \xC2\xB7   " + right;
  }
  text(FontId::Normal, right, static_cast<float>(width) - 14, 9, palette::kTextDim, 2);
  text(FontId::Small,
       !c->keys.empty() ? c->keys
                        : "WASD move  \xC2\xB7  mouse aim  \xC2\xB7  click fire  \xC2\xB7  Tab "
                          "scores  \xC2\xB7  F3 net graph",
       static_cast<float>(width) / 2, 10, {96, 104, 124}, 1);
}

void Renderer::Impl::draw_kill_feed(const Frame& f) {
  if (!f.session || !f.session->kill_feed) return;
  float y = oy + 8;
  const float right = ox + sim::kArenaWidth * scale - 8;
  for (const client::KillFeedEntry& k : *f.session->kill_feed) {
    const double age = f.now_s - k.time_s;
    if (age > 6.0) continue;
    const auto alpha = static_cast<std::uint8_t>(age < 5.0 ? 230 : 230 * (6.0 - age));
    const std::string& killer = k.killer_name;
    const std::string& victim = k.victim_name;
    const std::string verb = "  \xE2\x96\xB8  ";  // a small triangle
    const int w = text_width(FontId::Small, killer) + text_width(FontId::Small, verb) +
                  text_width(FontId::Small, victim);
    fill_rect(right - static_cast<float>(w) - 12, y - 2, static_cast<float>(w) + 12, 19,
              palette::kPanel, static_cast<std::uint8_t>(alpha * 0.8));
    float x = right - static_cast<float>(w) - 6;
    x += static_cast<float>(text(FontId::Small, killer, x, y, ship_colour(k.killer), 0, alpha));
    x += static_cast<float>(text(FontId::Small, verb, x, y, palette::kTextDim, 0, alpha));
    text(FontId::Small, victim, x, y, ship_colour(k.victim), 0, alpha);
    y += 22;
  }
}

void Renderer::Impl::draw_net_graph(const Frame& f) {
  if (!f.graph) return;
  const client::NetGraph& g = *f.graph;
  // A strip under the arena (draw() leaves room for it), never over it:
  // ships are never hidden behind the numbers.
  const float px = ox, pw = sim::kArenaWidth * scale, ph = kNetGraphHeight;
  const float py = oy + sim::kArenaHeight * scale + 8;
  fill_rect(px, py, pw, ph, palette::kPanel, 235);
  outline_rect(px, py, pw, ph, f.alert ? palette::kBad : palette::kGridMajor);

  // Scrolling graph: bytes received per frame as bars (scaled to the
  // largest in view), the round trip as a line (scale: 0..max(100 ms, peak)).
  const float graph_h = ph - 12;
  const float gx = px + 6, gy = py + 6, gw = std::min(300.0f, pw * 0.3f);
  fill_rect(gx, gy, gw, graph_h, {8, 10, 14}, 220);
  const std::size_t n = g.size();
  std::uint32_t peak_bytes = 1;
  float peak_ping = 100;
  for (std::size_t i = 0; i < n; ++i) {
    peak_bytes = std::max(peak_bytes, g.at(i).bytes_in + g.at(i).bytes_out);
    peak_ping = std::max(peak_ping, g.at(i).ping_ms);
  }
  const float bar_w = gw / static_cast<float>(client::NetGraph::kSamples);
  const float base = gy + graph_h - 1;
  for (std::size_t i = 0; i < n; ++i) {
    const client::NetSample& s = g.at(i);
    const float x = gx + gw - static_cast<float>(n - i) * bar_w;
    const float hin =
        (graph_h - 4) * static_cast<float>(s.bytes_in) / static_cast<float>(peak_bytes);
    const float hout =
        (graph_h - 4) * static_cast<float>(s.bytes_out) / static_cast<float>(peak_bytes);
    if (hin > 0) fill_rect(x, base - hin, std::max(1.0f, bar_w), hin, {80, 150, 255}, 150);
    if (hout > 0) fill_rect(x, base - hin - hout, std::max(1.0f, bar_w), hout, {255, 150, 80}, 120);
  }
  for (std::size_t i = 1; i < n; ++i) {
    const float x0 = gx + gw - static_cast<float>(n - i + 1) * bar_w;
    const float x1 = gx + gw - static_cast<float>(n - i) * bar_w;
    const float y0 = base - (graph_h - 4) * std::min(1.0f, g.at(i - 1).ping_ms / peak_ping);
    const float y1 = base - (graph_h - 4) * std::min(1.0f, g.at(i).ping_ms / peak_ping);
    line(x0, y0, x1, y1, {255, 236, 150});
    line(x0, y0 - 1, x1, y1 - 1, {255, 236, 150});
  }
  text(FontId::Small, fmt("%.0f ms", peak_ping), gx + gw - 3, gy + 2, {150, 130, 70}, 2);

  // The readings: four columns of three lines.
  const float line_h = 19, c0 = gx + gw + 14;
  const float cw = (px + pw - 8 - c0) / 4;
  auto at = [&](int col, int row, const std::string& s, Rgb c) {
    text(FontId::Small, s, c0 + cw * static_cast<float>(col),
         py + 8 + line_h * static_cast<float>(row), c);
  };
  at(0, 0, fmt("fps %.0f", g.fps), palette::kText);
  at(0, 1, g.ping_ms > 0 ? fmt("ping %.1f ms", g.ping_ms) : std::string("ping -"),
     palette::kAccent);
  at(0, 2, fmt("jitter %.1f ms", g.jitter_ms), palette::kText);
  at(1, 0, fmt("in  %.1f kbit/s, %.0f/s", g.in_kbps, g.in_pps), {120, 175, 255});
  at(1, 1, fmt("out %.1f kbit/s, %.0f/s", g.out_kbps, g.out_pps), {255, 170, 110});
  at(1, 2, fmt("loss %.1f %%", g.loss_pct), g.loss_pct > 1 ? palette::kBad : palette::kText);
  at(2, 0, fmt("updates %.0f/s", g.updates_per_sec), palette::kText);
  // Snapshot stream over the last second: mean envelope size and the share
  // that had to be sent whole (no acked baseline).
  std::string snap = fmt("snap %.0f B, %.0f%% full", g.snap_bytes_avg, g.snap_full_pct);
  if (g.snap_errors) snap += fmt(", %.0f refused", static_cast<double>(g.snap_errors));
  at(2, 1, snap, g.snap_errors ? palette::kBad : palette::kText);
  const client::ClientStats* stats = f.session ? f.session->stats : nullptr;
  if (!stats) return;
  const client::ClientStats& cs = *stats;
  at(2, 2, fmt("bad msgs %.0f", static_cast<double>(cs.bad_messages.total())),
     cs.bad_messages.total() ? palette::kBad : palette::kTextDim);
  // Prediction: corrections over the time playing, time dilation, and the
  // server's input buffer for us (how early our inputs arrive).
  at(3, 0,
     cs.predicting ? fmt("corr %.0f/min, max %.1f", cs.corrections_per_min, cs.correction_max)
                   : std::string("predict off"),
     cs.corrections_per_min > 30 ? palette::kBad : palette::kText);
  at(3, 1, fmt("dilation %+.1f %%", cs.dilation_pct), palette::kText);
  at(3, 2, fmt("input buf %.1f tk", cs.input_slack_ticks),
     cs.input_slack_ticks < 0.5 ? palette::kBad : palette::kText);
}

void Renderer::Impl::draw_timeline(const Timeline& t) {
  const float x = 12, w = static_cast<float>(width) - 24;
  const float y = static_cast<float>(height) - kTimelineHeight - 10, h = kTimelineHeight;
  fill_rect(x, y, w, h, palette::kPanel, 235);
  outline_rect(x, y, w, h, palette::kGridMajor);
  // Label and playback state on the left, the strip on the right of them.
  const float lw = 210;
  text(FontId::Small, t.label, x + 8, y + 6, palette::kText);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s %6.1f / %.1f s   %gx", t.paused ? "paused" : "playing",
                t.now_s, t.duration_s, t.speed);
  text(FontId::Small, buf, x + 8, y + 24, t.paused ? palette::kAccent : palette::kTextDim);
  text(FontId::Small, "in/out kbit/s, round trip", x + 8, y + 40, {96, 104, 124});
  const float sx = x + lw, sw = w - lw - 8, sy = y + 6, sh = h - 12;
  fill_rect(sx, sy, sw, sh, {8, 10, 14}, 230);
  timeline_rect = {sx, sy, sw, sh, t.duration_s};
  const std::size_t n = std::max(t.kbps_in.size(), t.rtt_ms.size());
  if (n > 0 && t.duration_s > 0) {
    float peak_kbps = 1, peak_rtt = 50;
    for (std::size_t i = 0; i < t.kbps_in.size(); ++i)
      peak_kbps = std::max(peak_kbps, t.kbps_in[i] + (i < t.kbps_out.size() ? t.kbps_out[i] : 0));
    for (const float r : t.rtt_ms) peak_rtt = std::max(peak_rtt, r);
    // Entry i covers [i, i + 1) x bucket_s seconds of the trace, the last one
    // only up to its end: each spans its share of the strip, so a partial
    // last second is a partial bar and nothing runs past the strip's right
    // edge.
    const float right = sx + sw;
    auto x_at = [&](std::size_t i) {
      const double s = std::min(static_cast<double>(i) * t.bucket_s, t.duration_s);
      return sx + sw * static_cast<float>(s / t.duration_s);
    };
    for (std::size_t i = 0; i < t.kbps_in.size(); ++i) {
      const float bx = x_at(i), span = x_at(i + 1) - bx;
      // A pixel between bars that have room for one; at least a pixel
      // each; never past the strip.
      const float bw = std::min(std::max(1.0f, span >= 3 ? span - 1 : span), right - bx);
      if (bw <= 0) continue;
      const float hin = (sh - 2) * t.kbps_in[i] / peak_kbps;
      const float hout = i < t.kbps_out.size() ? (sh - 2) * t.kbps_out[i] / peak_kbps : 0;
      fill_rect(bx, sy + sh - hin, bw, hin, {80, 150, 255}, 150);
      fill_rect(bx, sy + sh - hin - hout, bw, hout, {255, 150, 80}, 120);
    }
    // The round trip: a point at the middle of each entry's span.
    auto mid = [&](std::size_t i) { return (x_at(i) + x_at(i + 1)) / 2; };
    for (std::size_t i = 1; i < t.rtt_ms.size(); ++i) {
      if (t.rtt_ms[i - 1] <= 0 || t.rtt_ms[i] <= 0) continue;
      line(mid(i - 1), sy + sh - (sh - 2) * t.rtt_ms[i - 1] / peak_rtt, mid(i),
           sy + sh - (sh - 2) * t.rtt_ms[i] / peak_rtt, {255, 236, 150});
    }
    std::snprintf(buf, sizeof buf, "%.0f kbit/s  %.0f ms", static_cast<double>(peak_kbps),
                  static_cast<double>(peak_rtt));
    // The scale on a backing of the strip's own colour, readable over a bar.
    const float label_w = static_cast<float>(text_width(FontId::Small, buf));
    fill_rect(right - label_w - 8, sy + 1, label_w + 7, 16, {8, 10, 14}, 200);
    text(FontId::Small, buf, right - 4, sy + 2, {150, 130, 70}, 2);
  }
  // The playhead.
  const float px =
      sx + sw * static_cast<float>(t.duration_s > 0 ? std::clamp(t.now_s / t.duration_s, 0.0, 1.0)
                                                    : 0.0);
  fill_rect(px - 1, sy - 3, 3, sh + 6, palette::kAccent);
}

void Renderer::Impl::draw_scoreboard(const Frame& f) {
  if (!f.session || !f.session->scoreboard) return;
  std::vector<proto::PlayerInfo> rows = f.session->scoreboard->players;
  std::sort(rows.begin(), rows.end(), [](const proto::PlayerInfo& a, const proto::PlayerInfo& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.deaths != b.deaths) return a.deaths < b.deaths;
    return a.slot < b.slot;
  });
  const float row_h = 24, pw = 520;
  const float ph = 64 + row_h * static_cast<float>(rows.size()) + 12;
  const float px = std::round((static_cast<float>(width) - pw) / 2);
  const float py = std::round(std::max(40.0f, (static_cast<float>(height) - ph) / 2));
  fill_rect(px, py, pw, ph, palette::kPanel, 235);
  outline_rect(px, py, pw, ph, palette::kGridMajor);
  text(FontId::Big, "Scoreboard", px + 18, py + 10, palette::kText);
  const float cn = px + 48, ck = px + 330, cd = px + 400, cp = px + 500;
  float y = py + 44;
  text(FontId::Small, "PLAYER", cn, y, palette::kTextDim);
  text(FontId::Small, "KILLS", ck, y, palette::kTextDim, 2);
  text(FontId::Small, "DEATHS", cd, y, palette::kTextDim, 2);
  text(FontId::Small, "PING", cp, y, palette::kTextDim, 2);
  y += 20;
  for (const proto::PlayerInfo& p : rows) {
    if (p.slot == f.session->own_slot)
      fill_rect(px + 6, y - 2, pw - 12, row_h - 2, {40, 48, 66}, 255);
    fill_circle(px + 28, y + row_h / 2 - 2, 6, ship_colour(p.slot));
    text(FontId::Normal, p.name, cn, y + 1, palette::kText);
    if (p.bot)
      text(FontId::Small, "bot", cn + static_cast<float>(text_width(FontId::Normal, p.name)) + 8,
           y + 3, palette::kTextDim);
    text(FontId::Normal, std::to_string(p.score), ck, y + 1, palette::kText, 2);
    text(FontId::Normal, std::to_string(p.deaths), cd, y + 1, palette::kText, 2);
    text(FontId::Normal, p.bot ? "-" : std::to_string(p.ping_ms), cp, y + 1, palette::kTextDim, 2);
    y += row_h;
  }
}

}  // namespace arena::render
