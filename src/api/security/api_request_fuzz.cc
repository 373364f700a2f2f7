// Fuzzes the whole request path of the API short of the socket: raw bytes through Beast's
// HTTP/1.1 parser with the server's limits, the target parser, the security gate (credentials,
// cookies, CSRF, policy, login bodies) and the router. Every input must end in a well-formed
// answer (a status from 200..599) or a parse error, and never crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/api_routes.h"
#include "api/security/security_gate.h"
#include "api/tag_write_routes.h"
#include "api/url.h"

namespace {

namespace http = boost::beast::http;
using namespace gantry;

struct Fixture {
  Fixture() {
    std::vector<TagConfig> tags(2);
    tags[0].path = "acme/plant1/line1/filler/speed";
    tags[1].path = "acme/plant1/line1/filler/state";
    registry = std::move(TagRegistry::Build(std::move(tags))).value();
    values = std::make_unique<CurrentValues>(registry.size());
    values->Apply({Sample{0, 1, Value(1.5), Quality::Good()}});
    context.registry = &registry;
    context.values = values.get();
    dir = (std::filesystem::temp_directory_path() / ("gantry-api-fuzz-" + std::to_string(getpid())))
              .string();
    std::filesystem::create_directories(dir);
    auto store = std::shared_ptr<security::CredentialStore>(
        std::move(security::CredentialStore::Open(dir + "/security.sqlite")).value());
    (void)store->CreateToken("fuzz", security::Role::kOperator, 0, 0);
    gate = std::make_unique<security::SecurityGate>(
        store, nullptr, security::PolicyTable::Build({}), security::GateOptions{});
    // The machine-write route parses a JSON body of its own; the hook accepts every value.
    context.modules.push_back(
        TagWriteRoutes(registry, [](TagId, const Value&) { return Status::Ok(); }));
    context.modules.push_back(*gate->OwnRoutes());
    gate->RoutesKnown(context.modules);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
  TagRegistry registry;
  std::unique_ptr<CurrentValues> values;
  ApiContext context;
  std::string dir;
  std::unique_ptr<security::SecurityGate> gate;
};

std::string_view Header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string_view()
                         : std::string_view(it->value().data(), it->value().size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  parser.header_limit(16 * 1024);
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  (void)used;
  if (ec || !parser.is_done()) return 0;  // the server answers these with 400/413/431
  http::request<http::string_body> req = parser.release();
  const std::string_view method(req.method_string().data(), req.method_string().size());
  const std::string_view target(req.target().data(), req.target().size());
  Caller caller;
  Result<RequestTarget> parsed = ParseRequestTarget(target);
  if (parsed.ok()) {
    GuardRequest g{method,
                   parsed->path,
                   req.body(),
                   Header(req, "Authorization"),
                   Header(req, "Cookie"),
                   Header(req, "X-CSRF-Token"),
                   "127.0.0.1",
                   1};
    GuardVerdict v = fixture.gate->Check(g);
    if (v.reply) {
      if (v.reply->status < 200 || v.reply->status > 599) std::abort();
      return 0;
    }
    caller.principal = v.principal;
    caller.role = v.role;
  }
  RouteDecision d = Route(fixture.context, method, target, req.body(), caller);
  if (!d.stream && (d.reply.status < 200 || d.reply.status > 599)) std::abort();
  return 0;
}
