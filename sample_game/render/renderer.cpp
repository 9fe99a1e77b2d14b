#include "render/renderer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "render/impl.hpp"

namespace arena::render {

namespace {

constexpr const char* kFontDir = "/usr/share/fonts/truetype/dejavu/";
constexpr float kPi = 3.14159265358979f;

constexpr std::array<Rgb, 12> kShipColours{{
    {86, 180, 255},   // sky blue
    {255, 112, 96},   // coral
    {120, 220, 110},  // green
    {255, 196, 64},   // amber
    {200, 124, 255},  // violet
    {64, 220, 210},   // teal
    {255, 128, 200},  // pink
    {230, 230, 120},  // lime-yellow
    {150, 160, 255},  // periwinkle
    {255, 160, 80},   // orange
    {120, 255, 180},  // mint
    {240, 240, 240},  // white
}};

std::string font_path(const char* file) {
  if (const char* dir = std::getenv("ARENA_FONT_DIR"); dir && *dir)
    return std::string(dir) + "/" + file;
  return std::string(kFontDir) + file;
}

Rgb darker(Rgb c, float k) {
  auto scale = [k](std::uint8_t v) { return static_cast<std::uint8_t>(static_cast<float>(v) * k); };
  return {scale(c.r), scale(c.g), scale(c.b)};
}

Rgb health_colour(int health) {
  if (health > 60) return palette::kGood;
  if (health > 30) return palette::kAccent;
  return palette::kBad;
}

}  // namespace

Rgb ship_colour(int slot) noexcept {
  const Rgb base = kShipColours[static_cast<std::size_t>(slot) % kShipColours.size()];
  if (slot < static_cast<int>(kShipColours.size())) return base;
  return darker(base, slot < 24 ? 0.75f : 0.6f);
}

Renderer::Impl::~Impl() {
  for (auto& [key, t] : texts) SDL_DestroyTexture(t.texture);
  for (TTF_Font*& f : fonts)
    if (f) TTF_CloseFont(f);
  if (sdl) SDL_DestroyRenderer(sdl);
  if (window) SDL_DestroyWindow(window);
  if (ttf_up) TTF_Quit();
  if (sdl_up) SDL_Quit();
}

void Renderer::Impl::colour(Rgb c, std::uint8_t a) {
  SDL_SetRenderDrawColor(sdl, c.r, c.g, c.b, a);
}

void Renderer::Impl::fill_rect(float x, float y, float w, float h, Rgb c, std::uint8_t a) {
  colour(c, a);
  const SDL_FRect r{x, y, w, h};
  SDL_RenderFillRectF(sdl, &r);
}

void Renderer::Impl::outline_rect(float x, float y, float w, float h, Rgb c, std::uint8_t a) {
  colour(c, a);
  const SDL_FRect r{x, y, w, h};
  SDL_RenderDrawRectF(sdl, &r);
}

void Renderer::Impl::line(float x0, float y0, float x1, float y1, Rgb c, std::uint8_t a) {
  colour(c, a);
  SDL_RenderDrawLineF(sdl, x0, y0, x1, y1);
}

void Renderer::Impl::fill_circle(float cx, float cy, float r, Rgb c, std::uint8_t a) {
  const int segments = std::clamp(static_cast<int>(r * 1.5f), 12, 48);
  const SDL_Color col{c.r, c.g, c.b, a};
  verts.clear();
  for (int i = 0; i < segments; ++i) {
    const float a0 = 2 * kPi * static_cast<float>(i) / static_cast<float>(segments);
    const float a1 = 2 * kPi * static_cast<float>(i + 1) / static_cast<float>(segments);
    verts.push_back({{cx, cy}, col, {0, 0}});
    verts.push_back({{cx + std::cos(a0) * r, cy + std::sin(a0) * r}, col, {0, 0}});
    verts.push_back({{cx + std::cos(a1) * r, cy + std::sin(a1) * r}, col, {0, 0}});
  }
  SDL_RenderGeometry(sdl, nullptr, verts.data(), static_cast<int>(verts.size()), nullptr, 0);
}

void Renderer::Impl::ring(float cx, float cy, float r, float thickness, Rgb c, std::uint8_t a) {
  const int segments = std::clamp(static_cast<int>(r * 1.5f), 16, 64);
  const SDL_Color col{c.r, c.g, c.b, a};
  const float r0 = r - thickness / 2, r1 = r + thickness / 2;
  verts.clear();
  for (int i = 0; i < segments; ++i) {
    const float a0 = 2 * kPi * static_cast<float>(i) / static_cast<float>(segments);
    const float a1 = 2 * kPi * static_cast<float>(i + 1) / static_cast<float>(segments);
    const SDL_FPoint p0{cx + std::cos(a0) * r0, cy + std::sin(a0) * r0};
    const SDL_FPoint p1{cx + std::cos(a0) * r1, cy + std::sin(a0) * r1};
    const SDL_FPoint p2{cx + std::cos(a1) * r0, cy + std::sin(a1) * r0};
    const SDL_FPoint p3{cx + std::cos(a1) * r1, cy + std::sin(a1) * r1};
    verts.push_back({p0, col, {0, 0}});
    verts.push_back({p1, col, {0, 0}});
    verts.push_back({p3, col, {0, 0}});
    verts.push_back({p0, col, {0, 0}});
    verts.push_back({p3, col, {0, 0}});
    verts.push_back({p2, col, {0, 0}});
  }
  SDL_RenderGeometry(sdl, nullptr, verts.data(), static_cast<int>(verts.size()), nullptr, 0);
}

void Renderer::Impl::triangle(float x0, float y0, float x1, float y1, float x2, float y2, Rgb c,
                              std::uint8_t a) {
  const SDL_Color col{c.r, c.g, c.b, a};
  const SDL_Vertex v[3] = {
      {{x0, y0}, col, {0, 0}}, {{x1, y1}, col, {0, 0}}, {{x2, y2}, col, {0, 0}}};
  SDL_RenderGeometry(sdl, nullptr, v, 3, nullptr, 0);
}

const Renderer::Impl::Text* Renderer::Impl::text_texture(FontId font, const std::string& s, Rgb c) {
  if (s.empty()) return nullptr;
  std::string key;
  key.reserve(s.size() + 8);
  key.push_back(static_cast<char>('0' + static_cast<int>(font)));
  key.push_back(static_cast<char>(c.r));
  key.push_back(static_cast<char>(c.g));
  key.push_back(static_cast<char>(c.b));
  key += s;
  if (auto it = texts.find(key); it != texts.end()) {
    lru.splice(lru.begin(), lru, it->second.lru);
    return &it->second;
  }
  TTF_Font* f = fonts[static_cast<int>(font)];
  SDL_Surface* surface = TTF_RenderUTF8_Blended(f, s.c_str(), SDL_Color{c.r, c.g, c.b, 255});
  if (!surface) return nullptr;
  SDL_Texture* texture = SDL_CreateTextureFromSurface(sdl, surface);
  const int w = surface->w, h = surface->h;
  SDL_FreeSurface(surface);
  if (!texture) return nullptr;
  while (texts.size() >= kMaxTexts) {
    auto old = texts.find(lru.back());
    SDL_DestroyTexture(old->second.texture);
    texts.erase(old);
    lru.pop_back();
  }
  lru.push_front(key);
  Text& t = texts[key];
  t = {texture, w, h, lru.begin()};
  return &t;
}

int Renderer::Impl::text(FontId font, const std::string& s, float x, float y, Rgb c, int align,
                         std::uint8_t a) {
  const Text* t = text_texture(font, s, c);
  if (!t) return 0;
  float left = x;
  if (align == 1) left = x - static_cast<float>(t->w) / 2;
  if (align == 2) left = x - static_cast<float>(t->w);
  const SDL_FRect dst{std::round(left), std::round(y), static_cast<float>(t->w),
                      static_cast<float>(t->h)};
  SDL_SetTextureAlphaMod(t->texture, a);
  SDL_RenderCopyF(sdl, t->texture, nullptr, &dst);
  return t->w;
}

int Renderer::Impl::text_width(FontId font, const std::string& s) {
  int w = 0, h = 0;
  if (TTF_SizeUTF8(fonts[static_cast<int>(font)], s.c_str(), &w, &h) != 0) return 0;
  return w;
}

Renderer::Renderer() : impl_(std::make_unique<Impl>()) {}
Renderer::~Renderer() = default;

bool Renderer::open(const std::string& title, int width, int height, std::string& error) {
  Impl& m = *impl_;
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    error = std::string("cannot start SDL video (is DISPLAY set?): ") + SDL_GetError();
    return false;
  }
  m.sdl_up = true;
  if (TTF_Init() != 0) {
    error = std::string("cannot start SDL_ttf: ") + TTF_GetError();
    return false;
  }
  m.ttf_up = true;
  const char* files[4] = {"DejaVuSans.ttf", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                          "DejaVuSans-Bold.ttf"};
  const int sizes[4] = {12, 14, 14, 22};
  for (int i = 0; i < 4; ++i) {
    const std::string path = font_path(files[i]);
    m.fonts[i] = TTF_OpenFont(path.c_str(), sizes[i]);
    if (!m.fonts[i]) {
      error = "cannot load the font " + path + " (install fonts-dejavu-core): " + TTF_GetError();
      return false;
    }
    TTF_SetFontHinting(m.fonts[i], TTF_HINTING_LIGHT);
  }
  SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "1");
  m.window = SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width,
                              height, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!m.window) {
    error = std::string("cannot open a window: ") + SDL_GetError();
    return false;
  }
  m.sdl = SDL_CreateRenderer(m.window, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
  if (!m.sdl) m.sdl = SDL_CreateRenderer(m.window, -1, SDL_RENDERER_SOFTWARE);
  if (!m.sdl) {
    error = std::string("cannot create a renderer: ") + SDL_GetError();
    return false;
  }
  SDL_SetRenderDrawBlendMode(m.sdl, SDL_BLENDMODE_BLEND);
  return true;
}

void Renderer::window_to_world(int px, int py, float& wx, float& wy) const noexcept {
  const Impl& m = *impl_;
  // Mouse coordinates are in window points; the output may be larger (HiDPI).
  int ww = 0, wh = 0;
  SDL_GetWindowSize(m.window, &ww, &wh);
  const float k = ww > 0 ? static_cast<float>(m.width) / static_cast<float>(ww) : 1.0f;
  wx = (static_cast<float>(px) * k - m.ox) / m.scale;
  wy = (static_cast<float>(py) * k - m.oy) / m.scale;
}

double Renderer::timeline_seconds_at(int px, int py) const noexcept {
  const Impl& m = *impl_;
  if (m.timeline_rect.w <= 0) return -1;
  int ww = 0, wh = 0;
  SDL_GetWindowSize(m.window, &ww, &wh);
  const float k = ww > 0 ? static_cast<float>(m.width) / static_cast<float>(ww) : 1.0f;
  const float x = static_cast<float>(px) * k, y = static_cast<float>(py) * k;
  const auto& r = m.timeline_rect;
  if (x < r.x || x > r.x + r.w || y < r.y || y > r.y + r.h) return -1;
  return static_cast<double>((x - r.x) / r.w) * r.duration_s;
}

const proto::PlayerInfo* Session::player(int slot) const noexcept {
  if (!scoreboard) return nullptr;
  for (const proto::PlayerInfo& p : scoreboard->players)
    if (p.slot == slot) return &p;
  return nullptr;
}

Session session_of(const client::GameClient& c, const client::ClientStats& stats) {
  Session s;
  s.server = c.server_address();
  s.own_slot = c.slot();
  s.scoreboard = &c.scoreboard();
  s.kill_feed = &c.kill_feed();
  s.stats = &stats;
  return s;
}

void Renderer::draw(const Frame& f) {
  Impl& m = *impl_;
  SDL_GetRendererOutputSize(m.sdl, &m.width, &m.height);
  const float margin = 12, top = 34;
  const float bottom = margin + (f.timeline ? kTimelineHeight + 8 : 0) +
                       (f.show_net_graph && f.graph ? kNetGraphHeight + 8 : 0);
  const float avail_w = static_cast<float>(m.width) - 2 * margin;
  const float avail_h = static_cast<float>(m.height) - top - bottom;
  m.scale = std::max(0.05f, std::min(avail_w / sim::kArenaWidth, avail_h / sim::kArenaHeight));
  m.ox = std::round((static_cast<float>(m.width) - sim::kArenaWidth * m.scale) / 2);
  m.oy = std::round(top + (avail_h - sim::kArenaHeight * m.scale) / 2);

  m.colour(palette::kBackground);
  SDL_RenderClear(m.sdl);

  // Floor and grid (50 units minor, 200 major).
  m.fill_rect(m.wx(0), m.wy(0), sim::kArenaWidth * m.scale, sim::kArenaHeight * m.scale,
              palette::kFloor);
  for (int x = 50; x < static_cast<int>(sim::kArenaWidth); x += 50) {
    const Rgb c = x % 200 == 0 ? palette::kGridMajor : palette::kGridMinor;
    m.line(m.wx(static_cast<float>(x)), m.wy(0), m.wx(static_cast<float>(x)),
           m.wy(sim::kArenaHeight) - 1, c);
  }
  for (int y = 50; y < static_cast<int>(sim::kArenaHeight); y += 50) {
    const Rgb c = y % 200 == 0 ? palette::kGridMajor : palette::kGridMinor;
    m.line(m.wx(0), m.wy(static_cast<float>(y)), m.wx(sim::kArenaWidth) - 1,
           m.wy(static_cast<float>(y)), c);
  }
  m.outline_rect(m.wx(0) - 1, m.wy(0) - 1, sim::kArenaWidth * m.scale + 2,
                 sim::kArenaHeight * m.scale + 2, palette::kBorder);
  m.outline_rect(m.wx(0) - 2, m.wy(0) - 2, sim::kArenaWidth * m.scale + 4,
                 sim::kArenaHeight * m.scale + 4, palette::kBorder, 120);

  // Walls: a soft shadow, the block, a lighter rim.
  for (const sim::Wall& w : sim::walls()) {
    const float x = m.wx(w.x), y = m.wy(w.y), ww = w.w * m.scale, wh = w.h * m.scale;
    m.fill_rect(x + 3, y + 4, ww, wh, {0, 0, 0}, 90);
    m.fill_rect(x, y, ww, wh, palette::kWall);
    m.outline_rect(x, y, ww, wh, palette::kWallEdge);
    m.line(x + 1, y + 1, x + ww - 2, y + 1, {150, 162, 190});
  }

  if (f.world) {
    const sim::World& world = *f.world;
    const int own = f.session ? f.session->own_slot : -1;
    // Projectiles under the ships: a short tail and a bright core.
    for (const sim::Projectile& p : world.projectiles) {
      if (!p.active) continue;
      const Rgb c = ship_colour(p.owner);
      const float x = m.wx(p.x), y = m.wy(p.y);
      const float tx = m.wx(p.x - p.vx * 0.035f), ty = m.wy(p.y - p.vy * 0.035f);
      m.line(tx, ty, x, y, c, 110);
      m.fill_circle(x, y, std::max(2.0f, sim::kProjectileRadius * m.scale * 1.1f), c);
      m.fill_circle(x, y, std::max(1.0f, sim::kProjectileRadius * m.scale * 0.5f), {255, 255, 255},
                    200);
    }
    if (f.ghost != nullptr && f.ghost->alive) {
      // Where the server last had the own ship (a round trip and a snapshot
      // behind the predicted one): an outline and a line to the prediction.
      const float gx = m.wx(f.ghost->x), gy = m.wy(f.ghost->y), r = sim::kShipRadius * m.scale;
      const Rgb c{255, 255, 255};
      for (int k = 0; k < 24; ++k) {
        const float a0 = 6.2831853f * static_cast<float>(k) / 24, a1 = a0 + 6.2831853f / 24;
        m.line(gx + r * std::cos(a0), gy + r * std::sin(a0), gx + r * std::cos(a1),
               gy + r * std::sin(a1), c, 200);
      }
      if (own >= 0) {
        const sim::Ship& me = world.ships[static_cast<std::size_t>(own)];
        if (me.active && me.alive) m.line(gx, gy, m.wx(me.x), m.wy(me.y), c, 90);
      }
    }
    for (int i = 0; i < sim::kMaxPlayers; ++i) {
      const sim::Ship& s = world.ships[static_cast<std::size_t>(i)];
      if (!s.active || !s.alive) continue;
      const Rgb c = ship_colour(i);
      const float x = m.wx(s.x), y = m.wy(s.y), r = sim::kShipRadius * m.scale;
      // Nose: a triangle pointing where the ship aims.
      const float nx = s.aim_x, ny = s.aim_y;
      m.fill_circle(x + 2, y + 3, r, {0, 0, 0}, 80);
      m.triangle(x + nx * r * 1.75f, y + ny * r * 1.75f, x - ny * r * 0.62f, y + nx * r * 0.62f,
                 x + ny * r * 0.62f, y - nx * r * 0.62f, darker(c, 0.8f));
      m.fill_circle(x, y, r, darker(c, 0.55f));
      m.fill_circle(x, y, r * 0.78f, c);
      m.fill_circle(x - r * 0.25f, y - r * 0.25f, r * 0.28f, {255, 255, 255}, 70);
      if (i == own) m.ring(x, y, r + 4, 2, {255, 255, 255}, 200);

      // Name above, health bar below.
      const proto::PlayerInfo* info = f.session ? f.session->player(i) : nullptr;
      const std::string name = info ? info->name : "#" + std::to_string(i);
      m.text(FontId::Small, name, x, y - r - 19, i == own ? palette::kText : darker(c, 0.95f), 1);
      const float bw = std::max(28.0f, r * 2.6f), bh = 4;
      const float bx = std::round(x - bw / 2), by = std::round(y + r + 6);
      m.fill_rect(bx - 1, by - 1, bw + 2, bh + 2, {0, 0, 0}, 160);
      m.fill_rect(bx, by, bw * static_cast<float>(s.health) / sim::kMaxHealth, bh,
                  health_colour(s.health));
    }
    // The local player, dead: a countdown at the top of the arena (the
    // scoreboard, when up, takes the middle).
    if (own >= 0 && world.ships[static_cast<std::size_t>(own)].active &&
        !world.ships[static_cast<std::size_t>(own)].alive) {
      const sim::Ship& s = world.ships[static_cast<std::size_t>(own)];
      char buf[64];
      std::snprintf(buf, sizeof buf, "respawning in %.1f s",
                    static_cast<double>(s.respawn_ticks) * sim::kTickSeconds);
      const float cx = m.wx(sim::kArenaWidth / 2), top = m.wy(0) + 40;
      m.fill_rect(cx - 130, top, 260, 40, palette::kPanel, 210);
      m.outline_rect(cx - 130, top, 260, 40, palette::kBad, 160);
      m.text(FontId::Big, buf, cx, top + 7, palette::kBad, 1);
    }
  }

  m.draw_top_bar(f);
  m.draw_kill_feed(f);
  m.timeline_rect = {};
  if (f.timeline) m.draw_timeline(*f.timeline);
  if (f.show_net_graph) m.draw_net_graph(f);
  if (f.show_scoreboard) m.draw_scoreboard(f);
  if (!f.status.empty()) {
    const bool detail = !f.status_detail.empty();
    const float w = static_cast<float>(std::max(m.text_width(FontId::Big, f.status),
                                                m.text_width(FontId::Normal, f.status_detail)) +
                                       40);
    const float h = detail ? 84 : 56;
    const float cx = static_cast<float>(m.width) / 2, cy = static_cast<float>(m.height) / 2;
    m.fill_rect(cx - w / 2, cy - h / 2, w, h, palette::kPanel, 235);
    if (f.alert) m.outline_rect(cx - w / 2, cy - h / 2, w, h, palette::kBad);
    m.text(FontId::Big, f.status, cx, cy - h / 2 + 14, f.alert ? palette::kBad : palette::kText, 1);
    if (detail) m.text(FontId::Normal, f.status_detail, cx, cy + 8, palette::kTextDim, 1);
  }
}

void Renderer::present() {
  SDL_RenderPresent(impl_->sdl);
}

bool Renderer::save_bmp(const std::string& path, std::string& error) {
  Impl& m = *impl_;
  SDL_Surface* s =
      SDL_CreateRGBSurfaceWithFormat(0, m.width, m.height, 32, SDL_PIXELFORMAT_ARGB8888);
  if (!s) {
    error = SDL_GetError();
    return false;
  }
  bool ok =
      SDL_RenderReadPixels(m.sdl, nullptr, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0;
  if (ok) {
    // Opaque: the back buffer's alpha is meaningless.
    for (int y = 0; y < s->h; ++y) {
      auto* row = reinterpret_cast<std::uint32_t*>(static_cast<std::uint8_t*>(s->pixels) +
                                                   static_cast<std::ptrdiff_t>(y) * s->pitch);
      for (int x = 0; x < s->w; ++x) row[x] |= 0xFF000000u;
    }
    ok = SDL_SaveBMP(s, path.c_str()) == 0;
  }
  if (!ok) error = SDL_GetError();
  SDL_FreeSurface(s);
  return ok;
}

}  // namespace arena::render
