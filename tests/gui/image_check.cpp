// Checks a screenshot of an arena window (a BMP from `arena --screenshot`):
// the size, that it is not blank, that it has many colours, that the floor,
// text and at least three ships (their exact body colours) were drawn.
// usage: arena_image_check FILE.bmp [WIDTH HEIGHT]; exit 0 when it passes.
#include <SDL.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace {

struct Rgb {
  int r, g, b;
};

// sample_game/render: the floor and the first four ship colours (slots 0..3:
// the local player and three bots of a local match).
constexpr Rgb kFloor{22, 26, 35};
constexpr std::array<Rgb, 4> kShips{
    {{86, 180, 255}, {255, 112, 96}, {120, 220, 110}, {255, 196, 64}}};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4) {
    std::fprintf(stderr, "usage: arena_image_check FILE.bmp [WIDTH HEIGHT]\n");
    return 2;
  }
  SDL_Surface* loaded = SDL_LoadBMP(argv[1]);
  if (!loaded) {
    std::fprintf(stderr, "FAIL: cannot read %s: %s\n", argv[1], SDL_GetError());
    return 1;
  }
  SDL_Surface* s = SDL_ConvertSurfaceFormat(loaded, SDL_PIXELFORMAT_ARGB8888, 0);
  SDL_FreeSurface(loaded);
  if (!s) {
    std::fprintf(stderr, "FAIL: cannot convert %s: %s\n", argv[1], SDL_GetError());
    return 1;
  }
  int failures = 0;
  auto check = [&](bool ok, const char* what, long value) {
    std::printf("%s: %s (%ld)\n", ok ? "ok  " : "FAIL", what, value);
    failures += !ok;
  };
  if (argc == 4) {
    check(s->w == std::atoi(argv[2]) && s->h == std::atoi(argv[3]), "size as requested",
          static_cast<long>(s->w) * 10000 + s->h);
  }
  std::set<std::uint32_t> colours;
  long floor = 0, bright = 0, total = static_cast<long>(s->w) * s->h;
  std::array<long, kShips.size()> ship_pixels{};
  for (int y = 0; y < s->h; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(
        static_cast<const std::uint8_t*>(s->pixels) + y * s->pitch);
    for (int x = 0; x < s->w; ++x) {
      const std::uint32_t p = row[x] & 0xFFFFFFu;
      const Rgb c{static_cast<int>(p >> 16), static_cast<int>((p >> 8) & 0xFF),
                  static_cast<int>(p & 0xFF)};
      if (colours.size() < 100000) colours.insert(p);
      floor += c.r == kFloor.r && c.g == kFloor.g && c.b == kFloor.b;
      bright += c.r + c.g + c.b > 600;  // text and highlights
      for (std::size_t i = 0; i < kShips.size(); ++i)
        ship_pixels[i] += c.r == kShips[i].r && c.g == kShips[i].g && c.b == kShips[i].b;
    }
  }
  SDL_FreeSurface(s);
  check(colours.size() >= 50, "at least 50 distinct colours", static_cast<long>(colours.size()));
  check(floor > total / 4, "the arena floor covers a quarter of the window", floor);
  check(floor < total * 9 / 10, "and is not all there is", floor);
  check(bright > 300, "text is drawn (bright pixels)", bright);
  int ships = 0;
  for (std::size_t i = 0; i < kShips.size(); ++i) {
    std::printf("      ship colour %zu: %ld pixels\n", i, ship_pixels[i]);
    ships += ship_pixels[i] >= 60;
  }
  check(ships >= 3, "at least 3 ships drawn (ship colours with >= 60 pixels)", ships);
  return failures ? 1 : 0;
}
