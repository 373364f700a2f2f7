// The OPC UA part of the configuration: one `devices:` entry with `protocol: opcua`, its
// endpoint, security, credentials, subscription settings and the nodes (by NodeId or by browse
// path) mapped to Gantry tags. Every error is recorded with file:line:col, key and what was
// expected, like the rest of `gantry check`.
//
//   OpcUaDeviceConfig device = opcua::ParseOpcUaDevice(root["devices"].Items()[0]);
//   GANTRY_RETURN_IF_ERROR(doc.Finish());
//   for (const OpcUaPoint& p : device.points) ... p.node_id or p.browse_path ...
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.h"
#include "core/tag.h"
#include "core/time.h"
#include "field/opcua/node_services.h"
#include "field/opcua/services.h"

namespace gantry::opcua {

// One node read by subscription and published as one tag.
struct OpcUaPoint {
  TagConfig tag;                  // path, published type, unit, scaling, deadband
  std::optional<NodeId> node_id;  // `node: ns=2;s=Line1.Counter`
  std::string namespace_uri;      // `node: nsu=URI;s=...`: node_id's index is looked up at connect
  std::optional<BrowsePath> browse_path;  // `browse_path: 2:Line1/2:Counter` (from Objects)
  // Per element of browse_path: the namespace URI of its BrowseName (`nsu=URI;Name`), whose
  // index is looked up at connect; empty string: the index is given. Empty when none has a URI.
  std::vector<std::string> browse_path_uris;
  std::string address;              // the text configured, for logs
  Duration sampling_interval = -1;  // < 0: the publishing interval
  uint32_t queue_size = 1;
  DeadbandType deadband_type = DeadbandType::kNone;  // from `deadband` / `deadband_percent`
  double deadband_value = 0;
};

struct OpcUaSecurity {
  std::string policy = "None";  // None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss
  MessageSecurityMode mode = MessageSecurityMode::kNone;
  std::string pki_dir;  // own/, trusted/, rejected/ (see `gantry opcua cert`)
  // `application_uri`: who Gantry says it is; must be in own/cert.der (checked at connect).
  // Empty: the certificate's (secure policies), urn:gantry:client under None.
  std::string application_uri;
};

struct OpcUaDeviceConfig {
  std::string name;
  std::string endpoint_url;  // opc.tcp://host:port/path
  OpcUaSecurity security;
  std::string user_name;           // empty: anonymous
  std::string password_env;        // environment variable holding the password (never in the file)
  Duration timeout = 5 * kSecond;  // per request and per connection attempt
  Duration reconnect_min = 500 * kMillisecond;
  Duration reconnect_max = 30 * kSecond;
  Duration publishing_interval = kSecond;
  uint32_t keep_alive_count =
      10;                        // empty publishing intervals before the server sends a keep-alive
  uint32_t lifetime_count = 60;  // must be >= 3 x keep_alive_count (Part 4 §5.13.2)
  // Publish requests kept outstanding at the server (1..10), so that notifications do not wait
  // for a round trip; the server may ask for fewer (BadTooManyPublishRequests).
  uint32_t publish_requests = 3;
  bool writes_enabled = false;  // `writes: enabled`; off unless configured
  std::vector<OpcUaPoint> points;
  ConfigLocation where;
};

// "i=85", "ns=2;i=5", "ns=2;s=Line1.Counter", "ns=1;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63",
// "ns=1;b=<base64>". InvalidArgument naming the expected forms otherwise.
Result<NodeId> ParseNodeIdText(std::string_view text);
// A NodeId as configured: with a namespace index, or with the namespace URI (`nsu=`), whose
// index the server's NamespaceArray gives after each connect (a server may reorder its table).
struct NodeIdRef {
  NodeId id;                  // namespace_index 0 while namespace_uri is set
  std::string namespace_uri;  // empty: id is complete
};
// Also accepts "nsu=urn:acme:plc;s=Line1.Speed" (URI percent-decoded: %3B is ';').
Result<NodeIdRef> ParseNodeIdRefText(std::string_view text);
// `ref` with the index of its namespace URI in `namespace_array` (the server's Server/
// NamespaceArray, i=2255). NotFound naming the URI and the server's namespaces otherwise.
Result<NodeId> ResolveNodeIdRef(const NodeIdRef& ref, std::span<const std::string> namespace_array);

// "2:Line1/2:Counter": BrowseNames (namespace index, colon, name; no index means 0) separated by
// '/', followed from the Objects folder over hierarchical references.
Result<BrowsePath> ParseBrowsePathText(std::string_view text);
// A browse path whose BrowseNames may name their namespace by URI, as the server's table may
// number it differently after each connect: "nsu=urn:acme:plc;Line1/nsu=urn:acme:plc;Counter".
struct BrowsePathRef {
  BrowsePath path;  // an element with a URI has namespace index 0 until resolved
  std::vector<std::string> namespace_uris;  // per element; empty string: index given; or empty
};
// Segments "NS:NAME", "NAME" or "nsu=URI;NAME" separated by '/'. The URI runs to the first ';'
// (so it may hold '/' and ':'), percent-decoded (%3B is ';'). InvalidArgument naming the forms.
Result<BrowsePathRef> ParseBrowsePathRefText(std::string_view text);
// `ref.path` with every URI replaced by its index in `namespace_array`. NotFound naming the URI,
// the element and the server's namespaces otherwise.
Result<BrowsePath> ResolveBrowsePathRef(const BrowsePathRef& ref,
                                        std::span<const std::string> namespace_array);

// Parses one `devices:` entry whose protocol is opcua; errors recorded in the node's document.
OpcUaDeviceConfig ParseOpcUaDevice(const ConfigNode& node);

}  // namespace gantry::opcua
