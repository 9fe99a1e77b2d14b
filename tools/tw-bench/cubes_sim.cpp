#include "cubes_sim.hpp"

#include <ode/ode.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace twbench {
namespace {

constexpr double kGravity = 9.81;         // m/s^2
constexpr double kCubeSize = 1.0;         // small cube edge, m
constexpr double kPlayerSize = 4.0;       // player cube edge, m
constexpr double kDensity = 1.0;          // kg/m^3 (only ratios matter)
constexpr double kGridSpacing = 1.25;     // between small cube centres, m
constexpr double kWall = 31.0;            // walls at x, y = +-kWall, m
constexpr double kWaypointRange = 20.0;   // waypoints within +-this in x and y, m
constexpr double kWaypointReached = 3.0;  // m
constexpr int kWaypointTimeout = 8 * 60;  // frames before giving up on a waypoint
constexpr std::size_t kWaypoints = 32;    // then the tour repeats
constexpr double kRollTorque = 3.0;       // x the torque that tips the player over an edge
constexpr double kPushForce = 1.5;        // x the player's weight, horizontal
constexpr double kMaxSpin = 12.0;         // rad/s: no more roll torque above this
constexpr int kJumpEvery = 3 * 60;        // frames between the player's jumps
constexpr double kJumpSpeed = 6.0;        // m/s, upward
constexpr int kMaxContacts = 4;           // per colliding pair of geoms
constexpr double kFriction = 0.5;

}  // namespace

struct CubesSim::World {
  dWorldID world = nullptr;
  dSpaceID space = nullptr;
  dJointGroupID contacts = nullptr;
  std::vector<dBodyID> bodies;                     // index 0 the player
  std::array<double, 2 * kWaypoints> waypoints{};  // x, y pairs
  std::size_t waypoint = 0;
  int waypoint_frames = 0;
  std::uint64_t frame = 0;

  static void near(void* data, dGeomID a, dGeomID b) {
    auto* self = static_cast<World*>(data);
    const dBodyID ba = dGeomGetBody(a);
    const dBodyID bb = dGeomGetBody(b);
    // Two sleeping bodies (or a sleeping body and the static world) need no
    // contact; ODE wakes a sleeper when an awake body's contact joins it.
    const bool awake_a = ba != nullptr && dBodyIsEnabled(ba) != 0;
    const bool awake_b = bb != nullptr && dBodyIsEnabled(bb) != 0;
    if (!awake_a && !awake_b) return;
    std::array<dContact, kMaxContacts> contact{};
    const int n = dCollide(a, b, kMaxContacts, &contact[0].geom, sizeof(dContact));
    for (int i = 0; i < n; ++i) {
      contact[i].surface.mode = dContactApprox1;
      contact[i].surface.mu = kFriction;
      const dJointID j = dJointCreateContact(self->world, self->contacts, &contact[i]);
      dJointAttach(j, ba, bb);
    }
  }

  dBodyID add_box(double size, double x, double y, double yaw) {
    const dBodyID body = dBodyCreate(world);
    dMass mass;
    dMassSetBox(&mass, kDensity, size, size, size);
    dBodySetMass(body, &mass);
    dBodySetPosition(body, x, y, size / 2);
    dMatrix3 r;
    dRFromAxisAndAngle(r, 0, 0, 1, yaw);
    dBodySetRotation(body, r);
    const dGeomID geom = dCreateBox(space, size, size, size);
    dGeomSetBody(geom, body);
    return body;
  }

  // Rolls the player toward the current waypoint: a torque about z x d tips
  // it over its leading edge, a horizontal force keeps it going.
  void drive() {
    const dBodyID player = bodies[0];
    const dReal* p = dBodyGetPosition(player);
    double dx = waypoints[2 * waypoint] - p[0];
    double dy = waypoints[2 * waypoint + 1] - p[1];
    const double distance = std::hypot(dx, dy);
    if (distance < kWaypointReached || ++waypoint_frames > kWaypointTimeout) {
      waypoint = (waypoint + 1) % kWaypoints;
      waypoint_frames = 0;
      return;
    }
    dx /= distance;
    dy /= distance;
    dBodyEnable(player);  // the player never sleeps
    const double mass = kDensity * kPlayerSize * kPlayerSize * kPlayerSize;
    const double tip = mass * kGravity * kPlayerSize / 2;  // torque to tip over an edge, N m
    const dReal* w = dBodyGetAngularVel(player);
    if (std::sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]) < kMaxSpin)
      dBodyAddTorque(player, -dy * kRollTorque * tip, dx * kRollTorque * tip, 0);
    dBodyAddForce(player, dx * kPushForce * mass * kGravity, dy * kPushForce * mass * kGravity, 0);
    // Now and then a jump: the landing scatters the cubes around it.
    if (++frame % kJumpEvery == 0 && p[2] < kPlayerSize) {
      const dReal* v = dBodyGetLinearVel(player);
      dBodySetLinearVel(player, v[0], v[1], kJumpSpeed);
    }
  }
};

CubesSim::CubesSim(std::uint32_t seed) : world_(std::make_unique<World>()) {
  dInitODE2(0);
  dRandSetSeed(seed);
  World& w = *world_;
  w.world = dWorldCreate();
  w.space = dHashSpaceCreate(nullptr);
  w.contacts = dJointGroupCreate(0);
  dWorldSetGravity(w.world, 0, 0, -kGravity);
  dWorldSetERP(w.world, 0.2);
  dWorldSetCFM(w.world, 1e-5);
  dWorldSetContactMaxCorrectingVel(w.world, 1.0);
  dWorldSetContactSurfaceLayer(w.world, 0.001);
  dWorldSetQuickStepNumIterations(w.world, 20);
  dWorldSetLinearDamping(w.world, 0.01);
  dWorldSetAngularDamping(w.world, 0.01);
  dWorldSetAutoDisableFlag(w.world, 1);
  dWorldSetAutoDisableLinearThreshold(w.world, 0.05);   // m/s
  dWorldSetAutoDisableAngularThreshold(w.world, 0.05);  // rad/s
  dWorldSetAutoDisableAverageSamplesCount(w.world, 10);
  dWorldSetAutoDisableSteps(w.world, 10);

  dCreatePlane(w.space, 0, 0, 1, 0);  // ground
  dCreatePlane(w.space, 1, 0, 0, -kWall);
  dCreatePlane(w.space, -1, 0, 0, -kWall);
  dCreatePlane(w.space, 0, 1, 0, -kWall);
  dCreatePlane(w.space, 0, -1, 0, -kWall);

  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> yaw(-0.2, 0.2);
  std::uniform_real_distribution<double> spot(-kWaypointRange, kWaypointRange);
  for (double& c : w.waypoints) c = spot(rng);

  const double corner = -kGridSpacing * (kGrid - 1) / 2;
  w.bodies.push_back(w.add_box(kPlayerSize, corner - 4, corner - 4, 0));
  for (std::size_t row = 0; row < kGrid; ++row)
    for (std::size_t col = 0; col < kGrid; ++col)
      w.bodies.push_back(w.add_box(kCubeSize, corner + kGridSpacing * static_cast<double>(col),
                                   corner + kGridSpacing * static_cast<double>(row), yaw(rng)));
}

CubesSim::~CubesSim() {
  dJointGroupDestroy(world_->contacts);
  dSpaceDestroy(world_->space);  // destroys its geoms
  dWorldDestroy(world_->world);  // destroys its bodies
  dCloseODE();
}

void CubesSim::step() {
  World& w = *world_;
  w.drive();
  dSpaceCollide(w.space, &w, &World::near);
  dWorldQuickStep(w.world, kStepSeconds);
  dJointGroupEmpty(w.contacts);
  ++frames_;
}

CubeState CubesSim::state(std::size_t cube) const {
  const dBodyID body = world_->bodies[cube];
  const dReal* p = dBodyGetPosition(body);
  const dReal* q = dBodyGetQuaternion(body);  // ODE order: w, x, y, z
  CubeState s;
  s.position[0] = p[0];
  s.position[1] = p[1];
  s.position[2] = p[2];
  s.orientation[0] = q[1];
  s.orientation[1] = q[2];
  s.orientation[2] = q[3];
  s.orientation[3] = q[0];
  s.interacting = dBodyIsEnabled(body) != 0;
  return s;
}

}  // namespace twbench
