// `gantry replay --from T --to T` straight from the historian: the samples of every tag the
// operations rules use, read for [from, to) (plus the last sample before `from` of each, so the
// state and counter baselines at `from` are known), merged in time order and replayed. Lets a
// plant test new rules on old data.
//
//   in.config_path = "plant-new-rules.yaml"; in.from = ...; in.to = ...;
//   GANTRY_ASSIGN_OR_RETURN(std::string report, ReplayFromHistorian(in, *historian));
#pragma once

#include <string>
#include <vector>

#include "context/replay.h"
#include "core/status.h"

namespace gantry::historian {
class Historian;
}

namespace gantry::ctx {

// The tag paths the operations part of a configuration reads, in configuration order, each once.
// Errors: the configuration's.
Result<std::vector<std::string>> OperationsTagPaths(const ReplayInput& input);

// Requires input.from and input.to; input.samples_csv is ignored. A tag with no stored series is
// simply absent (its work centre shows no data). Errors: configuration, historian reads.
Result<std::string> ReplayFromHistorian(const ReplayInput& input, historian::Historian& store);

}  // namespace gantry::ctx
