// A connector reads one device (a PLC, a broker, the simulator) over its own protocol and
// publishes what it reads as Samples to a SampleSink. Each connector owns its threads; Start()
// returns once they run, Stop() joins them.
//
//   auto c = std::make_unique<modbus::ModbusConnector>(config, tag_ids, bus,
//   SystemClock::Instance()); GANTRY_RETURN_IF_ERROR(c->Start());
//   ... c->Health().state == ConnectorState::kConnected ...
//   c->Stop();
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "core/time.h"

namespace gantry {

enum class ConnectorState : uint8_t { kStopped, kConnecting, kConnected, kBackoff };
std::string_view ConnectorStateName(ConnectorState s);

// A snapshot of a connector's health, for /metrics, logs and the API.
struct ConnectorHealth {
  std::string device;  // configured device name
  ConnectorState state = ConnectorState::kStopped;
  std::string last_error;      // empty when healthy; readable, names device and cause
  Timestamp last_success = 0;  // time of the last good poll/read
  uint64_t polls_ok = 0;       // successful requests
  uint64_t polls_failed = 0;   // failed requests (timeouts, exceptions, malformed answers)
  uint64_t reconnects = 0;     // connections re-established after a loss
  uint64_t samples_published = 0;
  Duration last_poll_latency = 0;  // duration of the last poll cycle
};

class Connector {
 public:
  virtual ~Connector() = default;
  // Starts the connector's threads. An unreachable device is not an error here: the connector
  // keeps trying with backoff and publishes Bad quality meanwhile. Errors only for a connector
  // that cannot run at all (bad configuration).
  virtual Status Start() = 0;
  // Stops and joins; idempotent. After Stop() nothing more is published.
  virtual void Stop() = 0;
  // Thread-safe snapshot.
  virtual ConnectorHealth Health() const = 0;
};

}  // namespace gantry
