#include "app/opcua_browse_command.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "field/opcua/client.h"
#include "field/opcua/opcua_config.h"
#include "field/opcua/status_names.h"

namespace gantry {
namespace {

using namespace opcua;

std::string NodeClassName(int32_t c) {
  switch (c) {
    case 1: return "Object";
    case 2: return "Variable";
    case 4: return "Method";
    case 8: return "ObjectType";
    case 16: return "VariableType";
    case 32: return "ReferenceType";
    case 64: return "DataType";
    case 128: return "View";
  }
  return fmt::format("NodeClass({})", c);
}

std::string DataTypeName(const DataValue& dv) {
  if (!dv.value || dv.value->is_array) return "";
  const NodeId* id = std::get_if<NodeId>(&dv.value->scalar);
  if (!id) return "";
  const uint32_t* n = std::get_if<uint32_t>(&id->identifier);
  if (id->namespace_index == 0 && n && *n >= 1 && *n <= 25)
    return BuiltinTypeName(static_cast<BuiltinType>(*n));
  return id->ToString();
}

std::string ValueText(const DataValue& dv) {
  if (dv.status && !dv.status->IsGood()) return StatusName(*dv.status);
  if (!dv.value || dv.value->is_null()) return "(null)";
  if (dv.value->is_array) return fmt::format("[{} elements]", dv.value->array.size());
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
          return std::to_string(static_cast<int>(x));
        } else if constexpr (std::is_arithmetic_v<T>) {
          return fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, String>) {
          return fmt::format("\"{}\"", x.view());
        } else if constexpr (std::is_same_v<T, LocalizedText>) {
          return fmt::format("\"{}\"", x.text.view());
        } else if constexpr (std::is_same_v<T, NodeId>) {
          return x.ToString();
        } else if constexpr (std::is_same_v<T, DateTime>) {
          // 0 and the largest value mean "no date" / "forever" (Part 6 §5.2.2.5); dates beyond
          // what a Timestamp (ns since 1970 in int64: years 1678..2261) holds are shown raw.
          if (x.ticks <= 0) return "MinDateTime";
          if (x.ticks == std::numeric_limits<int64_t>::max()) return "MaxDateTime";
          const Timestamp t = ToTimestamp(x);
          constexpr Timestamp kEdge = std::numeric_limits<int64_t>::max() - 2 * 86400 * kSecond;
          if (t <= -kEdge || t >= kEdge) return fmt::format("DateTime({} ticks)", x.ticks);
          return FormatIso8601(t);
        } else if constexpr (std::is_same_v<T, Quality>) {
          return StatusName(x);
        } else {
          return "(structure)";
        }
      },
      dv.value->scalar);
}

struct Printer {
  Client& client;
  int max_depth;
  int printed = 0;

  Status Walk(const NodeId& node, int depth) {
    BrowseDescription b;
    b.node_id = node;
    GANTRY_ASSIGN_OR_RETURN(auto results, client.Browse({b}));
    const BrowseResult& r = results[0];
    if (!r.status.IsGood())
      return Unavailable("Browse " + node.ToString() + ": " + StatusName(r.status));
    // Data type and value of the variables on this level, in one Read.
    std::vector<ReadValueId> reads;
    for (const ReferenceDescription& ref : r.references) {
      if (ref.node_class != 2 || ref.node_id.server_index != 0) continue;
      reads.push_back({ref.node_id.node_id, kAttributeDataType, {}, {}});
      reads.push_back({ref.node_id.node_id, kAttributeValue, {}, {}});
    }
    std::vector<DataValue> values;
    if (!reads.empty()) {
      GANTRY_ASSIGN_OR_RETURN(values, client.ReadAttributes(reads));
    }
    size_t v = 0;
    for (const ReferenceDescription& ref : r.references) {
      const std::string indent(static_cast<size_t>(depth) * 2, ' ');
      std::string line = fmt::format("{}{}  {}:{}  {}", indent, ref.node_id.node_id.ToString(),
                                     ref.browse_name.namespace_index, ref.browse_name.name.view(),
                                     NodeClassName(ref.node_class));
      if (ref.node_class == 2 && ref.node_id.server_index == 0 && v + 1 < values.size()) {
        line += fmt::format("  {}  {}", DataTypeName(values[v]), ValueText(values[v + 1]));
        v += 2;
      }
      std::printf("%s\n", line.c_str());
      ++printed;
      if (depth + 1 < max_depth && ref.node_id.server_index == 0 && ref.node_class == 1)
        GANTRY_RETURN_IF_ERROR(Walk(ref.node_id.node_id, depth + 1));
    }
    return Status::Ok();
  }
};

}  // namespace

void OpcUaBrowseCli::Register(CLI::App& app) {
  CLI::App* opcua = nullptr;
  try {
    opcua = app.get_subcommand("opcua");
  } catch (const CLI::OptionNotFound&) {
    opcua = app.add_subcommand("opcua", "OPC UA commissioning tools");
    opcua->require_subcommand(1);
  }
  browse_ = opcua->add_subcommand(
      "browse", "Print a server's address space: NodeId, BrowseName, class, data type, value");
  browse_->add_option("url", url_, "Endpoint, opc.tcp://HOST:PORT[/PATH]")->required();
  browse_->add_option("--node,-n", node_, "Start node (default i=85, the Objects folder)");
  browse_->add_option("--depth", depth_, "Levels of objects to descend (default 2)")
      ->check(CLI::Range(1, 20));
  browse_
      ->add_option("--security", security_,
                   "none, Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss "
                   "(required: no silent downgrade)")
      ->required()
      ->check(CLI::IsMember(
          {"none", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"}));
  browse_->add_option("--mode", mode_, "sign or sign_and_encrypt (default)")
      ->check(CLI::IsMember({"sign", "sign_and_encrypt"}));
  browse_->add_option("--pki", pki_, "Folder with own/, trusted/, rejected/ (secured policies)");
  browse_->add_option("--user", user_,
                      "User name; the password is read from GANTRY_OPCUA_PASSWORD");
}

std::optional<int> OpcUaBrowseCli::Run() {
  if (browse_ == nullptr || !*browse_) return std::nullopt;
  auto start_ref = ParseNodeIdRefText(node_);  // nsu= is resolved after connecting
  if (!start_ref.ok()) {
    std::fprintf(stderr, "--node: %s\n", start_ref.status().message().c_str());
    return 2;
  }
  Result<NodeId> start = start_ref->id;
  ClientOptions o;
  o.endpoint_url = url_;
  if (security_ == "none") {
    o.security_policy = "None";
    o.security_mode = MessageSecurityMode::kNone;
  } else {
    o.security_policy = security_;
    o.security_mode =
        mode_ == "sign" ? MessageSecurityMode::kSign : MessageSecurityMode::kSignAndEncrypt;
    o.pki_dir = pki_;
  }
  if (!user_.empty()) {
    const char* password = std::getenv("GANTRY_OPCUA_PASSWORD");
    if (password == nullptr) {
      std::fprintf(stderr, "--user needs the password in GANTRY_OPCUA_PASSWORD\n");
      return 2;
    }
    o.user_name = user_;
    o.password = password;
  }
  auto client = Client::Connect(o);
  Status s = client.status();
  if (s.ok()) s = (*client)->OpenSession("gantry opcua browse");
  if (s.ok() && !start_ref->namespace_uri.empty()) {  // nsu=: the server's index for the URI
    auto namespaces = (*client)->ReadNamespaceArray();
    start = namespaces.ok() ? ResolveNodeIdRef(*start_ref, *namespaces) : namespaces.status();
    if (!start.ok()) s = start.status().WithContext("--node " + node_);
  }
  if (s.ok()) {
    // The security actually used: the client connects only with exactly the policy and mode asked.
    const std::string security =
        o.security_mode == MessageSecurityMode::kNone
            ? "None (messages neither signed nor encrypted)"
            : o.security_policy +
                  (o.security_mode == MessageSecurityMode::kSign ? "/Sign" : "/SignAndEncrypt");
    std::printf("%s  (security %s, start %s, depth %d)\n", url_.c_str(), security.c_str(),
                start->ToString().c_str(), depth_);
    Printer printer{**client, depth_};
    s = printer.Walk(*start, 0);
    if (s.ok()) std::printf("%d references\n", printer.printed);
    (void)(*client)->CloseSession();
  }
  if (!s.ok()) {
    std::fprintf(stderr, "gantry opcua browse: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace gantry
