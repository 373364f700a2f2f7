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
#include "field/opcua/subscription_services.h"

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
  // node's DataType) over a second session of its own; `nsu=` URIs and browse paths are resolved
  // on that session's server as the subscription does. PermissionDenied unless the device has
  // `writes: enabled`; NotFound for a tag of another device; FailedPrecondition naming the
  // address when its URI or browse path does not resolve, or the server's status code when the
  // server refuses (e.g. BadNotWritable); Unavailable when the server cannot be reached.
  // Thread-safe.
  Status WriteTag(TagId tag, const Value& value) override;

  // Drops the subscription's connection as a network loss would (tests): the session is not
  // closed, so the server keeps the subscription for the transfer. With `deaf_for` > 0 nothing
  // the server sends arrives for that long first (answers lost on the wire, to be republished).
  void DropConnectionForTest(Duration deaf_for = 0);

  // How subscriptions were restored after reconnects (tests, metrics).
  uint64_t subscriptions_transferred() const { return transferred_; }
  uint64_t subscriptions_recreated() const { return recreated_; }
  // Notification messages fetched again with Republish: those a transfer reported as still
  // available and not handled yet, and gaps in the sequence numbers (tests, metrics).
  uint64_t notifications_republished() const { return republished_; }

 private:
  struct Loss {
    std::string reason;
    Quality quality;
    bool any_ok = false;  // the session was established on this connection
  };
  void Run();
  Loss RunConnection(PointSamples& points);
  Result<std::unique_ptr<Client>> Connect(std::atomic<bool>* drop);
  // "Basic256Sha256/SignAndEncrypt", or "None (...)": the security used, for the logs.
  std::string SecurityText() const;
  Status RestoreSubscription(Client& client, PointSamples& points);
  // --- in opcua_republish.cc ---
  // Publishes the data changes of one notification message of `subscription_id` and queues its
  // acknowledgement. True when it says the subscription is gone (StatusChangeNotification);
  // Malformed when a data change does not decode.
  Result<bool> HandleMessage(uint32_t subscription_id, const NotificationMessage& m,
                             PointSamples& points);
  // Republishes sequence numbers [first, last] of the current subscription (at most
  // kMaxRepublish; those the server no longer has are logged and skipped).
  Status RepublishRange(Client& client, uint32_t first, uint32_t last, PointSamples& points);
  // After a transfer: republishes the available sequence numbers not handled yet and queues
  // acknowledgements for all of them.
  Status RecoverAvailable(Client& client, std::vector<uint32_t> available, PointSamples& points);
  // --- in opcua_write.cc ---
  // The node to write for `point` on the write session `c`: a URI (`nsu=`) looked up in that
  // server's namespace table, a browse path translated. FailedPrecondition naming the address
  // when it does not resolve; Unavailable when the connection failed.
  Result<NodeId> ResolveWriteNode(Client& c, const OpcUaPoint& point);
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
  uint32_t last_sequence_ = 0;    // highest notification message handled on subscription_id_
  std::vector<SubscriptionAcknowledgement> acks_;  // sent with the next Publish, each once

  std::thread thread_;
  std::mutex mutex_;  // guards stopping_ for the condition variable
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> drop_requested_{false};
  std::atomic<int64_t> deaf_until_{0};  // steady ns; DropConnectionForTest(deaf_for)
  std::atomic<uint64_t> transferred_{0};
  std::atomic<uint64_t> recreated_{0};
  std::atomic<uint64_t> republished_{0};

  std::mutex write_mutex_;                // serialises writes
  std::unique_ptr<Client> write_client_;  // GUARDED_BY(write_mutex_); opened on first write
  std::vector<BuiltinType> write_types_;  // GUARDED_BY(write_mutex_); kNull: not read yet
  // GUARDED_BY(write_mutex_); write_client_'s server's NamespaceArray, empty: not read yet
  std::vector<std::string> write_client_namespaces_;

  mutable std::mutex health_mutex_;
  ConnectorHealth health_;  // GUARDED_BY(health_mutex_)
};

}  // namespace gantry::opcua
