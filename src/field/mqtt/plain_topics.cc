#include "field/mqtt/plain_topics.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "field/mqtt/sparkplug_values.h"

namespace gantry::mqtt {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// The nesting depth of a JSON text (brackets outside strings), to refuse a hostile one before
// parsing.
int JsonDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      max_depth = std::max(max_depth, ++depth);
    else if (c == '}' || c == ']')
      --depth;
  }
  return max_depth;
}

// A raw (non-JSON) payload as a value: a number, true/false, else the text itself.
Value RawValue(std::string_view text, ValueType want) {
  const std::string_view t = Trim(text);
  if (t == "true" || t == "false") return Value(t == "true");
  if (want != ValueType::kString) {
    int64_t i = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
    if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) return Value(i);
    double d = 0;
    auto [dend, dec] = std::from_chars(t.data(), t.data() + t.size(), d);
    if (dec == std::errc() && dend == t.data() + t.size() && !t.empty()) return Value(d);
    return Value();
  }
  return Value(std::string(text));
}

Value JsonValue(const nlohmann::json& j) {
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_integer() && !j.is_number_unsigned()) return Value(j.get<int64_t>());
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
    return Value(static_cast<int64_t>(u));
  }
  if (j.is_number_float()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  return Value();
}

Result<Timestamp> JsonTime(const nlohmann::json& j, TimestampUnit unit, std::string_view where) {
  if (j.is_string()) {
    Result<Timestamp> t = ParseTimestamp(j.get<std::string>());
    if (!t.ok())
      return InvalidArgument(
          fmt::format("timestamp at {} is not ISO 8601: {}", where, t.status().message()));
    return t;
  }
  if (!j.is_number())
    return InvalidArgument(fmt::format("timestamp at {} is not a number or a string", where));
  int64_t per_unit = 1'000'000;
  switch (unit) {
    case TimestampUnit::kSeconds: per_unit = 1'000'000'000; break;
    case TimestampUnit::kMilliseconds: per_unit = 1'000'000; break;
    case TimestampUnit::kMicroseconds: per_unit = 1'000; break;
    case TimestampUnit::kNanoseconds: per_unit = 1; break;
  }
  if (j.is_number_integer()) {  // exact: no detour through double
    const bool is_unsigned = j.is_number_unsigned();
    if (is_unsigned && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return InvalidArgument(fmt::format("timestamp at {} is out of range", where));
    const int64_t v = j.get<int64_t>();
    if (v > INT64_MAX / per_unit || v < INT64_MIN / per_unit)
      return InvalidArgument(fmt::format("timestamp at {} is out of range", where));
    return v * per_unit;
  }
  const double ns = j.get<double>() * static_cast<double>(per_unit);
  if (!(ns >= -9.2e18 && ns <= 9.2e18))
    return InvalidArgument(fmt::format("timestamp at {} is out of range", where));
  return static_cast<Timestamp>(ns);
}

}  // namespace

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#'))
    return false;
  size_t f = 0, t = 0;
  while (true) {
    const size_t fe = std::min(filter.find('/', f), filter.size());
    const std::string_view fl = filter.substr(f, fe - f);
    if (fl == "#") return true;  // this level (even absent: "a/#" matches "a") and below
    if (t > topic.size()) return false;
    const size_t te = std::min(topic.find('/', t), topic.size());
    const std::string_view tl = topic.substr(t, te - t);
    if (fl != "+" && fl != tl) return false;
    const bool filter_done = fe >= filter.size(), topic_done = te >= topic.size();
    if (filter_done && topic_done) return true;
    if (filter_done) return false;
    if (topic_done) {
      // "a/#" matches "a": only when what is left of the filter is exactly "#".
      return filter.substr(fe + 1) == "#";
    }
    f = fe + 1;
    t = te + 1;
  }
}

Result<std::pair<Value, Timestamp>> ExtractTopicValue(const TopicAddress& address,
                                                      const TagConfig& tag,
                                                      std::string_view payload,
                                                      Timestamp received_at) {
  if (payload.size() > kMaxPlainPayload)
    return InvalidArgument(fmt::format("payload of {} bytes is above the limit of {}",
                                       payload.size(), kMaxPlainPayload));
  Value raw;
  Timestamp time = received_at;
  if (!address.json) {
    raw = RawValue(payload, tag.type);
    if (raw.empty())
      return InvalidArgument(
          fmt::format("payload {} is not a {}", QuoteForMessage(payload), ValueTypeName(tag.type)));
  } else {
    if (JsonDepth(payload) > kMaxJsonDepth)
      return Malformed(fmt::format("JSON nested deeper than {}", kMaxJsonDepth));
    nlohmann::json doc = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded())
      return Malformed(fmt::format("payload {} is not JSON", QuoteForMessage(payload)));
    try {
      const nlohmann::json::json_pointer pointer(address.pointer);
      if (!doc.contains(pointer))
        return InvalidArgument(fmt::format("the JSON has nothing at '{}'", address.pointer));
      const nlohmann::json& element = doc.at(pointer);
      raw = JsonValue(element);
      if (raw.empty())
        return InvalidArgument(fmt::format("'{}' holds {}, not a number, boolean or string",
                                           address.pointer, element.type_name()));
      if (!address.time_pointer.empty()) {
        const nlohmann::json::json_pointer time_pointer(address.time_pointer);
        if (doc.contains(time_pointer)) {
          GANTRY_ASSIGN_OR_RETURN(
              time, JsonTime(doc.at(time_pointer), address.time_unit, address.time_pointer));
        }
      }
    } catch (const nlohmann::json::exception& e) {  // pointers are checked in the configuration
      return InvalidArgument(fmt::format("JSON pointer: {}", e.what()));
    }
  }
  // A text value for a numeric tag: read the number in it ("21.5" in {"t":"21.5"}).
  if (const std::string* s = raw.AsString(); s && tag.type != ValueType::kString) {
    Value parsed = RawValue(*s, tag.type);
    if (!parsed.empty()) raw = std::move(parsed);
  }
  auto [value, quality] = sparkplug::ConvertForTag(raw, tag);
  if (!quality.IsGood())
    return InvalidArgument(fmt::format("value {} does not convert to {}",
                                       QuoteForMessage(raw.ToString()), ValueTypeName(tag.type)));
  return std::make_pair(std::move(value), time);
}

PlainTopics::PlainTopics(const MqttDeviceConfig& config, std::span<const TagId> tag_ids)
    : config_(config) {
  for (size_t i = 0; i < config.points.size() && i < tag_ids.size(); ++i)
    if (config.points[i].source == PointSource::kTopic) points_.push_back(Point{i, tag_ids[i]});
}

std::vector<std::string> PlainTopics::Subscriptions() const {
  std::set<std::string> filters;
  for (const Point& p : points_) filters.insert(config_.points[p.index].topic.filter);
  return {filters.begin(), filters.end()};
}

PlainTopics::Reaction PlainTopics::OnMessage(std::string_view topic, std::string_view payload,
                                             Timestamp now) {
  Reaction r;
  for (Point& point : points_) {
    const MqttPoint& p = config_.points[point.index];
    if (!TopicMatches(p.topic.filter, topic)) continue;
    Result<std::pair<Value, Timestamp>> v = ExtractTopicValue(p.topic, p.tag, payload, now);
    if (v.ok()) {
      r.samples.push_back(Sample{point.tag, std::max(v->second, point.bad_since),
                                 std::move(v->first), Quality::Good(), 0});
      point.bad_since = INT64_MIN;
    } else {
      const Quality q = v.status().code() == StatusCode::kMalformed ? Quality::BadDecodingError()
                                                                    : Quality::BadTypeMismatch();
      point.bad_since = std::max(now, point.bad_since);
      r.samples.push_back(Sample{point.tag, point.bad_since, Value(), q, 0});
      r.problems.push_back(
          fmt::format("topic '{}' (tag {}): {}", topic, p.tag.path, v.status().message()));
    }
  }
  return r;
}

std::vector<Sample> PlainTopics::OnConnectionLost(Timestamp now, Quality quality) {
  std::vector<Sample> out;
  for (Point& p : points_) {
    p.bad_since = std::max(now, p.bad_since);
    out.push_back(Sample{p.tag, p.bad_since, Value(), quality, 0});
  }
  return out;
}

}  // namespace gantry::mqtt
