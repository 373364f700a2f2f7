// Energy in the actuals: fixed once by the draining thread before the first delivery, so that
// every retry sends the same bytes; held back (bounded) until the meter readings that close it
// are stored; sent with a note when it cannot be known.
#include "enterprise/actuals_energy.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace gantry::enterprise {
namespace {

using nlohmann::json;

// Records what reaches the ERP; fails the first `fail` deliveries as transient.
class RecordingErp final : public ErpAdapter {
 public:
  DeliveryResult Deliver(const OutboxMessage& m) override {
    payloads.push_back(m.payload);
    if (fail > 0) {
      --fail;
      return {DeliveryVerdict::kRetry, "HTTP 500"};
    }
    return {DeliveryVerdict::kAcknowledged, "applied"};
  }
  int fail = 0;
  std::vector<std::string> payloads;
};

OrderActuals Completion() {
  OrderActuals a;
  a.order_key = "rest:4711";
  a.external_id = "4711";
  a.product = "P-17";
  a.unit = "pc";
  a.final = true;
  a.from = 1'000 * kSecond;
  a.to = 3'700 * kSecond;
  a.good = 250;
  a.scrap = 5;
  a.energy_pending = true;  // as the operations listener enqueues it
  return a;
}

class EnergyInActuals : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(4'000 * kSecond);
    OutboxOptions o;
    o.first_backoff = kSecond;
    o.jitter = 0;
    outbox_ = Outbox::Open(":memory:", o, clock_).value();
    ASSERT_TRUE(
        outbox_->Enqueue({"actuals.completion", "rest:4711", 1, ActualsToJson(Completion())}).ok());
  }
  // The adapter the drainer uses, with `energy` as the energy part.
  std::unique_ptr<EnergyFixingAdapter> Fixer(EnergyOfOrder energy) {
    return std::make_unique<EnergyFixingAdapter>(
        erp_, std::move(energy),
        [this](const OutboxMessage& m, std::string_view p) {
          return outbox_->CompletePayload(m, p);
        },
        clock_, 30 * kSecond);
  }
  OutboxMessage Stored() {
    return outbox_->Get(IdempotencyKey("rest:4711", "actuals.completion", 1)).value();
  }

  ManualClock clock_;
  RecordingErp erp_;
  std::unique_ptr<Outbox> outbox_;
};

TEST(ActualsJson, PendingEnergyTravelsAsNullAndReadsBackPending) {
  const json j = json::parse(ActualsToJson(Completion()));
  EXPECT_TRUE(j["energy_kwh"].is_null());
  EXPECT_TRUE(j["energy_cost"].is_null());
  Result<OrderActuals> back = ActualsFromJson(j.dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->energy_pending);
  OrderActuals fixed = Completion();
  fixed.energy_pending = false;
  fixed.energy_kwh = 7.5;
  fixed.energy_cost = 1.5;
  fixed.currency = "EUR";
  EXPECT_EQ(ActualsFromJson(ActualsToJson(fixed)).value(), fixed);
}

TEST_F(EnergyInActuals, EnergyIsFixedOnceBeforeTheFirstDeliveryAndEveryRetrySendsTheSameBytes) {
  int asked = 0;
  double kwh = 7.5;  // what the energy part says now; a later answer would differ
  auto fixer = Fixer([&](const std::string& order, Timestamp from, Timestamp to) {
    ++asked;
    EXPECT_EQ(order, "rest:4711");
    EXPECT_EQ(from, 1'000 * kSecond);
    EXPECT_EQ(to, 3'700 * kSecond);
    return Result<OrderEnergy>(OrderEnergy{kwh, kwh * 0.2, "EUR", true, ""});
  });
  erp_.fail = 1;  // the ERP is down for the first attempt
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().retried, 1);
  // Durable before the ERP saw it: the stored payload is the one that was sent.
  ASSERT_EQ(erp_.payloads.size(), 1u);
  EXPECT_EQ(Stored().payload, erp_.payloads[0]);
  const json sent = json::parse(erp_.payloads[0]);
  EXPECT_DOUBLE_EQ(sent["energy_kwh"].get<double>(), 7.5);
  EXPECT_DOUBLE_EQ(sent["energy_cost"].get<double>(), 1.5);
  EXPECT_EQ(sent["currency"], "EUR");
  EXPECT_FALSE(sent.contains("energy_note"));

  kwh = 9.9;
  clock_.Advance(2 * kSecond);
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().delivered, 1);
  ASSERT_EQ(erp_.payloads.size(), 2u);
  EXPECT_EQ(erp_.payloads[1], erp_.payloads[0]) << "a retry must send the same bytes";
  EXPECT_EQ(asked, 1);
}

TEST_F(EnergyInActuals, MissingMeterReadingsHoldTheMessageUntilTheWaitThenItGoesWithANote) {
  bool complete = false;
  auto fixer = Fixer([&](const std::string&, Timestamp, Timestamp) {
    return Result<OrderEnergy>(OrderEnergy{7.0, 1.4, "EUR", complete, ""});
  });
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().retried, 1);
  EXPECT_TRUE(erp_.payloads.empty()) << "nothing reaches the ERP with its energy open";
  EXPECT_NE(Stored().last_error.find("meter readings up to"), std::string::npos)
      << Stored().last_error;
  EXPECT_TRUE(ActualsFromJson(Stored().payload).value().energy_pending);

  complete = true;  // the reading after the end arrives: fixed complete
  clock_.Advance(2 * kSecond);
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().delivered, 1);
  const json sent = json::parse(erp_.payloads.at(0));
  EXPECT_DOUBLE_EQ(sent["energy_kwh"].get<double>(), 7.0);
  EXPECT_FALSE(sent.contains("energy_note"));
}

TEST_F(EnergyInActuals, ReadingsStillMissingAfterTheWaitAreSentWithWhatIsKnownAndANote) {
  auto fixer = Fixer([&](const std::string&, Timestamp, Timestamp) {
    return Result<OrderEnergy>(OrderEnergy{7.0, 1.4, "EUR", false, ""});
  });
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().retried, 1);
  clock_.Advance(31 * kSecond);
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().delivered, 1);
  const json sent = json::parse(erp_.payloads.at(0));
  EXPECT_DOUBLE_EQ(sent["energy_kwh"].get<double>(), 7.0);
  EXPECT_NE(sent.value("energy_note", "").find("not stored in time"), std::string::npos)
      << sent.dump();
}

TEST_F(EnergyInActuals, AnOrderWithoutEnergyOrWithoutAnEnergyPartGoesAtOnceWithZeroAndANote) {
  auto fixer = Fixer([](const std::string& order, Timestamp, Timestamp) -> Result<OrderEnergy> {
    return NotFound("order '" + order + "' has no closed interval");
  });
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().delivered, 1);
  json sent = json::parse(erp_.payloads.at(0));
  EXPECT_DOUBLE_EQ(sent["energy_kwh"].get<double>(), 0.0);
  EXPECT_NE(sent.value("energy_note", "").find("no closed interval"), std::string::npos);

  ASSERT_TRUE(
      outbox_->Enqueue({"actuals.completion", "rest:4712", 1, ActualsToJson(Completion())}).ok());
  auto unmetered = Fixer(nullptr);
  ASSERT_EQ(outbox_->DrainOnce(*unmetered).value().delivered, 1);
  sent = json::parse(erp_.payloads.at(1));
  EXPECT_DOUBLE_EQ(sent["energy_kwh"].get<double>(), 0.0);
  EXPECT_EQ(sent.value("energy_note", ""), "no energy metering configured");
}

TEST_F(EnergyInActuals, OtherMessagesPassThroughUntouched) {
  ASSERT_TRUE(outbox_->DrainOnce(*Fixer(nullptr)).ok());  // the completion above
  ASSERT_TRUE(outbox_->Enqueue({"order.note", "rest:9", 1, R"({"text":"x"})"}).ok());
  int asked = 0;
  auto fixer = Fixer([&](const std::string&, Timestamp, Timestamp) {
    ++asked;
    return Result<OrderEnergy>(OrderEnergy{});
  });
  ASSERT_EQ(outbox_->DrainOnce(*fixer).value().delivered, 1);
  EXPECT_EQ(erp_.payloads.back(), R"({"text":"x"})");
  EXPECT_EQ(asked, 0);
}

// Measured consumption is fixed in the same step as the energy: held back while the counter has
// no reading at the span's end, then the measured quantity replaces the BOM's (kept beside it),
// and a material measured but not in the BOM is added; the stored bytes are what the ERP got.
TEST_F(EnergyInActuals, MeasuredConsumptionIsFixedWithTheEnergyAndKeepsThePlannedBeside) {
  OrderActuals a = Completion();
  a.consumption = {{"RM-STEEL", 127.5, "kg", false, 0.0}, {"RM-PAINT", 2.55, "l", false, 0.0}};
  ASSERT_TRUE(outbox_
                  ->Enqueue({"actuals.completion", "rest:4712", 1, ActualsToJson([&] {
                               OrderActuals b = a;
                               b.order_key = "rest:4712";
                               return b;
                             }())})
                  .ok());
  auto fixer = Fixer([](const std::string&, Timestamp, Timestamp) -> Result<OrderEnergy> {
    return OrderEnergy{1.0, 0.2, "EUR", true, ""};
  });
  bool complete = false;
  fixer->SetConsumption([&](const std::string&, Timestamp, Timestamp) -> Result<OrderConsumption> {
    OrderConsumption c;
    c.measured = {{"RM-STEEL", "kg", 131.25}, {"RM-GLUE", "g", 40}};
    c.readings_complete = complete;
    return c;
  });
  ASSERT_TRUE(outbox_->DrainOnce(*fixer).ok());
  const OutboxMessage held =
      outbox_->Get(IdempotencyKey("rest:4712", "actuals.completion", 1)).value();
  EXPECT_EQ(held.state, MessageState::kPending);
  EXPECT_NE(held.last_error.find("counter readings up to"), std::string::npos) << held.last_error;
  complete = true;
  clock_.Advance(5 * kSecond);
  ASSERT_TRUE(outbox_->DrainOnce(*fixer).ok());
  const OutboxMessage sent =
      outbox_->Get(IdempotencyKey("rest:4712", "actuals.completion", 1)).value();
  ASSERT_EQ(sent.state, MessageState::kDelivered) << sent.last_error;
  EXPECT_EQ(erp_.payloads.back(), sent.payload);
  const OrderActuals got = ActualsFromJson(sent.payload).value();
  ASSERT_EQ(got.consumption.size(), 3u);
  EXPECT_EQ(got.consumption[0], (ConsumptionLine{"RM-STEEL", 131.25, "kg", true, 127.5}));
  EXPECT_EQ(got.consumption[1], (ConsumptionLine{"RM-PAINT", 2.55, "l", false, 0.0}));
  EXPECT_EQ(got.consumption[2], (ConsumptionLine{"RM-GLUE", 40, "g", true, 0.0}));
}

}  // namespace
}  // namespace gantry::enterprise
