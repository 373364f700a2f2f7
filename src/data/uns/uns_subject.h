// Unified Namespace subjects: a tag's ISA-95 path becomes a NATS subject (and later an MQTT topic)
// under a configurable prefix, one path segment per token. Characters that NATS forbids or treats
// specially in a token are escaped reversibly as %XX (docs/uns.md, "Subjects").
//
//   TagSubject("uns", "acme/plant1/packaging/line1/filler/speed")
//       == "uns.acme.plant1.packaging.line1.filler.speed"
//   TagSubject("uns", "acme/plant1/pack.aging/x") == "uns.acme.plant1.pack%2Eaging.x"
//   Result<std::string> p = PathFromSubject("uns.$current", "uns.$current.acme.plant1.x");
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace gantry::uns {

// One path segment as a NATS token: '%', '.', '*', '>', '/', '+', '#', every byte <= 0x20
// (space, tab, control) and >= 0x7F become %XX (two upper-case hex digits); everything else is
// kept. '+' and '#' (MQTT's wildcards) too, so that a subject becomes an MQTT topic by turning
// every '.' into '/'.
std::string EscapeToken(std::string_view segment);

// Inverse of EscapeToken. InvalidArgument for an empty token, a '%' not followed by two hex
// digits, or a raw character EscapeToken would have escaped.
Result<std::string> UnescapeToken(std::string_view token);

// "<prefix>.<seg1>.<seg2>...": each '/'-separated segment of `path` escaped with EscapeToken.
// `prefix` is used as given (it may hold several tokens, "site1.uns").
std::string TagSubject(std::string_view prefix, std::string_view path);

// The path a subject names below `prefix` (the inverse of TagSubject). InvalidArgument when the
// subject does not start with "<prefix>.", has an empty token, a bad escape, an escaped '/',
// more than 16 tokens or more than 1024 bytes: subjects of requests come from the network.
Result<std::string> PathFromSubject(std::string_view prefix, std::string_view subject);

// OK when `prefix` is 1..8 tokens of [A-Za-z0-9_-$] joined by '.', 1..128 bytes; else
// InvalidArgument saying what is wrong.
Status ValidatePrefix(std::string_view prefix);

}  // namespace gantry::uns
