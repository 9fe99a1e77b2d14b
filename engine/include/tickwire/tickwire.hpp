// tickwire — the whole public API.
#pragma once

#include "tickwire/channel.hpp"
#include "tickwire/client.hpp"
#include "tickwire/conditioner.hpp"
#include "tickwire/event.hpp"
#include "tickwire/replication.hpp"
#include "tickwire/replicator.hpp"
#include "tickwire/server.hpp"
#include "tickwire/settings.hpp"
#include "tickwire/stats.hpp"
#include "tickwire/status.hpp"
#include "tickwire/token.hpp"
#include "tickwire/version.hpp"
