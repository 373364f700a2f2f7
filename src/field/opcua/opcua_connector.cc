#include "field/opcua/opcua_connector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "field/opcua/client.h"
#include "field/opcua/opcua_points.h"
#include "field/opcua/status_names.h"

namespace gantry::opcua {
namespace {

// A repeated identical connection failure is logged at warning level at most this often.
constexpr Duration kRepeatLogInterval = 60 * kSecond;
// Stop() and DropConnectionForTest() are noticed within this slice of a blocking read.
constexpr Duration kReadSlice = 100 * kMillisecond;
// Monitored items per CreateMonitoredItems request (servers limit the operations per call).
constexpr size_t kItemsPerRequest = 1000;

int64_t SteadyNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Seconds(Duration d) {
  return fmt::format("{:.1f} s", static_cast<double>(d) / kSecond);
}

// The TCP stream, read in short slices so that the device thread notices Stop() (or a test's
// simulated network loss) while it waits for a Publish answer.
class InterruptibleStream final : public ByteStream {
 public:
  InterruptibleStream(std::unique_ptr<ByteStream> inner, const std::atomic<bool>& stop,
                      const std::atomic<bool>& drop, const std::atomic<int64_t>& deaf_until)
      : inner_(std::move(inner)), stop_(stop), drop_(drop), deaf_until_(deaf_until) {}

  Status WriteAll(std::span<const uint8_t> bytes, Duration timeout) override {
    if (drop_) return Unavailable("connection dropped");
    return inner_->WriteAll(bytes, timeout);
  }
  // Stop() ends a wait only once a slice passed without data, so that the orderly CloseSession
  // on the way out still gets its prompt answer.
  Result<size_t> ReadSome(std::span<uint8_t> buffer, Duration timeout) override {
    const int64_t deadline = SteadyNow() + timeout;
    for (;;) {
      if (drop_) {
        // A test's network loss: what the server sends meanwhile is never read.
        while (SteadyNow() < deaf_until_ && !stop_)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return Unavailable("connection dropped");
      }
      const Duration left = deadline - SteadyNow();
      auto n = inner_->ReadSome(buffer, std::clamp<Duration>(left, 1, kReadSlice));
      if (n.ok() || n.status().code() != StatusCode::kTimeout || left <= kReadSlice) return n;
      if (stop_) return Unavailable("connector stopping");
    }
  }

 private:
  std::unique_ptr<ByteStream> inner_;
  const std::atomic<bool>& stop_;
  const std::atomic<bool>& drop_;
  const std::atomic<int64_t>& deaf_until_;
};

// Which points are monitored, per client handle (= point index).
std::vector<MonitoredItemRequest> ItemsFor(const OpcUaDeviceConfig& config,
                                           const std::vector<NodeId>& resolved) {
  std::vector<MonitoredItemRequest> items;
  for (size_t i = 0; i < config.points.size(); ++i) {
    if (resolved[i].IsNull()) continue;
    const OpcUaPoint& p = config.points[i];
    MonitoredItemRequest item;
    item.node_id = resolved[i];
    item.client_handle = static_cast<uint32_t>(i);
    item.sampling_interval_ms =
        p.sampling_interval < 0 ? -1 : static_cast<double>(p.sampling_interval) / kMillisecond;
    item.queue_size = p.queue_size;
    item.deadband = p.deadband_type;
    item.deadband_value = p.deadband_value;
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

OpcUaConnector::OpcUaConnector(OpcUaDeviceConfig config, std::vector<TagId> tag_ids,
                               SampleSink& sink, const Clock& clock)
    : config_(std::move(config)),
      tag_ids_(std::move(tag_ids)),
      sink_(sink),
      clock_(clock),
      log_prefix_(fmt::format("opcua '{}' {}", config_.name, config_.endpoint_url)) {
  health_.device = config_.name;
  // The configured security is the one used (no fallback to another endpoint; docs/opcua.md).
  health_.security =
      config_.security.mode == MessageSecurityMode::kNone ? "None (unencrypted)" : SecurityText();
}

OpcUaConnector::~OpcUaConnector() {
  Stop();
}

Status OpcUaConnector::Start() {
  if (tag_ids_.size() != config_.points.size()) {
    return InvalidArgument(fmt::format("{}: {} tag ids for {} points", log_prefix_, tag_ids_.size(),
                                       config_.points.size()));
  }
  if (thread_.joinable()) return FailedPrecondition(log_prefix_ + ": already running");
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  stop_requested_ = false;
  SetState(ConnectorState::kConnecting, "");
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void OpcUaConnector::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_ = true;
  wake_.notify_all();
  thread_.join();
  {
    std::lock_guard lock(write_mutex_);
    write_client_.reset();
  }
  SetState(ConnectorState::kStopped, "");
}

ConnectorHealth OpcUaConnector::Health() const {
  std::lock_guard lock(health_mutex_);
  return health_;
}

void OpcUaConnector::DropConnectionForTest(Duration deaf_for) {
  deaf_until_ = SteadyNow() + deaf_for;
  drop_requested_ = true;
}

void OpcUaConnector::SetState(ConnectorState state, std::string error) {
  std::lock_guard lock(health_mutex_);
  health_.state = state;
  health_.last_error = std::move(error);
}

void OpcUaConnector::Publish(std::vector<Sample> batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(health_mutex_);
    health_.samples_published += batch.size();
  }
  sink_.Publish(std::move(batch));
}

bool OpcUaConnector::WaitFor(Duration d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::nanoseconds(d), [this] { return stopping_; });
  return !stopping_;
}

std::string OpcUaConnector::SecurityText() const {
  if (config_.security.mode == MessageSecurityMode::kNone)
    return "None (messages neither signed nor encrypted)";
  return fmt::format(
      "{}/{}", config_.security.policy,
      config_.security.mode == MessageSecurityMode::kSign ? "Sign" : "SignAndEncrypt");
}

Result<std::unique_ptr<Client>> OpcUaConnector::Connect(std::atomic<bool>* drop) {
  ClientOptions o;
  o.endpoint_url = config_.endpoint_url;
  o.application_uri = config_.security.application_uri;  // empty: our certificate's
  o.request_timeout = config_.timeout;
  o.security_policy = config_.security.policy;
  o.security_mode = config_.security.mode;
  o.pki_dir = config_.security.pki_dir;
  o.user_name = config_.user_name;
  if (!config_.password_env.empty()) {
    const char* password = std::getenv(config_.password_env.c_str());
    if (password == nullptr) {
      return FailedPrecondition(fmt::format(
          "environment variable {} (user.password_env) is not set", config_.password_env));
    }
    o.password = password;
  }
  GANTRY_ASSIGN_OR_RETURN(EndpointAddress at, ParseEndpointUrl(o.endpoint_url));
  GANTRY_ASSIGN_OR_RETURN(auto tcp, ConnectTcp(at.host, at.port, config_.timeout));
  static const std::atomic<bool> kNever{false};
  auto stream = std::make_unique<InterruptibleStream>(std::move(tcp), stop_requested_,
                                                      drop ? *drop : kNever, deaf_until_);
  GANTRY_ASSIGN_OR_RETURN(auto client, Client::Connect(std::move(o), std::move(stream)));
  GANTRY_RETURN_IF_ERROR(client->OpenSession("gantry " + config_.name));
  return client;
}

void OpcUaConnector::Run() {
  PointSamples points(config_, tag_ids_);
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(SteadyNow()));
  Duration backoff = config_.reconnect_min;
  std::string last_reason;
  int64_t last_warn = 0, down_since = 0;
  uint64_t attempts = 0;
  bool down = false;

  while (!stop_requested_) {
    SetState(ConnectorState::kConnecting,
             last_reason.empty() ? "" : log_prefix_ + ": " + last_reason);
    Loss lost = RunConnection(points);
    if (stop_requested_) break;
    Publish(points.OnDeviceDown(lost.quality, clock_.Now()));
    if (!down) {
      down = true;
      down_since = SteadyNow();
    }
    if (lost.any_ok) {
      // It worked for a while: reconnect at once, and start the backoff afresh.
      backoff = config_.reconnect_min;
      attempts = 0;
      last_reason = lost.reason;
      last_warn = SteadyNow();
      down_since = SteadyNow();
      spdlog::warn("{}: connection lost: {}; reconnecting", log_prefix_, lost.reason);
      continue;
    }
    // Logs a failure and waits before the next attempt, backoff doubling up to the maximum. The
    // same reason again is logged at debug level, with a warning reminder every minute.
    ++attempts;
    std::uniform_int_distribution<Duration> jitter(0, backoff / 4);
    const Duration wait = std::max(config_.reconnect_min, backoff - jitter(rng));
    const std::string message =
        fmt::format("{}: {}; retry in {}", log_prefix_, lost.reason, Seconds(wait));
    const int64_t now = SteadyNow();
    if (lost.reason != last_reason) {
      spdlog::warn("{}", message);
      last_warn = now;
    } else if (now - last_warn >= kRepeatLogInterval) {
      spdlog::warn("{} (still failing after {} attempts, {} down)", message, attempts,
                   Seconds(now - down_since));
      last_warn = now;
    } else {
      spdlog::debug("{}", message);
    }
    last_reason = lost.reason;
    SetState(ConnectorState::kBackoff, fmt::format("{}: {}", log_prefix_, lost.reason));
    {
      std::lock_guard lock(health_mutex_);
      ++health_.polls_failed;
    }
    if (!WaitFor(wait)) break;
    backoff = std::min(config_.reconnect_max, backoff * 2);
  }
}

OpcUaConnector::Loss OpcUaConnector::RunConnection(PointSamples& points) {
  drop_requested_ = false;
  auto connected = Connect(&drop_requested_);
  if (!connected.ok()) return {connected.status().message(), Quality::BadNotConnected(), false};
  std::unique_ptr<Client> client = std::move(connected).value();
  const bool reconnect = subscription_id_ != 0;
  acks_.clear();  // unsent ones come back as available sequence numbers after a transfer
  {
    std::lock_guard lock(health_mutex_);
    if (reconnect) ++health_.reconnects;
  }
  if (Status s = RestoreSubscription(*client, points); !s.ok()) {
    // Half a session is no use; the next attempt recreates everything.
    subscription_id_ = 0;
    return {"subscribing: " + s.message(), Quality::BadNotConnected(), false};
  }
  SetState(ConnectorState::kConnected, "");
  spdlog::info("{}: {} with security {}; subscription {} with {} items", log_prefix_,
               reconnect ? "reconnected" : "connected", SecurityText(), subscription_id_,
               points.size());

  // Several Publish requests stay queued at the server (config publish_requests), so that a
  // notification never waits for a round trip. Each acknowledgement rides on exactly one Publish:
  // the next one sent after its notification was handled.
  size_t in_flight_target = config_.publish_requests;
  const Duration server_wait = publish_wait_ * static_cast<Duration>(in_flight_target);
  while (!stop_requested_) {
    while (client->publish_in_flight() < in_flight_target) {
      auto sent = client->SendPublish(std::move(acks_), server_wait);
      acks_.clear();
      if (!sent.ok()) {
        client->DropConnection();
        return {"sending Publish: " + sent.status().message(), Quality::BadNotConnected(), true};
      }
    }
    const int64_t started = SteadyNow();
    auto response = client->ReceivePublish(publish_wait_);
    if (stop_requested_) break;
    if (!response.ok()) {
      const Status& s = response.status();
      if (s.code() == StatusCode::kTimeout) {
        client->DropConnection();
        return {
            fmt::format("no Publish answer (data or keep-alive) within {}", Seconds(publish_wait_)),
            Quality::BadTimeout(), true};
      }
      if (s.message().find("BadTooManyPublishRequests") != std::string::npos) {
        // The server queues fewer than we asked: keep what it holds (at least one).
        in_flight_target = std::max<size_t>(1, client->publish_in_flight());
        spdlog::info("{}: the server holds at most {} Publish requests", log_prefix_,
                     in_flight_target);
        continue;
      }
      if (s.message().find("BadTimeout") != std::string::npos) continue;  // held too long: resend
      if (s.message().find("BadNoSubscription") != std::string::npos ||
          s.message().find("BadSubscriptionIdInvalid") != std::string::npos) {
        spdlog::warn("{}: the server dropped subscription {}; recreating it", log_prefix_,
                     subscription_id_);
        subscription_id_ = 0;
        if (Status r = RestoreSubscription(*client, points); !r.ok())
          return {"recreating the subscription: " + r.message(), Quality::BadNotConnected(), true};
        continue;
      }
      client->DropConnection();
      return {s.message(), Quality::BadNotConnected(), true};
    }
    const Timestamp now = clock_.Now();
    {
      std::lock_guard lock(health_mutex_);
      ++health_.polls_ok;
      health_.last_success = now;
      health_.last_poll_latency = SteadyNow() - started;
      health_.last_error.clear();
    }
    const NotificationMessage& m = response->notification;
    if (m.notification_data.empty()) continue;  // a keep-alive
    if (response->subscription_id == subscription_id_ && last_sequence_ != 0 &&
        m.sequence_number > last_sequence_ + 1) {
      // A gap: messages the server sent that never arrived. Fetch them before going on.
      if (Status r = RepublishRange(*client, last_sequence_ + 1, m.sequence_number - 1, points);
          !r.ok()) {
        client->DropConnection();
        return {"republishing: " + r.message(), Quality::BadNotConnected(), true};
      }
    }
    auto handled = HandleMessage(response->subscription_id, m, points);
    if (!handled.ok()) {
      client->DropConnection();
      return {handled.status().message(), Quality::BadDecodingError(), true};
    }
    const bool subscription_gone = *handled;
    if (subscription_gone && response->subscription_id == subscription_id_) {
      spdlog::warn("{}: subscription {} expired on the server; recreating it", log_prefix_,
                   subscription_id_);
      subscription_id_ = 0;
      acks_.clear();
      if (Status r = RestoreSubscription(*client, points); !r.ok())
        return {"recreating the subscription: " + r.message(), Quality::BadNotConnected(), true};
    }
  }
  // Orderly end: the server deletes the subscription with the session.
  (void)client->CloseSession();
  (void)client->Close();
  return {"stopping", Quality::BadOutOfService(), true};
}

Status OpcUaConnector::RestoreSubscription(Client& client, PointSamples& points) {
  const Timestamp now = clock_.Now();
  if (subscription_id_ != 0) {
    auto transferred = client.TransferSubscriptions({subscription_id_}, true);
    if (transferred.ok() && transferred->size() == 1 && (*transferred)[0].status.IsGood()) {
      ++transferred_;
      spdlog::info("{}: subscription {} transferred to the new session", log_prefix_,
                   subscription_id_);
      return RecoverAvailable(client, std::move((*transferred)[0].available_sequence_numbers),
                              points);
    }
    spdlog::info(
        "{}: subscription {} could not be transferred ({}); creating a new one", log_prefix_,
        subscription_id_,
        transferred.ok() ? StatusName((*transferred)[0].status) : transferred.status().message());
    subscription_id_ = 0;
    ++recreated_;
  }

  // Resolve browse paths (again: a restarted server may have renumbered its nodes).
  resolved_.assign(config_.points.size(), NodeId{});
  // NodeIds and BrowseNames given by namespace URI take the index the server has now.
  std::vector<std::string> namespaces;
  if (std::any_of(config_.points.begin(), config_.points.end(), [](const OpcUaPoint& p) {
        return !p.namespace_uri.empty() || !p.browse_path_uris.empty();
      })) {
    GANTRY_ASSIGN_OR_RETURN(namespaces, client.ReadNamespaceArray());
  }
  std::vector<Sample> bad;
  std::vector<BrowsePath> paths;
  std::vector<size_t> path_points;
  for (size_t i = 0; i < config_.points.size(); ++i) {
    const OpcUaPoint& p = config_.points[i];
    if (p.node_id) {
      auto id = ResolveNodeIdRef(NodeIdRef{*p.node_id, p.namespace_uri}, namespaces);
      if (id.ok()) {
        resolved_[i] = *id;
      } else {
        spdlog::warn("{}: node {} of tag {}: {}", log_prefix_, p.address, p.tag.path,
                     id.status().message());
        if (auto s = points.OnPointBad(i, Quality::BadNodeIdUnknown(), now))
          bad.push_back(std::move(*s));
      }
    }
    if (p.browse_path) {
      auto path =
          ResolveBrowsePathRef(BrowsePathRef{*p.browse_path, p.browse_path_uris}, namespaces);
      if (path.ok()) {
        paths.push_back(std::move(*path));
        path_points.push_back(i);
      } else {  // no BrowseName can match in a namespace the server does not have
        spdlog::warn("{}: browse path {} of tag {}: {}", log_prefix_, p.address, p.tag.path,
                     path.status().message());
        constexpr Quality kBadNoMatch(0x806F0000u);  // what the server says for an unknown name
        if (auto s = points.OnPointBad(i, kBadNoMatch, now)) bad.push_back(std::move(*s));
      }
    }
  }
  if (!paths.empty()) {
    GANTRY_ASSIGN_OR_RETURN(auto results, client.TranslateBrowsePaths(paths));
    for (size_t k = 0; k < results.size(); ++k) {
      const size_t i = path_points[k];
      const BrowsePathResult& r = results[k];
      if (r.status.IsGood() && !r.targets.empty() && r.targets[0].target.server_index == 0 &&
          r.targets[0].remaining_path_index == UINT32_MAX) {
        resolved_[i] = r.targets[0].target.node_id;
        continue;
      }
      const Quality q = r.status.IsGood() ? Quality::BadNodeIdUnknown() : r.status;
      spdlog::warn("{}: browse path {} of tag {} does not resolve: {}", log_prefix_,
                   config_.points[i].address, config_.points[i].tag.path, StatusName(q));
      if (auto s = points.OnPointBad(i, q, now)) bad.push_back(std::move(*s));
    }
  }

  CreateSubscriptionRequest create;
  create.publishing_interval_ms = static_cast<double>(config_.publishing_interval) / kMillisecond;
  create.max_keep_alive_count = config_.keep_alive_count;
  create.lifetime_count = config_.lifetime_count;
  GANTRY_ASSIGN_OR_RETURN(auto created, client.CreateSubscription(create));
  subscription_id_ = created.subscription_id;
  last_sequence_ = 0;
  const double interval_ms = std::max(created.revised_publishing_interval_ms, 1.0);
  const uint32_t keep_alive = std::max<uint32_t>(created.revised_max_keep_alive_count, 1);
  publish_wait_ = static_cast<Duration>(interval_ms * keep_alive * kMillisecond) + config_.timeout;

  std::vector<MonitoredItemRequest> items = ItemsFor(config_, resolved_);
  for (size_t at = 0; at < items.size(); at += kItemsPerRequest) {
    const size_t end = std::min(items.size(), at + kItemsPerRequest);
    std::vector<MonitoredItemRequest> part(items.begin() + static_cast<std::ptrdiff_t>(at),
                                           items.begin() + static_cast<std::ptrdiff_t>(end));
    GANTRY_ASSIGN_OR_RETURN(auto results, client.CreateMonitoredItems(subscription_id_, part));
    for (size_t k = 0; k < results.size(); ++k) {
      if (results[k].status.IsGood()) continue;
      const size_t i = part[k].client_handle;
      spdlog::warn("{}: node {} of tag {} cannot be monitored: {}", log_prefix_,
                   config_.points[i].address, config_.points[i].tag.path,
                   StatusName(results[k].status));
      if (auto s = points.OnPointBad(i, results[k].status, now)) bad.push_back(std::move(*s));
    }
  }
  Publish(std::move(bad));
  return Status::Ok();
}

}  // namespace gantry::opcua
