// arena — drawing with SDL2's 2D renderer and SDL2_ttf.
//
// Owns the window, the renderer, the fonts and a bounded cache of text
// textures. The whole arena is scaled to fit the window (letterboxed), so
// every player sees the same field. Only this module includes SDL.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "client/game_client.hpp"
#include "client/net_graph.hpp"
#include "sim/world.hpp"

namespace arena::render {

struct Rgb {
  std::uint8_t r, g, b;
};

// The colour of the ship in `slot`: distinct for the first 12, then varied.
Rgb ship_colour(int slot) noexcept;

// Everything one frame shows. Pointers are borrowed for the draw() call.
struct Frame {
  const sim::World* world = nullptr;  // interpolated view
  const client::GameClient* client = nullptr;
  const client::NetGraph* graph = nullptr;
  double now_s = 0;  // client clock, seconds (kill feed ages)
  bool show_scoreboard = false;
  bool show_net_graph = true;
  // Debug overlay (G): the server's newest state of the own ship drawn as an
  // outline next to the predicted one.
  const sim::Ship* ghost = nullptr;
  std::string status;  // shown centred when not empty ("connecting to ...")
};

class Renderer {
 public:
  Renderer();
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Initialises SDL video and SDL_ttf, opens a resizable window (vsync when
  // the driver has it) and loads the fonts. False with `error` on failure.
  bool open(const std::string& title, int width, int height, std::string& error);

  // Draws one frame into the back buffer; present() shows it.
  void draw(const Frame& frame);
  void present();
  // Saves the back buffer (call between draw() and present()) as a BMP.
  bool save_bmp(const std::string& path, std::string& error);

  // Window pixels to world units, for aiming with the mouse.
  void window_to_world(int px, int py, float& wx, float& wy) const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace arena::render
