#include "field/mqtt/sparkplug_host.h"

#include <fmt/format.h>

#include <set>

#include "field/mqtt/sparkplug_values.h"

namespace gantry::mqtt {
namespace {

using sparkplug::Metric;
using sparkplug::Payload;

std::string MetricKey(std::string_view group, std::string_view node, std::string_view device,
                      std::string_view metric) {
  std::string key;
  key.reserve(group.size() + node.size() + device.size() + metric.size() + 3);
  key.append(group).push_back('\0');
  key.append(node).push_back('\0');
  key.append(device).push_back('\0');
  key.append(metric);
  return key;
}

std::string DeviceMetric(std::string_view device, std::string_view metric) {
  std::string key(device);
  key.push_back('\0');
  key.append(metric);
  return key;
}

// Sparkplug timestamps are ms since 1970; out of range (or absent): `fallback`.
Timestamp FromMs(std::optional<uint64_t> ms, Timestamp fallback) {
  if (!ms || *ms > static_cast<uint64_t>(INT64_MAX / 1'000'000)) return fallback;
  return static_cast<Timestamp>(*ms) * 1'000'000;
}

std::optional<uint64_t> BdSeq(const Payload& p) {
  for (const Metric& m : p.metrics) {
    if (m.name && *m.name == "bdSeq" &&
        (m.kind == sparkplug::ValueKind::kLong || m.kind == sparkplug::ValueKind::kInt))
      return m.integer;
  }
  return std::nullopt;
}

std::string NodeName(const std::string& group, const std::string& node) {
  return group + "/" + node;
}

}  // namespace

std::optional<SparkplugTopic> ParseSparkplugTopic(std::string_view topic) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  while (levels.size() <= 5) {
    const size_t slash = topic.find('/', start);
    levels.push_back(
        topic.substr(start, slash == std::string_view::npos ? topic.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (levels.size() < 3 || levels.size() > 5 || levels[0] != kSparkplugNamespace)
    return std::nullopt;
  for (std::string_view l : levels)
    if (l.empty()) return std::nullopt;
  SparkplugTopic t;
  if (levels[1] == "STATE") {
    if (levels.size() != 3) return std::nullopt;
    t.type = SparkplugMessageType::kState;
    t.edge_node = std::string(levels[2]);
    return t;
  }
  if (levels.size() < 4) return std::nullopt;
  static constexpr std::pair<std::string_view, SparkplugMessageType> kTypes[] = {
      {"NBIRTH", SparkplugMessageType::kNBirth}, {"NDATA", SparkplugMessageType::kNData},
      {"NDEATH", SparkplugMessageType::kNDeath}, {"NCMD", SparkplugMessageType::kNCmd},
      {"DBIRTH", SparkplugMessageType::kDBirth}, {"DDATA", SparkplugMessageType::kDData},
      {"DDEATH", SparkplugMessageType::kDDeath}, {"DCMD", SparkplugMessageType::kDCmd}};
  bool found = false;
  for (const auto& [name, type] : kTypes) {
    if (levels[2] == name) {
      t.type = type;
      found = true;
    }
  }
  if (!found) return std::nullopt;
  const bool device_message = levels[2][0] == 'D';
  if (device_message != (levels.size() == 5)) return std::nullopt;
  t.group = std::string(levels[1]);
  t.edge_node = std::string(levels[3]);
  if (device_message) t.device = std::string(levels[4]);
  return t;
}

SparkplugHost::SparkplugHost(const MqttDeviceConfig& config, std::span<const TagId> tag_ids)
    : config_(config), tag_ids_(tag_ids.begin(), tag_ids.end()), last_(config.points.size()) {
  for (size_t i = 0; i < config.points.size() && i < tag_ids_.size(); ++i) {
    const MqttPoint& p = config.points[i];
    if (p.source != PointSource::kSparkplug) continue;
    const SparkplugAddress& a = p.sparkplug;
    by_metric_[MetricKey(a.group, a.edge_node, a.device, a.metric)].push_back(i);
    NodeState& node = nodes_[{a.group, a.edge_node}];
    node.group = a.group;
    node.edge_node = a.edge_node;
    node.points.push_back(i);
  }
}

std::vector<std::string> SparkplugHost::Subscriptions() const {
  std::set<std::string> groups;
  for (const auto& [key, node] : nodes_) groups.insert(key.first);
  std::vector<std::string> out;
  for (const std::string& g : groups) out.push_back(fmt::format("{}/{}/#", kSparkplugNamespace, g));
  if (!config_.sparkplug.host_id.empty()) out.push_back(StateTopic());
  return out;
}

std::string SparkplugHost::StateTopic() const {
  if (config_.sparkplug.host_id.empty()) return {};
  return fmt::format("{}/STATE/{}", kSparkplugNamespace, config_.sparkplug.host_id);
}

std::string SparkplugHost::StatePayload(bool online, Timestamp time) {
  return fmt::format("{{\"online\":{},\"timestamp\":{}}}", online ? "true" : "false",
                     time / 1'000'000);
}

std::string SparkplugHost::RebirthRequest(Timestamp now) {
  Payload p;
  p.timestamp = static_cast<uint64_t>(now / 1'000'000);
  Metric m;
  m.name = "Node Control/Rebirth";
  m.timestamp = p.timestamp;
  m.datatype = static_cast<uint32_t>(sparkplug::DataType::kBoolean);
  m.kind = sparkplug::ValueKind::kBoolean;
  m.integer = 1;
  p.metrics.push_back(std::move(m));
  return sparkplug::EncodePayload(p);
}

SparkplugHost::NodeState* SparkplugHost::FindNode(const std::string& group,
                                                  const std::string& edge_node) {
  auto it = nodes_.find({group, edge_node});
  return it == nodes_.end() ? nullptr : &it->second;
}

bool SparkplugHost::AdvanceSeq(NodeState& node, const Payload& p) {
  if (!p.seq || *p.seq > 255) return false;
  if (*p.seq != static_cast<uint8_t>(node.seq + 1)) return false;
  node.seq = static_cast<uint8_t>(*p.seq);
  return true;
}

void SparkplugHost::RequestRebirth(NodeState& node, Timestamp now, Reaction& r, bool force) {
  if (!force && node.last_rebirth_request != INT64_MIN &&
      now - node.last_rebirth_request < config_.sparkplug.rebirth_interval)
    return;
  node.last_rebirth_request = now;
  counters_.rebirths_requested.fetch_add(1);
  r.commands.push_back(
      Command{fmt::format("{}/{}/NCMD/{}", kSparkplugNamespace, node.group, node.edge_node),
              RebirthRequest(now)});
}

void SparkplugHost::MarkStale(NodeState& node, std::string why, Timestamp now, Reaction& r) {
  counters_.sequence_gaps.fetch_add(1);
  node.born = false;
  for (size_t p : node.points) {
    std::optional<Sample>& last = last_[p];
    if (!last || last->quality.IsBad() || last->value.empty()) continue;
    if (last->quality == Quality::UncertainLastUsableValue()) continue;  // already stale
    Sample s = *last;
    s.time = std::max(now, last->time);
    s.quality = Quality::UncertainLastUsableValue();
    last = s;
    r.samples.push_back(std::move(s));
  }
  r.problem = fmt::format("edge node {}: {}; its values are uncertain until it rebirths",
                          NodeName(node.group, node.edge_node), why);
  RequestRebirth(node, now, r);
}

void SparkplugHost::MarkBad(NodeState& node, std::optional<std::string_view> device, Quality q,
                            Timestamp now, Reaction& r) {
  for (size_t p : node.points) {
    if (device && std::string_view(config_.points[p].sparkplug.device) != *device) continue;
    Sample s{tag_ids_[p], now, Value(), q, 0};
    if (last_[p] && last_[p]->time > now) s.time = last_[p]->time;  // never older than the last
    last_[p] = s;
    r.samples.push_back(std::move(s));
  }
}

void SparkplugHost::ApplyMetrics(NodeState& node, const std::string& device, const Payload& p,
                                 bool birth, Timestamp now, Reaction& r) {
  const Timestamp payload_time = FromMs(p.timestamp, now);
  for (const Metric& m : p.metrics) {
    std::string name;
    uint32_t datatype = m.datatype.value_or(0);
    const std::vector<size_t>* points = nullptr;
    if (m.name) {
      name = *m.name;
      auto found = by_metric_.find(MetricKey(node.group, node.edge_node, device, name));
      if (found != by_metric_.end()) points = &found->second;
      if (birth) {
        node.datatypes[DeviceMetric(device, name)] = datatype;
        if (m.alias) node.aliases[*m.alias] = MetricRef{device, name, datatype, points};
      } else if (!m.datatype) {
        auto it = node.datatypes.find(DeviceMetric(device, name));
        if (it != node.datatypes.end()) datatype = it->second;
      }
    } else if (m.alias) {
      auto it = node.aliases.find(*m.alias);
      if (it == node.aliases.end() || it->second.device != device) {
        counters_.unknown_aliases.fetch_add(1);
        r.problem = fmt::format("edge node {}{}{}: alias {} was not in its birth; ignored",
                                NodeName(node.group, node.edge_node), device.empty() ? "" : "/",
                                device, *m.alias);
        continue;
      }
      points = it->second.points;  // the alias was resolved to tags at birth
      if (!m.datatype) datatype = it->second.datatype;
    } else {
      continue;
    }
    if (points == nullptr) continue;  // a metric none of our tags reads
    const Timestamp time = FromMs(m.timestamp, payload_time);
    for (size_t point : *points) {
      auto [value, quality] = sparkplug::MetricToValue(m, datatype, config_.points[point].tag);
      Sample s{tag_ids_[point], time, std::move(value), quality, 0};
      // A birth after a death (or a gap, or a lost connection) carries the time each value last
      // changed, older than the quality mark Gantry stamped on receipt in between, yet it is the
      // value from now on: it is published at that mark's time. Edge-made times are kept.
      if (!m.is_historical && last_[point] && !last_[point]->quality.IsGood() &&
          last_[point]->time > s.time)
        s.time = last_[point]->time;
      if (!m.is_historical) last_[point] = s;  // history does not become the current value
      r.samples.push_back(std::move(s));
    }
  }
}

SparkplugHost::Reaction SparkplugHost::OnMessage(std::string_view topic, std::string_view payload,
                                                 Timestamp now) {
  Reaction r;
  std::optional<SparkplugTopic> t = ParseSparkplugTopic(topic);
  if (!t) return r;
  if (t->type == SparkplugMessageType::kState) {
    if (!config_.sparkplug.host_id.empty() && t->edge_node == config_.sparkplug.host_id &&
        payload.find("\"online\"") != std::string_view::npos &&
        payload.find("false") != std::string_view::npos)
      r.republish_state = true;
    return r;
  }
  if (t->type == SparkplugMessageType::kNCmd || t->type == SparkplugMessageType::kDCmd) return r;
  NodeState* node = FindNode(t->group, t->edge_node);
  if (node == nullptr) return r;  // an edge node none of our tags come from
  Result<Payload> decoded = sparkplug::DecodePayload(payload);
  if (!decoded.ok()) {
    MarkStale(*node,
              fmt::format("{} payload does not decode ({})", topic, decoded.status().message()),
              now, r);
    return r;
  }
  const Payload& p = *decoded;
  switch (t->type) {
    case SparkplugMessageType::kNBirth:
      counters_.births.fetch_add(1);
      node->born = true;
      node->last_rebirth_request = INT64_MIN;  // answered: a new problem may ask again at once
      node->seq = static_cast<uint8_t>(p.seq.value_or(0));
      node->bd_seq = BdSeq(p);
      node->aliases.clear();
      node->datatypes.clear();
      node->devices_born.clear();
      ApplyMetrics(*node, "", p, true, now, r);
      return r;
    case SparkplugMessageType::kNDeath: {
      const std::optional<uint64_t> bd = BdSeq(p);
      if (bd && node->bd_seq && *bd != *node->bd_seq) {
        counters_.stale_deaths_ignored.fetch_add(1);
        r.problem = fmt::format(
            "edge node {}: NDEATH with bdSeq {} ignored (the current birth has bdSeq {})",
            NodeName(node->group, node->edge_node), *bd, *node->bd_seq);
        return r;
      }
      counters_.deaths.fetch_add(1);
      node->born = false;
      node->devices_born.clear();
      MarkBad(*node, std::nullopt, Quality::BadNotConnected(), now, r);
      return r;
    }
    default: break;
  }
  // Everything else needs the node's birth and the next seq.
  if (!node->born) {
    counters_.sequence_gaps.fetch_add(1);
    r.problem = fmt::format("edge node {}: {} before its NBIRTH; ignored",
                            NodeName(node->group, node->edge_node), topic);
    RequestRebirth(*node, now, r);
    return r;
  }
  if (!AdvanceSeq(*node, p)) {
    MarkStale(*node,
              p.seq ? fmt::format("seq {} after {} (messages lost)", *p.seq, node->seq)
                    : std::string("a message without seq"),
              now, r);
    return r;
  }
  switch (t->type) {
    case SparkplugMessageType::kNData: ApplyMetrics(*node, "", p, false, now, r); break;
    case SparkplugMessageType::kDBirth:
      counters_.births.fetch_add(1);
      node->devices_born[t->device] = true;
      ApplyMetrics(*node, t->device, p, true, now, r);
      break;
    case SparkplugMessageType::kDData:
      if (!node->devices_born.count(t->device)) {
        r.problem = fmt::format("device {}/{}: DDATA before its DBIRTH; ignored",
                                NodeName(node->group, node->edge_node), t->device);
        RequestRebirth(*node, now, r);
        break;
      }
      ApplyMetrics(*node, t->device, p, false, now, r);
      break;
    case SparkplugMessageType::kDDeath:
      counters_.deaths.fetch_add(1);
      node->devices_born.erase(t->device);
      MarkBad(*node, t->device, Quality::BadNotConnected(), now, r);
      break;
    default: break;
  }
  return r;
}

SparkplugHost::Reaction SparkplugHost::OnConnected(Timestamp now) {
  Reaction r;
  for (auto& [key, node] : nodes_) {
    node.born = false;
    node.devices_born.clear();
    RequestRebirth(node, now, r, /*force=*/true);
  }
  return r;
}

SparkplugHost::Reaction SparkplugHost::OnConnectionLost(Timestamp now, Quality quality) {
  Reaction r;
  for (auto& [key, node] : nodes_) {
    node.born = false;
    node.devices_born.clear();
    MarkBad(node, std::nullopt, quality, now, r);
  }
  return r;
}

Result<SparkplugHost::Command> SparkplugHost::WriteCommand(size_t point, const Value& value,
                                                           Timestamp now) const {
  const MqttPoint& p = config_.points.at(point);
  const SparkplugAddress& a = p.sparkplug;
  auto found = nodes_.find({a.group, a.edge_node});
  if (found == nodes_.end()) return FailedPrecondition(p.tag.path + " is not a Sparkplug metric");
  const NodeState& node = found->second;
  const std::string where =
      NodeName(a.group, a.edge_node) + (a.device.empty() ? "" : "/") + a.device;
  if (!node.born)
    return Unavailable(
        fmt::format("write to {}: edge node {} is not born (dead, or no NBIRTH "
                    "since Gantry connected)",
                    p.tag.path, NodeName(a.group, a.edge_node)));
  if (!a.device.empty() && !node.devices_born.count(a.device))
    return Unavailable(fmt::format("write to {}: device {} is not born (dead, or no DBIRTH yet)",
                                   p.tag.path, where));
  auto type = node.datatypes.find(DeviceMetric(a.device, a.metric));
  if (type == node.datatypes.end())
    return FailedPrecondition(fmt::format("write to {}: the birth of {} has no metric '{}'",
                                          p.tag.path, where, a.metric));
  GANTRY_ASSIGN_OR_RETURN(Metric m, sparkplug::MetricForWrite(value, type->second, p.tag));
  m.name = a.metric;
  for (const auto& [alias, ref] : node.aliases)
    if (ref.device == a.device && ref.name == a.metric) m.alias = alias;
  Payload payload;
  payload.timestamp = static_cast<uint64_t>(now / 1'000'000);
  m.timestamp = payload.timestamp;
  payload.metrics.push_back(std::move(m));
  Command c;
  c.topic =
      a.device.empty()
          ? fmt::format("{}/{}/NCMD/{}", kSparkplugNamespace, a.group, a.edge_node)
          : fmt::format("{}/{}/DCMD/{}/{}", kSparkplugNamespace, a.group, a.edge_node, a.device);
  c.payload = sparkplug::EncodePayload(payload);
  return c;
}

}  // namespace gantry::mqtt
