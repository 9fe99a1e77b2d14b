// tickwire — the whole public API.
#pragma once

#include "tickwire/channel.hpp"
#include "tickwire/client.hpp"
#include "tickwire/conditioner.hpp"
#include "tickwire/entity_store.hpp"
#include "tickwire/event.hpp"
#include "tickwire/prediction.hpp"
#include "tickwire/schema.hpp"
#include "tickwire/server.hpp"
#include "tickwire/settings.hpp"
#include "tickwire/snapshot.hpp"
#include "tickwire/snapshot_codec.hpp"
#include "tickwire/snapshot_stream.hpp"
#include "tickwire/stats.hpp"
#include "tickwire/status.hpp"
#include "tickwire/token.hpp"
#include "tickwire/version.hpp"
