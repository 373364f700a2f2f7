// The OPC UA connector: one thread per device that connects, opens a session, resolves browse
// paths, subscribes to the configured nodes and publishes their data changes as samples. It
// watches the subscription's keep-alives (no Publish answer within the keep-alive window: the
// connection is lost), publishes one Bad sample per tag for the gap, reconnects with exponential
// backoff and jitter, and restores the subscription (TransferSubscriptions, or recreated when
// the server no longer has it), after which values flow again with Good quality.
//
//   opcua::OpcUaConnector c(opcua::ParseOpcUaDevice(node), tag_ids, bus, SystemClock::Instance());
//   GANTRY_RETURN_IF_ERROR(c.Start());
//   GANTRY_RETURN_IF_ERROR(c.WriteTag(tag, Value(42.5)));   // only with `writes: enabled`
//   c.Stop();
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/sample_sink.h"
#include "field/connector.h"
#include "field/opcua/opcua_config.h"

namespace gantry::opcua {

class Client;
class PointSamples;

class OpcUaConnector final : public Connector {
 public:
  // `tag_ids` is parallel to config.points. Borrows `sink` and `clock` (receipt and gap
  // timestamps), which must outlive the connector.
  OpcUaConnector(OpcUaDeviceConfig config, std::vector<TagId> tag_ids, SampleSink& sink,
                 const Clock& clock);
  ~OpcUaConnector() override;

  // Starts the device thread. InvalidArgument when tag_ids does not match the points;
  // FailedPrecondition when already running.
  Status Start() override;
  // Stops and joins within about 200 ms plus a connection attempt in flight; idempotent.
  void Stop() override;
  ConnectorHealth Health() const override;

  // Writes engineering value `value` to the node of `tag` (scaling undone, converted to the
  // node's DataType) over a second session of its own. PermissionDenied unless the device has
  // `writes: enabled`; NotFound for a tag of another device; FailedPrecondition naming the
  // server's status code when the server refuses (e.g. BadNotWritable); Unavailable when the
  // server cannot be reached. Thread-safe.
  Status WriteTag(TagId tag, const Value& value);

  // Drops the subscription's connection as a network loss would (tests): the session is not
  // closed, so the server keeps the subscription for the transfer.
  void DropConnectionForTest();

  // How subscriptions were restored after reconnects (tests, metrics).
  uint64_t subscriptions_transferred() const { return transferred_; }
  uint64_t subscriptions_recreated() const { return recreated_; }

 private:
  struct Loss {
    std::string reason;
    Quality quality;
    bool any_ok = false;  // the session was established on this connection
  };
  void Run();
  Loss RunConnection(PointSamples& points);
  Result<std::unique_ptr<Client>> Connect(std::atomic<bool>* drop);
  Status RestoreSubscription(Client& client, PointSamples& points);
  bool WaitFor(Duration d);
  void Publish(std::vector<Sample> batch);
  void SetState(ConnectorState state, std::string error);

  const OpcUaDeviceConfig config_;
  const std::vector<TagId> tag_ids_;
  SampleSink& sink_;
  const Clock& clock_;
  const std::string log_prefix_;  // "opcua 'line1-plc' opc.tcp://..."

  // Owned by the device thread.
  uint32_t subscription_id_ = 0;  // 0: none yet
  std::vector<NodeId> resolved_;  // per point; null NodeId when it did not resolve
  Duration publish_wait_ = 0;     // keep-alive window plus the request timeout

  std::thread thread_;
  std::mutex mutex_;  // guards stopping_ for the condition variable
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> drop_requested_{false};
  std::atomic<uint64_t> transferred_{0};
  std::atomic<uint64_t> recreated_{0};

  std::mutex write_mutex_;                // serialises writes
  std::unique_ptr<Client> write_client_;  // GUARDED_BY(write_mutex_); opened on first write
  std::vector<BuiltinType> write_types_;  // GUARDED_BY(write_mutex_); kNull: not read yet

  mutable std::mutex health_mutex_;
  ConnectorHealth health_;  // GUARDED_BY(health_mutex_)
};

}  // namespace gantry::opcua
