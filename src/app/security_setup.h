// Wires API security into a starting plant: the credential store and audit trail in the data
// folder, the first admin (password printed once), for `gantry demo` a viewer token and
// <data>/demo-credentials.json, and the TLS / one-way / guard settings of the API server.
//
//   ApiOptions api_options; ...
//   GANTRY_RETURN_IF_ERROR(ConfigureApiSecurity(cfg, /*demo=*/true, api_options));
#pragma once

#include "api/http_server.h"
#include "app/plant_config.h"
#include "core/status.h"

namespace gantry {

// Errors: IoError when the stores cannot be opened in cfg.data_dir.
Status ConfigureApiSecurity(const PlantConfig& cfg, bool demo, ApiOptions& options);

}  // namespace gantry
