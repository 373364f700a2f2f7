// libFuzzer target: a whole UA TCP message as a peer would send it. The header picks the
// decoder: Hello, Acknowledge, Error, or a secure conversation chunk whose body is decoded as a
// PublishResponse (with its data-change notifications) and as a generic service response (type
// NodeId, ResponseHeader, then DataValue and DiagnosticInfo arrays, the shape of a ReadResponse).
// Everything that decodes must re-encode to bytes that decode equally.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "field/opcua/secure_chunk.h"
#include "field/opcua/service_header.h"
#include "field/opcua/subscription_services.h"
#include "field/opcua/transport.h"

using namespace gantry::opcua;

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

struct ResponseBody {
  NodeId type;
  ResponseHeader header;
  std::vector<DataValue> results;
  std::vector<DiagnosticInfo> diagnostics;
};

gantry::Result<ResponseBody> DecodeBody(std::span<const uint8_t> bytes) {
  Decoder d(bytes);
  ResponseBody b;
  GANTRY_ASSIGN_OR_RETURN(b.type, DecodeNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(b.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(b.results, DecodeArray<DataValue>(d, "Results", 1, DecodeDataValue));
  GANTRY_ASSIGN_OR_RETURN(
      b.diagnostics, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1, DecodeDiagnosticInfo));
  if (!d.AtEnd()) return d.Fail("response", "trailing bytes");
  return b;
}

std::vector<uint8_t> EncodeBody(const ResponseBody& b) {
  Encoder e;
  if (!Encode(e, b.type).ok() || !Encode(e, b.header).ok() || !EncodeArray(e, b.results).ok() ||
      !EncodeArray(e, b.diagnostics).ok()) {
    Die("re-encoding a decoded response failed");
  }
  return std::move(e).Take();
}

std::vector<uint8_t> EncodePublish(const PublishResponse& r) {
  Encoder e;
  if (!EncodeBody(e, r).ok()) Die("re-encoding a decoded PublishResponse failed");
  return std::move(e).Take();
}

// A PublishResponse (type i=829) and the data changes inside it.
void CheckPublish(std::span<const uint8_t> body) {
  Decoder d(body);
  if (!ExpectResponseType(d, encoding_id::kPublishResponse, "fuzz").ok()) return;
  auto r = DecodeFields(d, static_cast<const PublishResponse*>(nullptr));
  if (!r.ok()) return;
  for (const ExtensionObject& n : r->notification.notification_data) {
    auto changes = DecodeDataChangeNotification(n);
    if (changes.ok() && *changes) {
      auto again = EncodeDataChangeNotification(**changes);
      if (!again.ok()) Die("re-encoding data changes failed");
      auto twice = DecodeDataChangeNotification(*again);
      if (!twice.ok() || !*twice || (*twice)->size() != (*changes)->size())
        Die("data changes unstable");
    }
  }
  const auto once = EncodePublish(*r);
  Decoder d2(once);
  if (!ExpectResponseType(d2, encoding_id::kPublishResponse, "fuzz").ok())
    Die("PublishResponse type lost");
  auto again = DecodeFields(d2, static_cast<const PublishResponse*>(nullptr));
  if (!again.ok()) Die("decoding our own PublishResponse failed");
  if (EncodePublish(*again) != once) Die("PublishResponse encoding is not stable");
}

void CheckBody(std::span<const uint8_t> body) {
  CheckPublish(body);
  auto b = DecodeBody(body);
  if (!b.ok()) return;
  const auto once = EncodeBody(*b);
  auto again = DecodeBody(once);
  if (!again.ok()) Die("decoding our own response encoding failed");
  if (EncodeBody(*again) != once) Die("response encoding is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto header = DecodeMessageHeader(bytes);
  if (!header.ok()) return 0;
  switch (header->type) {
    case MessageType::kHello: {
      auto h = DecodeHello(bytes);
      if (h.ok()) {
        auto again = EncodeHello(*h);
        if (!again.ok() || !DecodeHello(*again).ok()) Die("Hello round trip failed");
      }
      break;
    }
    case MessageType::kAcknowledge: {
      auto a = DecodeAcknowledge(bytes);
      if (a.ok() && EncodeAcknowledge(*a) != std::vector<uint8_t>(bytes.begin(), bytes.end())) {
        Die("Acknowledge round trip differs");
      }
      break;
    }
    case MessageType::kError: {
      auto e = DecodeError(bytes);
      if (e.ok()) {
        auto again = EncodeError(*e);
        if (!again.ok() || !DecodeError(*again).ok()) Die("Error round trip failed");
      }
      break;
    }
    case MessageType::kReverseHello: break;
    default: {
      auto chunk = DecodeSecureChunk(bytes);
      if (!chunk.ok()) return 0;
      auto again = EncodeSecureChunk(*chunk);
      if (!again.ok() || *again != std::vector<uint8_t>(bytes.begin(), bytes.end())) {
        Die("secure chunk round trip differs");
      }
      CheckBody(chunk->body);
    }
  }
  return 0;
}
