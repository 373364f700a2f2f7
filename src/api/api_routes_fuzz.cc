// Fuzzes the request router with hostile methods and targets: it must answer every input with a
// well-formed reply (a status from 200..599, a JSON body for JSON replies) and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/api_routes.h"

namespace {

struct Fixture {
  Fixture() {
    std::vector<gantry::TagConfig> tags(2);
    tags[0].path = "acme/plant1/line1/filler/speed";
    tags[1].path = "acme/plant1/line1/filler/state";
    registry = std::move(gantry::TagRegistry::Build(std::move(tags))).value();
    values = std::make_unique<gantry::CurrentValues>(registry.size());
    values->Apply({gantry::Sample{0, 1, gantry::Value(1.5), gantry::Quality::Good()}});
    context.registry = &registry;
    context.values = values.get();
  }
  gantry::TagRegistry registry;
  std::unique_ptr<gantry::CurrentValues> values;
  gantry::ApiContext context;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t space = input.find(' ');
  std::string_view method = space == std::string_view::npos ? "GET" : input.substr(0, space);
  std::string_view target = space == std::string_view::npos ? input : input.substr(space + 1);
  gantry::RouteDecision d = gantry::Route(fixture.context, method, target);
  if (!d.stream && (d.reply.status < 200 || d.reply.status > 599)) std::abort();
  if (d.stream && d.stream->empty()) std::abort();
  return 0;
}
