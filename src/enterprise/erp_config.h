// The `erp:` section of the plant configuration: where orders come from (Tryton pull), where
// actuals go (Tryton, an HTTPS webhook, B2MML ProductionPerformance files or POSTs), when they
// are sent (completion, shift end, a fixed interval) and how the outbox retries and prunes.
// Schema: docs/enterprise.md ("Configuration").
//
//   ErpSettings erp = ParseErpConfig(root["erp"]);   // errors are recorded in root's document
//   if (erp.tryton) ... erp.tryton->config.endpoint.port ...
#pragma once

#include <optional>
#include <string>

#include "core/config_node.h"
#include "core/time.h"
#include "enterprise/outbox.h"
#include "enterprise/tryton_adapter.h"
#include "enterprise/webhook_adapter.h"

namespace gantry::enterprise {

struct TrytonSettings {
  TrytonConfig config;
  Duration poll_every = 30 * kSecond;  // how often orders are pulled
};

// B2MML ProductionPerformance out: one XML document per message, to a folder or POSTed.
struct B2mmlOutSettings {
  std::string folder;   // write <folder>/<idempotency key>.xml (atomically); or
  std::string url;      // POST to http(s)://host:port/path
  std::string ca_file;  // for an https url; empty = the system trust store
};

struct ErpSettings {
  bool enabled = false;  // the section is present
  std::optional<TrytonSettings> tryton;
  std::optional<WebhookConfig> webhook;
  std::optional<B2mmlOutSettings> b2mml;
  // Triggers for actuals messages (completion always sends the final totals).
  bool on_shift_end = false;  // interim totals at every shift end while an order runs
  Duration interval = 0;      // interim totals every `interval` while it runs; 0 = never
  // How long the drainer holds a message back for the meter readings that close its energy
  // (actuals_energy.h) before it sends what is known with a note.
  Duration energy_wait = 30 * kSecond;
  // Outbox.
  OutboxOptions outbox;
  Duration drain_every = 500 * kMillisecond;  // how often the drainer looks for due messages
  Duration keep_delivered = 30 * 24 * kHour;  // delivered rows older than this are pruned
};

// Parses `node` (the `erp` key; absent -> disabled defaults). Errors are recorded in the node's
// document with file, line and key.
ErpSettings ParseErpConfig(const ConfigNode& node);

// "https://host:8443/path" -> endpoint (tls set), path. InvalidArgument naming the URL.
Result<std::pair<HttpEndpoint, std::string>> ParseHttpUrl(std::string_view url);

}  // namespace gantry::enterprise
