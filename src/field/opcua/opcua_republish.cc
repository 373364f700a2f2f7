// Handling of notification messages and their recovery (IEC 62541-4 §5.13.6 Republish): after
// TransferSubscriptions the server reports the sequence numbers it still holds; those not handled
// yet are fetched again, and a gap in the sequence numbers of a live subscription is filled the
// same way, so that no notification is lost with a connection.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "field/opcua/client.h"
#include "field/opcua/opcua_connector.h"
#include "field/opcua/opcua_points.h"
#include "field/opcua/status_names.h"

namespace gantry::opcua {
namespace {

// Republish requests for one recovery at most: beyond that the initial values of the transfer
// (or the next data change) have to do.
constexpr uint32_t kMaxRepublish = 100;

}  // namespace

Result<bool> OpcUaConnector::HandleMessage(uint32_t subscription_id, const NotificationMessage& m,
                                           PointSamples& points) {
  acks_.push_back({subscription_id, m.sequence_number});
  if (subscription_id == subscription_id_)
    last_sequence_ = std::max(last_sequence_, m.sequence_number);
  const Timestamp now = clock_.Now();
  std::vector<Sample> batch;
  bool subscription_gone = false;
  for (const ExtensionObject& n : m.notification_data) {
    if (n.type_id == NodeId::Numeric(0, encoding_id::kStatusChangeNotification)) {
      subscription_gone = true;  // Part 4 §7.20.4: BadTimeout, the subscription expired
      continue;
    }
    auto changes = DecodeDataChangeNotification(n);
    if (!changes.ok()) return Malformed("malformed data change: " + changes.status().message());
    if (!*changes) continue;  // events and other kinds: not subscribed
    for (const MonitoredItemNotification& c : **changes) {
      if (c.client_handle >= points.size()) continue;  // not ours
      batch.push_back(points.OnDataChange(c.client_handle, c.value, now));
    }
  }
  Publish(std::move(batch));
  return subscription_gone;
}

Status OpcUaConnector::RepublishRange(Client& client, uint32_t first, uint32_t last,
                                      PointSamples& points) {
  if (last < first) return Status::Ok();
  if (last - first >= kMaxRepublish) {
    spdlog::warn(
        "{}: {} notification messages of subscription {} missing; republishing the last {}",
        log_prefix_, last - first + 1, subscription_id_, kMaxRepublish);
    first = last - kMaxRepublish + 1;
  }
  for (uint32_t n = first; n <= last && n != 0; ++n) {
    auto m = client.Republish(subscription_id_, n);
    if (!m.ok()) {
      // The server may have dropped it already (BadMessageNotAvailable); anything else is the
      // connection's failure.
      if (m.status().message().find("BadMessageNotAvailable") == std::string::npos)
        return m.status();
      spdlog::warn("{}: notification message {} of subscription {} is no longer available",
                   log_prefix_, n, subscription_id_);
      continue;
    }
    ++republished_;
    GANTRY_ASSIGN_OR_RETURN(bool gone, HandleMessage(subscription_id_, *m, points));
    (void)gone;  // an expiry is seen again on the live subscription
    if (n == UINT32_MAX) break;
  }
  return Status::Ok();
}

Status OpcUaConnector::RecoverAvailable(Client& client, std::vector<uint32_t> available,
                                        PointSamples& points) {
  std::sort(available.begin(), available.end());
  available.erase(std::unique(available.begin(), available.end()), available.end());
  if (available.size() > kMaxRepublish)
    available.erase(available.begin(), available.end() - kMaxRepublish);
  size_t fetched = 0;
  for (uint32_t n : available) {
    if (n <= last_sequence_) {
      acks_.push_back({subscription_id_, n});  // handled before the loss; its ack was not
      continue;
    }
    GANTRY_RETURN_IF_ERROR(RepublishRange(client, n, n, points));
    ++fetched;
  }
  if (!available.empty()) {
    spdlog::info("{}: subscription {}: {} notification messages still available, {} republished",
                 log_prefix_, subscription_id_, available.size(), fetched);
  }
  return Status::Ok();
}

}  // namespace gantry::opcua
