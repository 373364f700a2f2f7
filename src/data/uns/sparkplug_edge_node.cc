#include "data/uns/sparkplug_edge_node.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace gantry::uns {
namespace {

using sparkplug::DataType;
using sparkplug::Metric;
using sparkplug::Payload;
using sparkplug::ValueKind;

constexpr char kRebirth[] = "Node Control/Rebirth";

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

bool UnderPrefix(const std::string& path, const std::string& prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/');
}

DataType DataTypeOf(ValueType t) {
  switch (t) {
    case ValueType::kInt64: return DataType::kInt64;
    case ValueType::kBool: return DataType::kBoolean;
    case ValueType::kString: return DataType::kString;
    case ValueType::kDouble:
    case ValueType::kEmpty: break;
  }
  return DataType::kDouble;
}

sparkplug::PropertyValue Int32Property(int32_t v) {
  sparkplug::PropertyValue p;
  p.type = static_cast<uint32_t>(DataType::kInt32);
  p.kind = ValueKind::kInt;
  p.integer = static_cast<uint32_t>(v);
  return p;
}

}  // namespace

int32_t SparkplugQuality(Quality q) {
  return q.IsGood() ? 192 : q.IsUncertain() ? 64 : 0;
}

SparkplugEdgeNode::SparkplugEdgeNode(const TagRegistry& registry, TagBus& bus,
                                     SparkplugEdgeSettings settings)
    : registry_(registry),
      settings_(std::move(settings)),
      subscription_(
          bus.Subscribe("uns-sparkplug", settings_.queue_samples, OverflowPolicy::kDropOldest)),
      published_(registry.size(), false),
      last_(registry.size()),
      last_sent_(registry.size()) {
  for (TagId id = 0; id < registry.size(); ++id) {
    bool published = settings_.tag_prefixes.empty();
    for (const std::string& p : settings_.tag_prefixes)
      published = published || UnderPrefix(registry.Get(id).path, p);
    published_[id] = published;
  }
  for (Sample& s : last_) s.tag = kInvalidTagId;
  for (Sample& s : last_sent_) s.tag = kInvalidTagId;
  mqtt::MqttClientOptions options = settings_.client;
  if (options.log_name == "mqtt") options.log_name = "uns sparkplug";
  mqtt::MqttCallbacks callbacks;
  callbacks.will = [this] { return Will(); };
  callbacks.on_connected = [this] { OnConnected(); };
  callbacks.on_message = [this](const mqtt::MqttMessage& m) { OnMessage(m); };
  client_ = std::make_unique<mqtt::MqttClient>(options, std::move(callbacks));
  client_->Subscribe(Topic("NCMD"), 0);
}

SparkplugEdgeNode::~SparkplugEdgeNode() {
  Stop();
}

std::string SparkplugEdgeNode::Topic(std::string_view type) const {
  return "spBv1.0/" + settings_.group_id + "/" + std::string(type) + "/" + settings_.edge_node_id;
}

Status SparkplugEdgeNode::Start() {
  if (thread_.joinable()) return FailedPrecondition("sparkplug edge node already started");
  GANTRY_RETURN_IF_ERROR(client_->Start());
  size_t published = 0;
  for (bool p : published_) published += p ? 1 : 0;
  spdlog::info("uns sparkplug: edge node {}/{} with {} of {} tags as metrics on {}",
               settings_.group_id, settings_.edge_node_id, published, published_.size(),
               client_->Endpoint());
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void SparkplugEdgeNode::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
  uint64_t bd_seq = 0;
  {
    std::lock_guard lock(mu_);
    bd_seq = bd_seq_;
  }
  if (client_->connected()) {
    const std::string death = sparkplug::EncodePayload(DeathPayload(bd_seq));
    if (client_->Publish(Topic("NDEATH"), death, 1, false).ok()) (void)client_->Flush(kSecond);
  }
  client_->Stop();
}

SparkplugEdgeStats SparkplugEdgeNode::Stats() const {
  std::lock_guard lock(mu_);
  SparkplugEdgeStats s = stats_;
  s.connected = client_->connected();
  s.bd_seq = bd_seq_;
  return s;
}

std::string SparkplugEdgeNode::MetricsText() const {
  const SparkplugEdgeStats s = Stats();
  std::string out;
  auto add = [&out](const char* name, const char* help, const char* type, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(v) + "\n";
  };
  add("gantry_uns_sparkplug_connected", "1 while the edge node is connected", "gauge",
      s.connected ? 1 : 0);
  add("gantry_uns_sparkplug_births_total", "NBIRTH messages sent", "counter", s.births);
  add("gantry_uns_sparkplug_rebirth_requests_total", "rebirth NCMDs received", "counter",
      s.rebirth_requests);
  add("gantry_uns_sparkplug_ndata_total", "NDATA messages sent", "counter", s.ndata);
  add("gantry_uns_sparkplug_metrics_total", "metric changes sent in NDATA", "counter",
      s.metrics_sent);
  add("gantry_uns_sparkplug_suppressed_total", "readings not sent: unchanged or older", "counter",
      s.suppressed);
  add("gantry_uns_sparkplug_not_sent_total",
      "changes while disconnected (the next NBIRTH carries the state)", "counter", s.not_sent);
  add("gantry_uns_sparkplug_bdseq", "bdSeq of the current connection", "gauge", s.bd_seq);
  return out;
}

std::optional<mqtt::MqttWill> SparkplugEdgeNode::Will() {
  uint64_t bd_seq = 0;
  {
    std::lock_guard lock(mu_);
    bd_seq_ = bd_seq = next_bd_seq_;
    next_bd_seq_ = (next_bd_seq_ + 1) % 256;
  }
  mqtt::MqttWill will;
  will.topic = Topic("NDEATH");
  will.payload = sparkplug::EncodePayload(DeathPayload(bd_seq));
  will.qos = 1;
  will.retain = false;
  return will;
}

Payload SparkplugEdgeNode::DeathPayload(uint64_t bd_seq) const {
  Payload p;
  p.timestamp = NowMs();
  Metric m;
  m.name = "bdSeq";
  m.timestamp = p.timestamp;
  m.datatype = static_cast<uint32_t>(DataType::kInt64);
  m.kind = ValueKind::kLong;
  m.integer = bd_seq;
  p.metrics.push_back(std::move(m));
  return p;
}

Metric SparkplugEdgeNode::MetricOf(TagId id, const Sample& s, bool birth) const {
  const TagConfig& tag = registry_.Get(id);
  Metric m;
  m.alias = uint64_t{id} + 1;
  if (birth) {
    m.name = tag.path;
    m.datatype = static_cast<uint32_t>(DataTypeOf(tag.type));
  }
  const bool seen = s.tag != kInvalidTagId;
  m.timestamp = seen ? static_cast<uint64_t>(s.time / kMillisecond) : NowMs();
  sparkplug::PropertySet props;
  props.keys.push_back("Quality");
  props.values.push_back(Int32Property(seen ? SparkplugQuality(s.quality) : 0));
  if (birth && !tag.unit.empty()) {
    sparkplug::PropertyValue unit;
    unit.type = static_cast<uint32_t>(DataType::kString);
    unit.kind = ValueKind::kString;
    unit.text = tag.unit;
    props.keys.push_back("engUnit");
    props.values.push_back(std::move(unit));
  }
  m.properties = std::move(props);
  bool has_value = false;
  if (seen && !s.value.empty()) {
    switch (DataTypeOf(tag.type)) {
      case DataType::kInt64:
        if (std::optional<int64_t> v = s.value.AsInt64()) {
          m.kind = ValueKind::kLong;
          m.integer = static_cast<uint64_t>(*v);
          has_value = true;
        }
        break;
      case DataType::kBoolean:
        if (std::optional<bool> v = s.value.AsBool()) {
          m.kind = ValueKind::kBoolean;
          m.integer = *v ? 1 : 0;
          has_value = true;
        }
        break;
      case DataType::kString:
        m.kind = ValueKind::kString;
        m.text = s.value.AsString() != nullptr ? *s.value.AsString() : s.value.ToString();
        has_value = true;
        break;
      default:
        if (std::optional<double> v = s.value.AsDouble()) {
          m.kind = ValueKind::kDouble;
          m.number = *v;
          has_value = true;
        }
        break;
    }
  }
  m.is_null = !has_value;
  return m;
}

Payload SparkplugEdgeNode::BirthPayload() {
  std::lock_guard lock(mu_);
  return BirthPayloadLocked();
}

Payload SparkplugEdgeNode::BirthPayloadLocked() const {
  Payload p;
  p.timestamp = NowMs();
  p.seq = 0;
  Payload death = DeathPayload(bd_seq_);
  p.metrics.push_back(std::move(death.metrics[0]));
  Metric rebirth;
  rebirth.name = kRebirth;
  rebirth.timestamp = p.timestamp;
  rebirth.datatype = static_cast<uint32_t>(DataType::kBoolean);
  rebirth.kind = ValueKind::kBoolean;
  rebirth.integer = 0;
  p.metrics.push_back(std::move(rebirth));
  for (TagId id = 0; id < published_.size(); ++id)
    if (published_[id]) p.metrics.push_back(MetricOf(id, last_[id], true));
  return p;
}

void SparkplugEdgeNode::SendBirthLocked() {
  Status s =
      client_->Publish(Topic("NBIRTH"), sparkplug::EncodePayload(BirthPayloadLocked()), 0, false);
  if (!s.ok()) {
    spdlog::warn("uns sparkplug: cannot publish NBIRTH: {}", s.message());
    return;
  }
  born_connection_ = client_->connects();
  seq_ = 1;
  last_sent_ = last_;
  ++stats_.births;
}

void SparkplugEdgeNode::OnConnected() {
  std::lock_guard lock(mu_);
  SendBirthLocked();
  spdlog::info("uns sparkplug: NBIRTH sent (bdSeq {}, {} metrics)", bd_seq_, published_.size());
}

void SparkplugEdgeNode::OnMessage(const mqtt::MqttMessage& m) {
  if (m.topic != Topic("NCMD")) return;
  Result<Payload> p = sparkplug::DecodePayload(m.payload);
  if (!p.ok()) {
    spdlog::warn("uns sparkplug: undecodable NCMD ignored: {}", p.status().message());
    return;
  }
  for (const Metric& metric : p->metrics) {
    if (metric.name == kRebirth && metric.kind == ValueKind::kBoolean && metric.integer != 0) {
      std::lock_guard lock(mu_);
      ++stats_.rebirth_requests;
      SendBirthLocked();
      return;
    }
  }
}

void SparkplugEdgeNode::Run() {
  std::vector<Metric> changed;
  while (!stop_.load()) {
    SampleBatch batch = subscription_->Pop(50 * kMillisecond);
    if (!batch) continue;
    std::lock_guard lock(mu_);
    const bool born = client_->connected() && born_connection_ == client_->connects();
    changed.clear();
    auto flush = [&] {
      if (changed.empty()) return;
      Payload p;
      p.timestamp = NowMs();
      p.seq = seq_;
      p.metrics = std::move(changed);
      changed.clear();
      const size_t n = p.metrics.size();
      if (client_->Publish(Topic("NDATA"), sparkplug::EncodePayload(p), 0, false).ok()) {
        seq_ = (seq_ + 1) % 256;
        ++stats_.ndata;
        stats_.metrics_sent += n;
      } else {
        stats_.not_sent += n;  // the next NBIRTH carries the state
      }
    };
    for (const Sample& s : *batch) {
      if (s.tag >= published_.size() || !published_[s.tag]) continue;
      Sample& last = last_[s.tag];
      if (last.tag != kInvalidTagId && s.time < last.time) {
        ++stats_.suppressed;
        continue;
      }
      Sample next = s;
      if (next.value.empty() && last.tag != kInvalidTagId && !next.quality.IsGood())
        next.value = last.value;  // "last known 71.2, BadNotConnected", as the JSON payload
      last = std::move(next);
      const Sample& sent = last_sent_[s.tag];
      if (sent.tag != kInvalidTagId && sent.value == last.value && sent.quality == last.quality) {
        ++stats_.suppressed;
        continue;
      }
      if (!born) {
        ++stats_.not_sent;
        continue;
      }
      changed.push_back(MetricOf(s.tag, last, false));
      last_sent_[s.tag] = last;
      if (changed.size() >= settings_.max_metrics_per_ndata) flush();
    }
    flush();
  }
}

}  // namespace gantry::uns
