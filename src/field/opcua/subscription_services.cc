#include "field/opcua/subscription_services.h"

#include <fmt/format.h>

namespace gantry::opcua {
namespace {

constexpr int32_t kMonitoringModeReporting = 2;
constexpr int32_t kTriggerStatusValue = 1;

Status EncodeTypeId(Encoder& e, uint32_t id) {
  return Encode(e, NodeId::Numeric(0, id));
}

ExtensionObject DataChangeFilterFor(const MonitoredItemRequest& item) {
  if (item.deadband == DeadbandType::kNone) return ExtensionObject{};
  Encoder body;
  body.WriteInt32(kTriggerStatusValue);
  body.WriteUInt32(static_cast<uint32_t>(item.deadband));
  body.WriteDouble(item.deadband_value);
  const auto& bytes = body.bytes();
  return ExtensionObject{NodeId::Numeric(0, encoding_id::kDataChangeFilter),
                         ExtensionObject::Body::kByteString,
                         std::string(bytes.begin(), bytes.end())};
}

Result<NotificationMessage> DecodeNotificationMessage(Decoder& d) {
  NotificationMessage m;
  GANTRY_ASSIGN_OR_RETURN(m.sequence_number, d.ReadUInt32("NotificationMessage SequenceNumber"));
  GANTRY_ASSIGN_OR_RETURN(m.publish_time, DecodeDateTime(d));
  GANTRY_ASSIGN_OR_RETURN(
      m.notification_data,
      DecodeArray<ExtensionObject>(d, "NotificationData", 3, DecodeExtensionObject));
  return m;
}

Result<MonitoredItemResult> DecodeItemResult(Decoder& d) {
  MonitoredItemResult r;
  GANTRY_ASSIGN_OR_RETURN(r.status, DecodeStatusCode(d));
  GANTRY_ASSIGN_OR_RETURN(r.monitored_item_id, d.ReadUInt32("MonitoredItemId"));
  GANTRY_ASSIGN_OR_RETURN(r.revised_sampling_interval_ms, d.ReadDouble("RevisedSamplingInterval"));
  GANTRY_ASSIGN_OR_RETURN(r.revised_queue_size, d.ReadUInt32("RevisedQueueSize"));
  GANTRY_ASSIGN_OR_RETURN(r.filter_result, DecodeExtensionObject(d));
  return r;
}

Result<uint32_t> ReadSequenceNumber(Decoder& d) {
  return d.ReadUInt32("AvailableSequenceNumbers entry");
}

}  // namespace

Result<std::optional<std::vector<MonitoredItemNotification>>> DecodeDataChangeNotification(
    const ExtensionObject& notification, const DecodeLimits& limits) {
  using Out = std::optional<std::vector<MonitoredItemNotification>>;
  if (notification.type_id != NodeId::Numeric(0, encoding_id::kDataChangeNotification))
    return Out();
  if (notification.body_kind != ExtensionObject::Body::kByteString) {
    return Malformed("DataChangeNotification without a binary body");
  }
  const auto* data = reinterpret_cast<const uint8_t*>(notification.body.data());
  Decoder d(std::span<const uint8_t>(data, notification.body.size()), limits);
  // Decoded in place: this is the loop the decode benchmark measures.
  GANTRY_ASSIGN_OR_RETURN(
      uint32_t count, d.ReadArrayLength("MonitoredItems", 5, sizeof(MonitoredItemNotification)));
  std::vector<MonitoredItemNotification> items(count);
  for (MonitoredItemNotification& item : items) {
    GANTRY_ASSIGN_OR_RETURN(item.client_handle,
                            d.ReadUInt32("MonitoredItemNotification ClientHandle"));
    GANTRY_RETURN_IF_ERROR(DecodeDataValueInto(d, item.value));
  }
  GANTRY_ASSIGN_OR_RETURN(
      auto diagnostics, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1, DecodeDiagnosticInfo));
  (void)diagnostics;
  if (!d.AtEnd()) return d.Fail("DataChangeNotification", "trailing bytes");
  return Out(std::move(items));
}

Result<ExtensionObject> EncodeDataChangeNotification(
    const std::vector<MonitoredItemNotification>& changes) {
  Encoder e;
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(changes.size()));
  for (const auto& c : changes) {
    e.WriteUInt32(c.client_handle);
    GANTRY_RETURN_IF_ERROR(Encode(e, c.value));
  }
  e.WriteInt32(0);  // DiagnosticInfos
  const auto& bytes = e.bytes();
  return ExtensionObject{NodeId::Numeric(0, encoding_id::kDataChangeNotification),
                         ExtensionObject::Body::kByteString,
                         std::string(bytes.begin(), bytes.end())};
}

Status EncodeBody(Encoder& e, const CreateSubscriptionRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteDouble(r.publishing_interval_ms);
  e.WriteUInt32(r.lifetime_count);
  e.WriteUInt32(r.max_keep_alive_count);
  e.WriteUInt32(r.max_notifications_per_publish);
  e.WriteBoolean(r.publishing_enabled);
  e.WriteByte(r.priority);
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const CreateMonitoredItemsRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteUInt32(r.subscription_id);
  e.WriteInt32(static_cast<int32_t>(r.timestamps));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.items.size()));
  for (const MonitoredItemRequest& item : r.items) {
    // ReadValueId of the Value attribute.
    GANTRY_RETURN_IF_ERROR(Encode(e, item.node_id));
    e.WriteUInt32(kAttributeValue);
    GANTRY_RETURN_IF_ERROR(e.WriteText(String{}));
    GANTRY_RETURN_IF_ERROR(Encode(e, QualifiedName{}));
    e.WriteInt32(kMonitoringModeReporting);
    // MonitoringParameters.
    e.WriteUInt32(item.client_handle);
    e.WriteDouble(item.sampling_interval_ms);
    GANTRY_RETURN_IF_ERROR(Encode(e, DataChangeFilterFor(item)));
    e.WriteUInt32(item.queue_size);
    e.WriteBoolean(item.discard_oldest);
  }
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const PublishRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.acknowledgements.size()));
  for (const auto& ack : r.acknowledgements) {
    e.WriteUInt32(ack.subscription_id);
    e.WriteUInt32(ack.sequence_number);
  }
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const RepublishRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteUInt32(r.subscription_id);
  e.WriteUInt32(r.retransmit_sequence_number);
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const PublishResponse& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteUInt32(r.subscription_id);
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.available_sequence_numbers.size()));
  for (uint32_t n : r.available_sequence_numbers) e.WriteUInt32(n);
  e.WriteBoolean(r.more_notifications);
  e.WriteUInt32(r.notification.sequence_number);
  GANTRY_RETURN_IF_ERROR(Encode(e, r.notification.publish_time));
  GANTRY_RETURN_IF_ERROR(EncodeArray(e, r.notification.notification_data));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.results.size()));
  for (Quality q : r.results) e.WriteUInt32(q.code());
  return EncodeArray(e, r.diagnostic_infos);
}

Result<CreateSubscriptionResponse> DecodeFields(Decoder& d, const CreateSubscriptionResponse*) {
  CreateSubscriptionResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.subscription_id, d.ReadUInt32("SubscriptionId"));
  GANTRY_ASSIGN_OR_RETURN(r.revised_publishing_interval_ms,
                          d.ReadDouble("RevisedPublishingInterval"));
  GANTRY_ASSIGN_OR_RETURN(r.revised_lifetime_count, d.ReadUInt32("RevisedLifetimeCount"));
  GANTRY_ASSIGN_OR_RETURN(r.revised_max_keep_alive_count, d.ReadUInt32("RevisedMaxKeepAliveCount"));
  return r;
}

Result<CreateMonitoredItemsResponse> DecodeFields(Decoder& d, const CreateMonitoredItemsResponse*) {
  CreateMonitoredItemsResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results,
                          DecodeArray<MonitoredItemResult>(d, "Results", 23, DecodeItemResult));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<PublishResponse> DecodeFields(Decoder& d, const PublishResponse*) {
  PublishResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.subscription_id, d.ReadUInt32("SubscriptionId"));
  GANTRY_ASSIGN_OR_RETURN(
      r.available_sequence_numbers,
      DecodeArray<uint32_t>(d, "AvailableSequenceNumbers", 4, ReadSequenceNumber));
  GANTRY_ASSIGN_OR_RETURN(r.more_notifications, d.ReadBoolean("MoreNotifications"));
  GANTRY_ASSIGN_OR_RETURN(r.notification, DecodeNotificationMessage(d));
  GANTRY_ASSIGN_OR_RETURN(r.results, DecodeArray<Quality>(d, "Results", 4, DecodeStatusCode));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<RepublishResponse> DecodeFields(Decoder& d, const RepublishResponse*) {
  RepublishResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.notification, DecodeNotificationMessage(d));
  return r;
}

}  // namespace gantry::opcua
