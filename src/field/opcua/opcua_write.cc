// OpcUaConnector::WriteTag: writes go over a second session of their own, so that a write never
// waits behind the subscription's long-polling Publish, and are refused unless the device's
// configuration says `writes: enabled`.
#include <spdlog/spdlog.h>

#include <span>
#include <string>
#include <vector>

#include "field/opcua/client.h"
#include "field/opcua/opcua_connector.h"
#include "field/opcua/opcua_points.h"
#include "field/opcua/status_names.h"

namespace gantry::opcua {

Result<NodeId> OpcUaConnector::ResolveWriteNode(Client& c, const OpcUaPoint& point) {
  // The server's namespace table, read once per write connection (a restarted server may have
  // renumbered it; a new connection reads it again).
  const bool by_uri = !point.namespace_uri.empty() || !point.browse_path_uris.empty();
  if (by_uri && write_client_namespaces_.empty()) {
    auto read = c.ReadNamespaceArray();
    if (!read.ok()) return Unavailable("reading the namespace table: " + read.status().message());
    write_client_namespaces_ = std::move(read).value();
  }
  const std::span<const std::string> namespaces = write_client_namespaces_;
  if (point.node_id) {
    auto id = ResolveNodeIdRef(NodeIdRef{*point.node_id, point.namespace_uri}, namespaces);
    if (!id.ok()) {
      return FailedPrecondition(fmt::format("{}: write to {}: node {} does not resolve: {}",
                                            log_prefix_, point.tag.path, point.address,
                                            id.status().message()));
    }
    return *id;
  }
  auto path =
      ResolveBrowsePathRef(BrowsePathRef{*point.browse_path, point.browse_path_uris}, namespaces);
  if (!path.ok()) {
    return FailedPrecondition(fmt::format("{}: write to {}: browse path {} does not resolve: {}",
                                          log_prefix_, point.tag.path, point.address,
                                          path.status().message()));
  }
  auto results = c.TranslateBrowsePaths({*path});
  if (!results.ok()) return Unavailable("translating a browse path: " + results.status().message());
  const BrowsePathResult& r = results->at(0);
  if (!r.status.IsGood() || r.targets.empty() || r.targets[0].target.server_index != 0 ||
      r.targets[0].remaining_path_index != UINT32_MAX) {
    return FailedPrecondition(fmt::format(
        "{}: write to {}: browse path {} does not resolve: {}", log_prefix_, point.tag.path,
        point.address, StatusName(r.status.IsGood() ? Quality::BadNodeIdUnknown() : r.status)));
  }
  return r.targets[0].target.node_id;
}

Status OpcUaConnector::WriteTag(TagId tag, const Value& value) {
  const auto it = std::find(tag_ids_.begin(), tag_ids_.end(), tag);
  if (it == tag_ids_.end())
    return NotFound(fmt::format("{}: tag {} is not read from this device", log_prefix_, tag));
  const size_t index = static_cast<size_t>(it - tag_ids_.begin());
  const OpcUaPoint& point = config_.points[index];
  if (!config_.writes_enabled) {
    spdlog::warn("{}: write to {} refused: writes are disabled for this device", log_prefix_,
                 point.tag.path);
    return PermissionDenied(fmt::format(
        "{}: writes are disabled for this device (set `writes: enabled` in its configuration)",
        log_prefix_));
  }
  std::lock_guard lock(write_mutex_);
  if (write_types_.empty()) write_types_.assign(config_.points.size(), BuiltinType::kNull);
  Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {  // once more on a fresh connection
    if (!write_client_) {
      auto client = Connect(nullptr);
      if (!client.ok()) return Unavailable(log_prefix_ + ": write: " + client.status().message());
      write_client_ = std::move(client).value();
      write_client_namespaces_.clear();
    }
    Client& c = *write_client_;
    auto node = ResolveWriteNode(c, point);
    if (!node.ok()) {
      if (node.status().code() == StatusCode::kFailedPrecondition) {
        spdlog::warn("{}", node.status().message());
        return node.status();
      }
      last = node.status();
      write_client_.reset();
      continue;
    }
    BuiltinType& type = write_types_[index];
    if (type == BuiltinType::kNull) {
      auto attrs = c.ReadAttributes({ReadValueId{*node, kAttributeDataType, {}, {}}});
      if (!attrs.ok()) {
        last = attrs.status();
        write_client_.reset();
        continue;
      }
      const DataValue& dv = (*attrs)[0];
      const NodeId* data_type =
          dv.value && !dv.value->is_array ? std::get_if<NodeId>(&dv.value->scalar) : nullptr;
      const uint32_t* id = data_type && data_type->namespace_index == 0
                               ? std::get_if<uint32_t>(&data_type->identifier)
                               : nullptr;
      if (!id || *id < 1 || *id > 25) {
        return FailedPrecondition(
            fmt::format("{}: node {} has data type {} ({}); only built-in types can be written",
                        log_prefix_, point.address, data_type ? data_type->ToString() : "unknown",
                        StatusName(dv.status.value_or(Quality::Good()))));
      }
      type = static_cast<BuiltinType>(*id);
    }
    GANTRY_ASSIGN_OR_RETURN(Variant wire, ToWireValue(point, value, type));
    WriteValue w;
    w.node_id = *node;
    w.value.value = std::move(wire);
    auto results = c.Write({w});
    if (!results.ok()) {
      last = results.status();
      write_client_.reset();
      continue;
    }
    const Quality q = (*results)[0];
    if (!q.IsGood()) {
      return FailedPrecondition(fmt::format("{}: the server refused the write to {} ({}): {}",
                                            log_prefix_, point.tag.path, point.address,
                                            StatusName(q)));
    }
    spdlog::info("{}: wrote {} to {} ({})", log_prefix_, value.ToString(), point.tag.path,
                 point.address);
    return Status::Ok();
  }
  return Unavailable(log_prefix_ + ": write: " + last.message());
}

}  // namespace gantry::opcua
