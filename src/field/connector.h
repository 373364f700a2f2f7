// A connector reads one device (a PLC, a broker, the simulator) over its own protocol and
// publishes what it reads as Samples to a SampleSink. Each connector owns its threads; Start()
// returns once they run, Stop() joins them. A connector may also write a value toward its device
// (WriteTag), only when the device's configuration says `writes: enabled` and the node is not in
// one-way mode (ForbidWrites); by default a connector cannot write.
//
//   auto c = std::make_unique<modbus::ModbusConnector>(config, tag_ids, bus,
//   SystemClock::Instance()); GANTRY_RETURN_IF_ERROR(c->Start());
//   ... c->Health().state == ConnectorState::kConnected ...
//   c->Stop();
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "core/time.h"

namespace gantry {

enum class ConnectorState : uint8_t { kStopped, kConnecting, kConnected, kBackoff };
std::string_view ConnectorStateName(ConnectorState s);

// One device behind a gateway or on a shared line (a Modbus unit id), as its connector last saw
// it. The connection's own state stays in ConnectorHealth: a gateway that answers "unit 3 does
// not respond" is connected while unit 3 is down.
struct UnitHealth {
  enum class State : uint8_t {
    kUnknown,    // not asked yet on this run
    kAnswering,  // its last read was answered and every read of it was served
    kRefusing,   // it answers but refuses some read (an exception other than 0A/0B)
    kDown,       // no answer in time, or the gateway answered 0A/0B for it
  };
  int unit = 0;
  State state = State::kUnknown;
  Timestamp since = 0;         // when it entered `state` (0 while unknown)
  std::string last_error;      // why it is down or refusing ("unit 3: hr:0+1: exception 0B ...");
                               // empty when answering
  Timestamp last_success = 0;  // time of its last good read
  uint64_t polls_ok = 0;
  uint64_t polls_failed = 0;
};
std::string_view UnitStateName(UnitHealth::State s);

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
  // The message security the connector connects with, for connectors that have a choice (OPC UA:
  // "Basic256Sha256/SignAndEncrypt", "None (unencrypted)"); empty for the others.
  std::string security;
  // One entry per unit the device entry polls, by unit id (Modbus: every unit id of its points,
  // the device's own included); empty for connectors without units.
  std::vector<UnitHealth> units;
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

  // Writes engineering value `value` to the device point of `tag` and returns once the device
  // accepted it. Errors: PermissionDenied when writes are disabled for the device (or by one-way
  // mode, see ForbidWrites); NotFound for a tag of another device; InvalidArgument for a value
  // the point cannot take; FailedPrecondition when this connector cannot write at all (the
  // default) or the device refuses; Unavailable when the device cannot be reached.
  // Thread-safe. Callers go through Write(), which applies ForbidWrites() first.
  virtual Status WriteTag(TagId tag, const Value& value) {
    (void)tag;
    (void)value;
    return FailedPrecondition(Health().device + ": this device's connector cannot write values");
  }

  // One-way mode: from now on Write() refuses every value, whatever the device's configuration
  // says. Irreversible; thread-safe.
  void ForbidWrites() { writes_forbidden_.store(true); }
  bool writes_forbidden() const { return writes_forbidden_.load(); }

  // WriteTag() unless writes are forbidden (PermissionDenied naming the device and one-way mode).
  Status Write(TagId tag, const Value& value) {
    if (writes_forbidden())
      return PermissionDenied(Health().device +
                              ": this node runs in one-way mode; no value is written to a machine");
    return WriteTag(tag, value);
  }

 private:
  std::atomic<bool> writes_forbidden_{false};
};

}  // namespace gantry
