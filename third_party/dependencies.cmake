# Imported targets for the engine's system dependencies (Debian 12 packages).
# ENet, libsodium and libpcap ship only pkg-config files, so they come through
# pkg_check_modules; the rest ship CMake package configs.
#
# Two users: the top-level build (include()d from CMakeLists.txt, where a
# missing package must stop the configure with its name), and an installed
# tickwire's package config (where find_dependency reports it to the game).
include(CMakeFindDependencyMacro)

if(CMAKE_FIND_PACKAGE_NAME)
  # Inside find_package(tickwire): report, do not abort the game's configure.
  find_dependency(PkgConfig)
  set(_tickwire_required "")
else()
  find_package(PkgConfig REQUIRED)
  set(_tickwire_required REQUIRED)
endif()

if(NOT TARGET PkgConfig::tickwire_enet)
  pkg_check_modules(tickwire_enet ${_tickwire_required} IMPORTED_TARGET GLOBAL libenet>=1.3.17)
endif()
if(NOT TARGET PkgConfig::tickwire_sodium)
  pkg_check_modules(tickwire_sodium ${_tickwire_required} IMPORTED_TARGET GLOBAL libsodium>=1.0.18)
endif()
# libpcap writes packet traces (TransportSettings::capture_path).
if(NOT TARGET PkgConfig::tickwire_pcap)
  pkg_check_modules(tickwire_pcap ${_tickwire_required} IMPORTED_TARGET GLOBAL libpcap>=1.10)
endif()
if(CMAKE_FIND_PACKAGE_NAME AND (NOT TARGET PkgConfig::tickwire_enet OR NOT TARGET PkgConfig::tickwire_sodium
                                OR NOT TARGET PkgConfig::tickwire_pcap))
  set(${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
      "tickwire needs libenet-dev (>= 1.3.17), libsodium-dev (>= 1.0.18) and libpcap-dev (>= 1.10), found through pkg-config")
  set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
  return()
endif()

# Everything below is for building tickwire itself: FlatBuffers (the engine
# uses its headers privately), and the tools, tests and sample game.
if(NOT CMAKE_FIND_PACKAGE_NAME)
  find_package(FlatBuffers REQUIRED)
  find_program(TICKWIRE_FLATC flatc REQUIRED)
  if(TICKWIRE_BUILD_TESTS)
    find_package(GTest REQUIRED)
    find_package(benchmark REQUIRED)
    find_package(SDL2 REQUIRED)
    find_package(SDL2_ttf REQUIRED)
    find_package(Threads REQUIRED)
  endif()
endif()
