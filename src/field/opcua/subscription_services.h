// The subscription services (IEC 62541-4 §5.12-5.13): CreateSubscription, CreateMonitoredItems
// (sampling interval, queue size, deadband filter), Publish with acknowledgements, Republish,
// and the notifications a PublishResponse carries (DataChangeNotification, decoded here; other
// notification types are kept as ExtensionObjects).
//
//   GANTRY_ASSIGN_OR_RETURN(PublishResponse r, DecodeResponse<PublishResponse>(body));
//   for (const ExtensionObject& n : r.notification.notification_data)
//     if (auto changes = DecodeDataChangeNotification(n); changes.ok() && *changes) ...
#pragma once

#include <optional>
#include <vector>

#include "field/opcua/services.h"

namespace gantry::opcua {

namespace encoding_id {
inline constexpr uint32_t kDataChangeFilter = 724;
inline constexpr uint32_t kCreateMonitoredItemsRequest = 751;
inline constexpr uint32_t kCreateMonitoredItemsResponse = 754;
inline constexpr uint32_t kCreateSubscriptionRequest = 787;
inline constexpr uint32_t kCreateSubscriptionResponse = 790;
inline constexpr uint32_t kDataChangeNotification = 811;
inline constexpr uint32_t kStatusChangeNotification = 820;
inline constexpr uint32_t kPublishRequest = 826;
inline constexpr uint32_t kPublishResponse = 829;
inline constexpr uint32_t kRepublishRequest = 832;
inline constexpr uint32_t kRepublishResponse = 835;
}  // namespace encoding_id

struct CreateSubscriptionRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kCreateSubscriptionRequest;
  RequestHeader header;
  double publishing_interval_ms = 1000;
  uint32_t lifetime_count = 60;  // publishing intervals without Publish before the server drops it
  uint32_t max_keep_alive_count = 10;  // empty intervals before a keep-alive
  uint32_t max_notifications_per_publish = 0;
  bool publishing_enabled = true;
  uint8_t priority = 0;
};

struct CreateSubscriptionResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kCreateSubscriptionResponse;
  ResponseHeader header;
  uint32_t subscription_id = 0;
  double revised_publishing_interval_ms = 0;
  uint32_t revised_lifetime_count = 0;
  uint32_t revised_max_keep_alive_count = 0;
};

enum class DeadbandType : uint32_t { kNone = 0, kAbsolute = 1, kPercent = 2 };

// Where a monitored item is sampled and what change is reported.
struct MonitoredItemRequest {
  NodeId node_id;
  uint32_t client_handle = 0;        // echoed in every notification for this item
  double sampling_interval_ms = -1;  // -1: the publishing interval
  uint32_t queue_size = 1;
  bool discard_oldest = true;
  DeadbandType deadband = DeadbandType::kNone;
  double deadband_value = 0;
};

struct CreateMonitoredItemsRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kCreateMonitoredItemsRequest;
  RequestHeader header;
  uint32_t subscription_id = 0;
  TimestampsToReturn timestamps = TimestampsToReturn::kBoth;
  std::vector<MonitoredItemRequest> items;
};

struct MonitoredItemResult {
  Quality status;
  uint32_t monitored_item_id = 0;
  double revised_sampling_interval_ms = 0;
  uint32_t revised_queue_size = 0;
  ExtensionObject filter_result;
};

struct CreateMonitoredItemsResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kCreateMonitoredItemsResponse;
  ResponseHeader header;
  std::vector<MonitoredItemResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct SubscriptionAcknowledgement {
  uint32_t subscription_id = 0;
  uint32_t sequence_number = 0;
};

struct PublishRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kPublishRequest;
  RequestHeader header;
  std::vector<SubscriptionAcknowledgement> acknowledgements;
};

struct NotificationMessage {
  uint32_t sequence_number = 0;
  DateTime publish_time;
  std::vector<ExtensionObject> notification_data;  // empty: a keep-alive
};

struct PublishResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kPublishResponse;
  ResponseHeader header;
  uint32_t subscription_id = 0;
  std::vector<uint32_t> available_sequence_numbers;
  bool more_notifications = false;
  NotificationMessage notification;
  std::vector<Quality> results;  // one per acknowledgement sent
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct RepublishRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kRepublishRequest;
  RequestHeader header;
  uint32_t subscription_id = 0;
  uint32_t retransmit_sequence_number = 0;
};

struct RepublishResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kRepublishResponse;
  ResponseHeader header;
  NotificationMessage notification;
};

struct MonitoredItemNotification {
  uint32_t client_handle = 0;
  DataValue value;
};

// The data changes inside one NotificationData entry; nullopt when the entry is another kind of
// notification (status change, events), Malformed when a DataChangeNotification does not decode.
Result<std::optional<std::vector<MonitoredItemNotification>>> DecodeDataChangeNotification(
    const ExtensionObject& notification, const DecodeLimits& limits = {});
// The ExtensionObject carrying `changes` (for tests, benchmarks and a future server).
Result<ExtensionObject> EncodeDataChangeNotification(
    const std::vector<MonitoredItemNotification>& changes);

Status EncodeBody(Encoder& e, const CreateSubscriptionRequest& r);
Status EncodeBody(Encoder& e, const CreateMonitoredItemsRequest& r);
Status EncodeBody(Encoder& e, const PublishRequest& r);
Status EncodeBody(Encoder& e, const RepublishRequest& r);
// Encoded by tests and benchmarks to build server answers.
Status EncodeBody(Encoder& e, const PublishResponse& r);

Result<CreateSubscriptionResponse> DecodeFields(Decoder& d, const CreateSubscriptionResponse*);
Result<CreateMonitoredItemsResponse> DecodeFields(Decoder& d, const CreateMonitoredItemsResponse*);
Result<PublishResponse> DecodeFields(Decoder& d, const PublishResponse*);
Result<RepublishResponse> DecodeFields(Decoder& d, const RepublishResponse*);

}  // namespace gantry::opcua
