// Private to render/: the renderer's state and drawing primitives.
#pragma once

#include <SDL.h>
#include <SDL_ttf.h>

#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "render/renderer.hpp"

namespace arena::render {

// Height of tw-trace view's timeline strip, pixels.
inline constexpr float kTimelineHeight = 56;
// Height of the net graph's strip under the arena (F3), pixels.
inline constexpr float kNetGraphHeight = 68;

enum class FontId : int { Small = 0, Normal = 1, Bold = 2, Big = 3 };

struct Renderer::Impl {
  SDL_Window* window = nullptr;
  SDL_Renderer* sdl = nullptr;
  TTF_Font* fonts[4] = {};
  bool sdl_up = false, ttf_up = false;

  // World-to-window transform, refreshed at each draw: px = ox + wx * scale.
  float scale = 1, ox = 0, oy = 0;
  int width = 0, height = 0;  // output size, pixels

  // Text textures by (font, colour, text). Bounded: least recently used
  // entries are destroyed beyond kMaxTexts.
  struct Text {
    SDL_Texture* texture = nullptr;
    int w = 0, h = 0;
    std::list<std::string>::iterator lru;
  };
  static constexpr std::size_t kMaxTexts = 512;
  std::unordered_map<std::string, Text> texts;
  std::list<std::string> lru;     // front: most recently used
  std::vector<SDL_Vertex> verts;  // scratch for geometry

  ~Impl();

  // Primitives, in window pixels.
  void colour(Rgb c, std::uint8_t a = 255);
  void fill_rect(float x, float y, float w, float h, Rgb c, std::uint8_t a = 255);
  void outline_rect(float x, float y, float w, float h, Rgb c, std::uint8_t a = 255);
  void line(float x0, float y0, float x1, float y1, Rgb c, std::uint8_t a = 255);
  void fill_circle(float cx, float cy, float r, Rgb c, std::uint8_t a = 255);
  void ring(float cx, float cy, float r, float thickness, Rgb c, std::uint8_t a = 255);
  void triangle(float x0, float y0, float x1, float y1, float x2, float y2, Rgb c,
                std::uint8_t a = 255);
  // Draws text with its top-left (align 0), centre (1) or right edge (2) at x.
  // Returns the width drawn, pixels.
  int text(FontId font, const std::string& s, float x, float y, Rgb c, int align = 0,
           std::uint8_t a = 255);
  int text_width(FontId font, const std::string& s);
  const Text* text_texture(FontId font, const std::string& s, Rgb c);

  float wx(float x) const noexcept { return ox + x * scale; }
  float wy(float y) const noexcept { return oy + y * scale; }

  // Parts of a frame (hud.cpp).
  void draw_scoreboard(const Frame& f);
  void draw_net_graph(const Frame& f);
  void draw_kill_feed(const Frame& f);
  void draw_top_bar(const Frame& f);
  void draw_timeline(const Timeline& t);
  // Where the last timeline's strip was drawn, pixels (w 0: none).
  struct {
    float x = 0, y = 0, w = 0, h = 0;
    double duration_s = 0;
  } timeline_rect;
};

// Palette of the interface.
namespace palette {
inline constexpr Rgb kBackground{10, 12, 17};
inline constexpr Rgb kFloor{22, 26, 35};
inline constexpr Rgb kGridMinor{30, 35, 46};
inline constexpr Rgb kGridMajor{39, 45, 60};
inline constexpr Rgb kBorder{84, 96, 122};
inline constexpr Rgb kWall{64, 73, 94};
inline constexpr Rgb kWallEdge{104, 116, 146};
inline constexpr Rgb kText{226, 230, 238};
inline constexpr Rgb kTextDim{140, 148, 166};
inline constexpr Rgb kPanel{14, 17, 24};
inline constexpr Rgb kAccent{255, 206, 84};
inline constexpr Rgb kGood{92, 214, 120};
inline constexpr Rgb kBad{240, 90, 80};
}  // namespace palette

}  // namespace arena::render
