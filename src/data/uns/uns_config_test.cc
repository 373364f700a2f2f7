#include "data/uns/uns_config.h"

#include <gtest/gtest.h>

namespace gantry::uns {
namespace {

UnsConfig Parse(const std::string& yaml, std::string* errors = nullptr) {
  ConfigDocument doc = ConfigDocument::Parse(yaml, "plant.yaml").value();
  UnsConfig c = ParseUnsConfig(doc.Root()["uns"]);
  Status s = doc.Finish();
  if (errors != nullptr) *errors = s.ok() ? "" : s.message();
  return c;
}

TEST(UnsConfig, AbsentSectionIsOff) {
  UnsConfig c = Parse("gantry: 1\n");
  EXPECT_FALSE(c.enabled);
}

TEST(UnsConfig, EveryKeyIsRead) {
  std::string errors;
  UnsConfig c = Parse(R"(
uns:
  enabled: true
  nats:
    servers: [nats://10.0.0.5:4222, nats://10.0.0.6:4222]
    user: gantry
    password: pw
    connect_timeout: 500ms
    tls: {ca_file: /etc/ca.pem}
  prefix: site1.uns
  tags: [acme/plant1/packaging/, acme/plant1/utilities]
  deadbands: [{prefix: acme/plant1/packaging/line1/filler, absolute: 0.5}]
  republish_every: 60s
  buffer_messages: 5000
  reconnect_max: 10s
  events: false
  state_every: 2s
)",
                      &errors);
  EXPECT_EQ(errors, "");
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.nats.servers.size(), 2u);
  EXPECT_EQ(c.nats.user, "gantry");
  EXPECT_EQ(c.nats.password, "pw");
  EXPECT_EQ(c.nats.connect_timeout, 500 * kMillisecond);
  EXPECT_TRUE(c.nats.tls);
  EXPECT_EQ(c.nats.tls_ca, "/etc/ca.pem");
  EXPECT_EQ(c.options.prefix, "site1.uns");
  EXPECT_EQ(c.options.tag_prefixes,
            (std::vector<std::string>{"acme/plant1/packaging", "acme/plant1/utilities"}));
  ASSERT_EQ(c.options.deadbands.size(), 1u);
  EXPECT_EQ(c.options.deadbands[0].absolute, 0.5);
  EXPECT_EQ(c.options.republish_every, 60 * kSecond);
  EXPECT_EQ(c.options.buffer_messages, 5000u);
  EXPECT_EQ(c.options.reconnect_max, 10 * kSecond);
  EXPECT_FALSE(c.events);
  EXPECT_EQ(c.state_every, 2 * kSecond);
}

TEST(UnsConfig, ErrorsNameFileLineAndKey) {
  std::string errors;
  Parse(R"(
uns:
  nats:
    servers: [http://10.0.0.5]
    password: pw
  prefix: "uns.*"
  republish: 5s
)",
        &errors);
  EXPECT_NE(errors.find("plant.yaml:4:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("expected nats://HOST:PORT"), std::string::npos) << errors;
  EXPECT_NE(errors.find("a password needs a user"), std::string::npos) << errors;
  EXPECT_NE(errors.find("plant.yaml:6:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("uns.prefix"), std::string::npos) << errors;
  EXPECT_NE(errors.find("republish"), std::string::npos) << errors;
}

}  // namespace
}  // namespace gantry::uns
