// Client calls for the services in node_services.h (declared in client.h, kept here so that the
// secure-channel code in client.cc and these service wrappers can change independently).
#include <fmt/format.h>

#include "field/opcua/client.h"

namespace gantry::opcua {

Result<std::vector<BrowsePathResult>> Client::TranslateBrowsePaths(std::vector<BrowsePath> paths) {
  const size_t count = paths.size();
  TranslateBrowsePathsRequest request;
  request.paths = std::move(paths);
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<TranslateBrowsePathsResponse>(std::move(request)));
  if (response.results.size() != count) {
    return Malformed(fmt::format("TranslateBrowsePathsToNodeIds of {} paths returned {} results",
                                 count, response.results.size()));
  }
  return std::move(response.results);
}

Result<std::vector<Quality>> Client::Write(std::vector<WriteValue> values) {
  const size_t count = values.size();
  WriteRequest request;
  request.nodes_to_write = std::move(values);
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<WriteResponse>(std::move(request)));
  if (response.results.size() != count) {
    return Malformed(
        fmt::format("Write of {} values returned {} results", count, response.results.size()));
  }
  return std::move(response.results);
}

Result<std::vector<TransferResult>> Client::TransferSubscriptions(
    std::vector<uint32_t> subscription_ids, bool send_initial_values) {
  const size_t count = subscription_ids.size();
  TransferSubscriptionsRequest request;
  request.subscription_ids = std::move(subscription_ids);
  request.send_initial_values = send_initial_values;
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<TransferSubscriptionsResponse>(std::move(request)));
  if (response.results.size() != count) {
    return Malformed(fmt::format("TransferSubscriptions of {} subscriptions returned {} results",
                                 count, response.results.size()));
  }
  return std::move(response.results);
}

Status Client::DeleteSubscriptions(std::vector<uint32_t> subscription_ids) {
  DeleteSubscriptionsRequest request;
  request.subscription_ids = std::move(subscription_ids);
  return Call<DeleteSubscriptionsResponse>(std::move(request)).status();
}

Result<std::vector<DataValue>> Client::ReadAttributes(std::vector<ReadValueId> nodes) {
  const size_t count = nodes.size();
  ReadRequest request;
  request.timestamps = TimestampsToReturn::kNeither;
  request.nodes_to_read = std::move(nodes);
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<ReadResponse>(std::move(request)));
  if (response.results.size() != count) {
    return Malformed(
        fmt::format("Read of {} attributes returned {} values", count, response.results.size()));
  }
  return std::move(response.results);
}

Result<std::vector<std::string>> Client::ReadNamespaceArray() {
  constexpr uint32_t kServerNamespaceArray = 2255;
  GANTRY_ASSIGN_OR_RETURN(
      auto values, ReadAttributes({ReadValueId{
                       NodeId::Numeric(0, kServerNamespaceArray), kAttributeValue, {}, {}}}));
  const DataValue& dv = values[0];
  if (dv.status && dv.status->IsBad()) {
    return Unavailable("reading the server's NamespaceArray (i=2255): " + dv.status->Name());
  }
  if (!dv.value || !dv.value->is_array || dv.value->type != BuiltinType::kString) {
    return Malformed("the server's NamespaceArray (i=2255) is not an array of strings");
  }
  std::vector<std::string> uris;
  for (const Scalar& s : dv.value->array) uris.emplace_back(std::get<String>(s).view());
  return uris;
}

Result<PublishResponse> Client::PublishWithin(
    std::vector<SubscriptionAcknowledgement> acknowledgements, Duration wait) {
  // The request timeout bounds both the wait for the answer and the hint sent to the server.
  const Duration saved = options_.request_timeout;
  options_.request_timeout = wait;
  PublishRequest request;
  request.acknowledgements = std::move(acknowledgements);
  auto response = Call<PublishResponse>(std::move(request));
  options_.request_timeout = saved;
  return response;
}

void Client::DropConnection() {
  stream_.reset();
  received_chunks_.clear();
  publish_in_flight_.clear();
  publish_answers_.clear();
  closed_ = true;
  session_open_ = false;
}

}  // namespace gantry::opcua
