#include "field/opcua/opcua_config.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "field/opcua/tcp_stream.h"

namespace gantry::opcua {
namespace {

constexpr std::string_view kNodeIdForms =
    "expected a NodeId such as i=85, ns=2;i=5, ns=2;s=Line1.Counter, nsu=urn:acme:plc;s=Speed, "
    "ns=1;g=<guid> or ns=1;b=<base64>";

bool ParseUInt(std::string_view text, uint64_t max, uint64_t& out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "72962B91-FA75-4AE6-8D28-B404DC7DAF63" (Part 6 §5.1.3 text form).
std::optional<Guid> ParseGuid(std::string_view t) {
  if (t.size() != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-')
    return std::nullopt;
  std::string hex;
  for (char c : t)
    if (c != '-') hex += c;
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < 16; ++i) {
    const int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    b[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  Guid g;
  g.data1 = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  g.data2 = static_cast<uint16_t>((b[4] << 8) | b[5]);
  g.data3 = static_cast<uint16_t>((b[6] << 8) | b[7]);
  for (size_t i = 0; i < 8; ++i) g.data4[i] = b[8 + i];
  return g;
}

std::optional<std::string> DecodeBase64(std::string_view t) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!t.empty() && t.back() == '=') t.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : t) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// security: none | {policy, mode, pki}
void ParseSecurity(const ConfigNode& node, OpcUaDeviceConfig& d) {
  ConfigNode s = node["security"];
  if (!s.IsPresent()) {
    node.ErrorAt(
        "security",
        "missing required key (expected 'none' to connect without signing or "
        "encryption, or a map {policy: Basic256Sha256, mode: sign_and_encrypt, pki: DIR})");
    return;
  }
  if (s.IsScalar()) {
    const std::string text = s.AsString();
    if (text != "none") {
      node.ErrorAt("security",
                   "expected 'none' or a map {policy, mode, pki, application_uri}, got " +
                       QuoteForMessage(text));
    }
    d.security = OpcUaSecurity{};
    return;
  }
  s.AllowKeys({"policy", "mode", "pki", "application_uri"});
  static constexpr std::string_view kPolicies[] = {"Basic256Sha256", "Aes128_Sha256_RsaOaep",
                                                   "Aes256_Sha256_RsaPss"};
  const size_t p = s.Choice("policy", {kPolicies[0], kPolicies[1], kPolicies[2]}, 0);
  d.security.policy = std::string(kPolicies[p]);
  d.security.mode = s.Choice("mode", {"sign_and_encrypt", "sign"}, 0) == 0
                        ? MessageSecurityMode::kSignAndEncrypt
                        : MessageSecurityMode::kSign;
  if (!s["pki"].IsPresent()) {
    s.ErrorAt("pki",
              "missing required key: the folder with own/, trusted/ and rejected/ certificates "
              "(create it with `gantry opcua cert`)");
  } else {
    d.security.pki_dir = s.RequiredString("pki");
  }
  if (s["application_uri"].IsPresent()) {
    d.security.application_uri = s.RequiredString("application_uri");
    if (d.security.application_uri.empty() ||
        d.security.application_uri.find(',') != std::string::npos) {
      s.ErrorAt("application_uri",
                "expected a URI such as urn:acme:p1:gantry (the --uri given to `gantry opcua "
                "cert`), got " +
                    QuoteForMessage(d.security.application_uri));
    }
  }
}

ValueType ParseType(const ConfigNode& node) {
  static constexpr ValueType kTypes[] = {ValueType::kDouble, ValueType::kInt64, ValueType::kBool,
                                         ValueType::kString};
  return kTypes[node.Choice("type", {"double", "int64", "bool", "string"}, 0)];
}

OpcUaPoint ParsePoint(const ConfigNode& node, const OpcUaDeviceConfig& d) {
  OpcUaPoint p;
  node.AllowKeys({"path", "node", "browse_path", "type", "scale", "unit", "deadband",
                  "deadband_percent", "sampling_interval", "queue_size", "description"});
  ParseTagCommon(node, p.tag);
  p.tag.type = ParseType(node);
  const bool by_id = node["node"].IsPresent(), by_path = node["browse_path"].IsPresent();
  if (by_id == by_path) {
    node.Error(by_id ? "give either node or browse_path, not both"
                     : "missing node (a NodeId such as ns=2;s=Line1.Counter) or browse_path "
                       "(such as 2:Line1/2:Counter, from the Objects folder)");
  } else if (by_id) {
    p.address = node.RequiredString("node");
    auto id = ParseNodeIdRefText(p.address);
    if (!id.ok()) {
      node.ErrorAt("node", std::string(kNodeIdForms) + ", got " + QuoteForMessage(p.address));
    } else {
      p.node_id = id->id;
      p.namespace_uri = id->namespace_uri;
    }
  } else {
    p.address = node.RequiredString("browse_path");
    auto path = ParseBrowsePathRefText(p.address);
    if (!path.ok()) {
      node.ErrorAt("browse_path", path.status().message());
    } else {
      p.browse_path = std::move(path->path);
      p.browse_path_uris = std::move(path->namespace_uris);
    }
  }
  if (!p.tag.scaling.IsIdentity()) {
    if (p.tag.type == ValueType::kBool || p.tag.type == ValueType::kString) {
      node.ErrorAt("scale", "scale applies only to numbers; this tag's type is " +
                                std::string(ValueTypeName(p.tag.type)));
    }
    p.tag.type = ValueType::kDouble;  // scaled values are doubles, as for Modbus
  }
  // Deadbands are applied by the server (DataChangeFilter), on raw values.
  if (node["deadband_percent"].IsPresent()) {
    if (node["deadband"].IsPresent()) node.Error("give either deadband or deadband_percent");
    p.deadband_type = DeadbandType::kPercent;
    p.deadband_value = node.Double("deadband_percent", 0);
    if (p.deadband_value < 0 || p.deadband_value > 100)
      node.ErrorAt("deadband_percent", "expected a number from 0 to 100 (% of the EURange)");
  } else if (p.tag.deadband > 0) {
    p.deadband_type = DeadbandType::kAbsolute;
    p.deadband_value = p.tag.deadband / std::fabs(p.tag.scaling.gain);
  }
  if (p.deadband_type != DeadbandType::kNone &&
      (p.tag.type == ValueType::kBool || p.tag.type == ValueType::kString)) {
    node.Error("a deadband applies only to numbers");
  }
  p.sampling_interval =
      node.DurationValue("sampling_interval", -1, 0, kHour);  // 0: as fast as the server can
  p.queue_size = static_cast<uint32_t>(node.Int("queue_size", 1, 1, 10000));
  p.tag.source = d.name + " " + p.address;
  return p;
}

}  // namespace

Result<NodeId> ParseNodeIdText(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument(std::string(kNodeIdForms) + ", got '" + std::string(text) + "'");
  };
  uint64_t ns = 0;
  std::string_view rest = text;
  if (rest.substr(0, 3) == "ns=") {
    const size_t semi = rest.find(';');
    if (semi == std::string_view::npos || !ParseUInt(rest.substr(3, semi - 3), 65535, ns))
      return bad();
    rest = rest.substr(semi + 1);
  }
  if (rest.size() < 2 || rest[1] != '=') return bad();
  const std::string_view id = rest.substr(2);
  NodeId out;
  out.namespace_index = static_cast<uint16_t>(ns);
  switch (rest[0]) {
    case 'i': {
      uint64_t v = 0;
      if (!ParseUInt(id, UINT32_MAX, v)) return bad();
      out.identifier = static_cast<uint32_t>(v);
      return out;
    }
    case 's':
      if (id.empty() || id.size() > 4096) return bad();
      out.identifier = String::Of(id);
      return out;
    case 'g': {
      auto g = ParseGuid(id);
      if (!g) return bad();
      out.identifier = *g;
      return out;
    }
    case 'b': {
      auto bytes = DecodeBase64(id);
      if (!bytes || bytes->empty()) return bad();
      out.identifier = ByteString{std::move(*bytes)};
      return out;
    }
    default: return bad();
  }
}

namespace {

// A namespace URI as written in a NodeId or a browse path: %XX decoded (%3B is ';').
Result<std::string> NamespaceUriText(std::string_view raw) {
  std::string uri;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size() && HexDigit(raw[i + 1]) >= 0 &&
        HexDigit(raw[i + 2]) >= 0) {
      uri.push_back(static_cast<char>(HexDigit(raw[i + 1]) * 16 + HexDigit(raw[i + 2])));
      i += 2;
    } else {
      uri.push_back(raw[i]);
    }
  }
  if (uri.size() > 4096) return InvalidArgument("namespace URI longer than 4096 bytes");
  return uri;
}

// The index of `uri` in the server's table; NotFound naming the URI and the table otherwise.
Result<uint16_t> NamespaceIndexOf(const std::string& uri,
                                  std::span<const std::string> namespace_array) {
  for (size_t i = 0; i < namespace_array.size() && i <= 65535; ++i) {
    if (namespace_array[i] == uri) return static_cast<uint16_t>(i);
  }
  std::string known;
  for (size_t i = 0; i < namespace_array.size() && i < 20; ++i)
    known += fmt::format("{}{}={}", i == 0 ? "" : ", ", i, namespace_array[i]);
  return NotFound(fmt::format("namespace URI '{}' is not in the server's NamespaceArray ({})", uri,
                              known.empty() ? "empty" : known));
}

}  // namespace

Result<NodeIdRef> ParseNodeIdRefText(std::string_view text) {
  if (text.substr(0, 4) != "nsu=") {
    GANTRY_ASSIGN_OR_RETURN(NodeId id, ParseNodeIdText(text));
    return NodeIdRef{std::move(id), ""};
  }
  const size_t semi = text.find(';');
  if (semi == std::string_view::npos || semi == 4) {
    return InvalidArgument(std::string(kNodeIdForms) + ", got '" + std::string(text) + "'");
  }
  GANTRY_ASSIGN_OR_RETURN(std::string uri, NamespaceUriText(text.substr(4, semi - 4)));
  const std::string_view rest = text.substr(semi + 1);
  if (rest.substr(0, 3) == "ns=") {
    return InvalidArgument("give either nsu= or ns=, not both, got '" + std::string(text) + "'");
  }
  auto id = ParseNodeIdText(rest);
  if (!id.ok()) {
    return InvalidArgument(std::string(kNodeIdForms) + ", got '" + std::string(text) + "'");
  }
  return NodeIdRef{std::move(*id), std::move(uri)};
}

Result<NodeId> ResolveNodeIdRef(const NodeIdRef& ref,
                                std::span<const std::string> namespace_array) {
  if (ref.namespace_uri.empty()) return ref.id;
  GANTRY_ASSIGN_OR_RETURN(const uint16_t index,
                          NamespaceIndexOf(ref.namespace_uri, namespace_array));
  NodeId id = ref.id;
  id.namespace_index = index;
  return id;
}

Result<BrowsePathRef> ParseBrowsePathRefText(std::string_view text) {
  constexpr std::string_view kForms =
      "expected BrowseNames separated by '/', each NS:NAME, NAME (namespace 0) or nsu=URI;NAME, "
      "such as 2:Line1/2:Counter or nsu=urn:acme:plc;Line1/nsu=urn:acme:plc;Counter";
  BrowsePathRef ref;
  if (text.empty()) return InvalidArgument(std::string(kForms));
  bool any_uri = false;
  size_t start = 0;
  while (start <= text.size()) {
    std::string uri;
    size_t name_at = start;
    if (text.substr(start, 4) == "nsu=") {  // the URI may hold '/': it runs to the first ';'
      const size_t semi = text.find(';', start);
      if (semi == std::string_view::npos || semi == start + 4) {
        return InvalidArgument(fmt::format("{}; got '{}'", kForms, text));
      }
      GANTRY_ASSIGN_OR_RETURN(uri, NamespaceUriText(text.substr(start + 4, semi - start - 4)));
      name_at = semi + 1;
      any_uri = true;
    }
    const size_t slash = std::min(text.find('/', name_at), text.size());
    std::string_view name = text.substr(name_at, slash - name_at);
    uint64_t ns = 0;
    const size_t colon = name.find(':');
    if (uri.empty() && colon != std::string_view::npos &&
        ParseUInt(name.substr(0, colon), 65535, ns)) {
      name = name.substr(colon + 1);
    }
    if (name.empty()) {
      return InvalidArgument(fmt::format("empty BrowseName in '{}' ({})", text, kForms));
    }
    RelativePathElement el;
    el.target_name = QualifiedName{static_cast<uint16_t>(ns), String::Of(name)};
    ref.path.elements.push_back(std::move(el));
    ref.namespace_uris.push_back(std::move(uri));
    if (ref.path.elements.size() > 32) {
      return InvalidArgument("browse path longer than 32 elements");
    }
    start = slash + 1;
  }
  if (!any_uri) ref.namespace_uris.clear();
  return ref;
}

Result<BrowsePath> ParseBrowsePathText(std::string_view text) {
  GANTRY_ASSIGN_OR_RETURN(BrowsePathRef ref, ParseBrowsePathRefText(text));
  if (!ref.namespace_uris.empty()) {
    return InvalidArgument(fmt::format(
        "'{}' names a namespace by URI (nsu=); it needs the server's NamespaceArray", text));
  }
  return std::move(ref.path);
}

Result<BrowsePath> ResolveBrowsePathRef(const BrowsePathRef& ref,
                                        std::span<const std::string> namespace_array) {
  BrowsePath path = ref.path;
  for (size_t i = 0; i < ref.namespace_uris.size() && i < path.elements.size(); ++i) {
    if (ref.namespace_uris[i].empty()) continue;
    auto index = NamespaceIndexOf(ref.namespace_uris[i], namespace_array);
    if (!index.ok()) {
      return index.status().WithContext(fmt::format("browse path element {}", i + 1));
    }
    path.elements[i].target_name.namespace_index = *index;
  }
  return path;
}

OpcUaDeviceConfig ParseOpcUaDevice(const ConfigNode& node) {
  OpcUaDeviceConfig d;
  d.where = node.Location();
  node.AllowKeys({"name", "protocol", "endpoint", "security", "user", "timeout", "reconnect",
                  "publishing_interval", "keep_alive_count", "lifetime_count", "publish_requests",
                  "writes", "tags"});
  d.name = node.RequiredString("name");
  d.endpoint_url = node.RequiredString("endpoint");
  if (!d.endpoint_url.empty() && !ParseEndpointUrl(d.endpoint_url).ok()) {
    node.ErrorAt("endpoint",
                 "expected opc.tcp://HOST[:PORT][/PATH], got " + QuoteForMessage(d.endpoint_url));
  }
  ParseSecurity(node, d);
  ConfigNode user = node["user"];
  if (user.IsPresent()) {
    user.AllowKeys({"name", "password_env"});
    d.user_name = user.RequiredString("name");
    d.password_env = user.RequiredString("password_env");
  }
  d.timeout = node.DurationValue("timeout", d.timeout, 10 * kMillisecond, 60 * kSecond);
  ConfigNode reconnect = node["reconnect"];
  if (reconnect.IsPresent()) {
    reconnect.AllowKeys({"min", "max"});
    d.reconnect_min = reconnect.DurationValue("min", d.reconnect_min, 10 * kMillisecond, kHour);
    d.reconnect_max = reconnect.DurationValue("max", d.reconnect_max, 10 * kMillisecond, kHour);
    if (d.reconnect_min > d.reconnect_max) {
      reconnect.Error("reconnect min must not exceed max");
      d.reconnect_max = d.reconnect_min;
    }
  }
  d.publishing_interval =
      node.DurationValue("publishing_interval", d.publishing_interval, 10 * kMillisecond, kHour);
  d.keep_alive_count = static_cast<uint32_t>(node.Int("keep_alive_count", 10, 1, 1000));
  d.lifetime_count = static_cast<uint32_t>(
      node.Int("lifetime_count", std::max<int64_t>(60, 3 * d.keep_alive_count), 3, 100000));
  if (d.lifetime_count < 3 * d.keep_alive_count) {
    node.ErrorAt("lifetime_count", fmt::format("expected at least 3 x keep_alive_count ({})",
                                               3 * d.keep_alive_count));
  }
  d.publish_requests = static_cast<uint32_t>(node.Int("publish_requests", 3, 1, 10));
  d.writes_enabled = node.Choice("writes", {"disabled", "enabled"}, 0) == 1;
  std::set<std::string> paths;
  for (const ConfigNode& tag : node["tags"].Items()) {
    OpcUaPoint p = ParsePoint(tag, d);
    if (!p.tag.path.empty() && !paths.insert(p.tag.path).second) {
      tag.ErrorAt("path", "duplicate tag path " + QuoteForMessage(p.tag.path) + " on device '" +
                              d.name + "'");
    }
    d.points.push_back(std::move(p));
  }
  if (d.points.empty()) node.ErrorAt("tags", "expected at least one tag (node or browse_path)");
  return d;
}

}  // namespace gantry::opcua
