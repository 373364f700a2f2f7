#include "enterprise/outbox.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <deque>
#include <map>
#include <nlohmann/json.hpp>

namespace gantry::enterprise {
namespace {

// An ERP stand-in that answers from a script, then acknowledges; records what it applied.
class ScriptedErp final : public ErpAdapter {
 public:
  DeliveryResult Deliver(const OutboxMessage& m) override {
    attempts.push_back(m.idempotency_key);
    DeliveryResult r{DeliveryVerdict::kAcknowledged, "erp-ref-" + std::to_string(m.id)};
    auto it = script.find(m.order_key);
    if (it != script.end() && !it->second.empty()) {
      r = it->second.front();
      it->second.pop_front();
    }
    if (r.verdict == DeliveryVerdict::kAcknowledged) applied.push_back(m.idempotency_key);
    return r;
  }
  std::map<std::string, std::deque<DeliveryResult>> script;  // per order key
  std::vector<std::string> attempts;
  std::vector<std::string> applied;
};

DeliveryResult Http500() {
  return VerdictFromStatus(Unavailable("HTTP 500 Internal Server Error"));
}
DeliveryResult TimedOut() {
  return VerdictFromStatus(Timeout("no answer within 5s"));
}
DeliveryResult BadBody() {
  return VerdictFromStatus(Malformed("answer is not JSON"));
}
DeliveryResult Http422() {
  return VerdictFromStatus(InvalidArgument("HTTP 422 unknown product"));
}

OutboxOptions TestOptions() {
  OutboxOptions o;
  o.first_backoff = 1 * kSecond;
  o.max_backoff = 60 * kSecond;
  o.jitter = 0.5;
  o.quarantine_after = 3;
  o.jitter_seed = 42;
  return o;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = Outbox::Open(":memory:", TestOptions(), clock_);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    box_ = std::move(*b);
  }
  std::string Put(const std::string& order, const std::string& kind, int64_t seq) {
    auto k = box_->Enqueue({kind, order, seq, R"({"good":)" + std::to_string(seq) + "}"});
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? *k : "";
  }
  ManualClock clock_{1'800'000'000 * kSecond};
  std::unique_ptr<Outbox> box_;
  ScriptedErp erp_;
};

TEST(IdempotencyKey, SameOrderKindSequenceSameKey) {
  EXPECT_EQ(IdempotencyKey("tryton:12", "actuals.completion", 1),
            IdempotencyKey("tryton:12", "actuals.completion", 1));
  EXPECT_NE(IdempotencyKey("tryton:12", "actuals.completion", 1),
            IdempotencyKey("tryton:12", "actuals.completion", 2));
  EXPECT_NE(IdempotencyKey("tryton:1", "2actuals", 1), IdempotencyKey("tryton:12", "actuals", 1));
  EXPECT_EQ(IdempotencyKey("a", "b", 1).size(), 4u + 32u);
}

TEST_F(OutboxTest, EnqueueTwiceStoresOnce) {
  const std::string k1 = Put("rest:4711", "actuals.completion", 1);
  const std::string k2 = Put("rest:4711", "actuals.completion", 1);
  EXPECT_EQ(k1, k2);
  auto pending = box_->List(MessageState::kPending);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 1u);
}

TEST_F(OutboxTest, RolledBackTransactionLeavesNoMessage) {
  {
    auto tx = box_->Begin();
    ASSERT_TRUE(tx.status().ok());
    Put("rest:1", "actuals.completion", 1);
    // no Commit: the events that caused the message failed, so the message must vanish too
  }
  {
    auto tx = box_->Begin();
    Put("rest:2", "actuals.completion", 1);
    ASSERT_TRUE(tx.Commit().ok());
  }
  auto pending = box_->List(MessageState::kPending);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].order_key, "rest:2");
}

TEST_F(OutboxTest, AttachJoinsTheCallersTransaction) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  {
    auto box = Outbox::Attach(db, TestOptions(), clock_);
    ASSERT_TRUE(box.ok());
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE ev(x); BEGIN; INSERT INTO ev VALUES (1);", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    ASSERT_TRUE((*box)->Enqueue({"actuals.completion", "rest:9", 1, "{}"}).ok());
    ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    auto pending = (*box)->List(MessageState::kPending);
    ASSERT_TRUE(pending.ok());
    EXPECT_TRUE(pending->empty());
  }
  sqlite3_close(db);
}

TEST_F(OutboxTest, PerOrderFifoWhileOlderMessageRetries) {
  const std::string a1 = Put("rest:A", "actuals.shift_end", 1);
  const std::string a2 = Put("rest:A", "actuals.completion", 1);
  const std::string b1 = Put("rest:B", "actuals.completion", 1);
  erp_.script["rest:A"] = {Http500()};
  auto r = box_->DrainOnce(erp_);
  ASSERT_TRUE(r.ok());
  // A's head failed; A's second message was not even attempted; B went through.
  EXPECT_EQ(erp_.attempts, (std::vector<std::string>{a1, b1}));
  EXPECT_EQ(r->retried, 1);
  EXPECT_EQ(r->delivered, 1);
  // Not due yet: nothing happens.
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  EXPECT_EQ(erp_.attempts.size(), 2u);
  clock_.Advance(1 * kSecond);  // first backoff is at most 1 s
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  EXPECT_EQ(erp_.applied, (std::vector<std::string>{b1, a1, a2}));
  auto m = box_->Metrics();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->backlog, 0);
  EXPECT_EQ(box_->List(MessageState::kDelivered)->size(), 3u);
}

TEST_F(OutboxTest, TransientFailuresRetryWithGrowingJitteredBackoff) {
  const std::string k = Put("rest:A", "actuals.completion", 1);
  erp_.script["rest:A"] = {Http500(), TimedOut(), BadBody(), Http500(), Http500()};
  std::vector<Duration> waits;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(box_->DrainOnce(erp_).ok());
    auto m = box_->Get(k);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->state, MessageState::kPending) << "transient failures never quarantine";
    waits.push_back(m->next_attempt_at - clock_.Now());
    clock_.Set(m->next_attempt_at);
  }
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  EXPECT_EQ(box_->Get(k)->state, MessageState::kDelivered);
  EXPECT_EQ(box_->Get(k)->attempts, 6);
  for (size_t i = 0; i < waits.size(); ++i) {
    const Duration nominal = (int64_t{1} << i) * kSecond;
    EXPECT_LE(waits[i], nominal) << "attempt " << i + 1;
    EXPECT_GE(waits[i], nominal / 2) << "attempt " << i + 1;
  }
}

TEST_F(OutboxTest, PermanentRejectionQuarantinesWithoutBlockingOtherOrders) {
  const std::string bad = Put("rest:BAD", "actuals.completion", 1);
  const std::string bad_next = Put("rest:BAD", "actuals.completion", 2);
  const std::string good = Put("rest:OK", "actuals.completion", 1);
  erp_.script["rest:BAD"] = {Http422(), Http422(), Http422()};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(box_->DrainOnce(erp_).ok());
    clock_.Advance(10 * kSecond);
  }
  EXPECT_EQ(box_->Get(bad)->state, MessageState::kQuarantined);
  EXPECT_EQ(box_->Get(bad)->attempts, 3);
  EXPECT_NE(box_->Get(bad)->last_error.find("HTTP 422"), std::string::npos);
  EXPECT_EQ(box_->Get(good)->state, MessageState::kDelivered);
  // The quarantined message holds back the later message of its own order.
  EXPECT_EQ(box_->Get(bad_next)->state, MessageState::kPending);
  EXPECT_EQ(box_->Get(bad_next)->attempts, 0);

  auto q = box_->List(MessageState::kQuarantined);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 1u);
  auto exported = box_->ExportQuarantined();
  ASSERT_TRUE(exported.ok());
  auto j = nlohmann::json::parse(*exported);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["idempotency_key"], bad);
  EXPECT_EQ(j[0]["payload"]["good"], 1);

  // The ERP's master data is fixed; an engineer retries: both messages go, in order.
  EXPECT_EQ(box_->Retry(good).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(box_->Retry("gx1-nope").code(), StatusCode::kNotFound);
  ASSERT_TRUE(box_->Retry(bad).ok());
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  EXPECT_EQ(erp_.applied, (std::vector<std::string>{good, bad, bad_next}));
}

TEST_F(OutboxTest, AnUnapplicableMessageIsQuarantinedAtOnceAndHoldsBackOnlyItsOrder) {
  const std::string done = Put("tryton:12", "actuals.completion", 1);
  const std::string fix = Put("tryton:12", "actuals.correction", 1);
  const std::string later = Put("tryton:12", "actuals.correction", 2);
  const std::string other = Put("tryton:13", "actuals.completion", 1);
  erp_.script["tryton:12"] = {
      {DeliveryVerdict::kAcknowledged, "done"},
      {DeliveryVerdict::kQuarantine, "production 12 is done: good 97 -> 96"}};
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  EXPECT_EQ(box_->Get(done)->state, MessageState::kDelivered);
  EXPECT_EQ(box_->Get(fix)->state, MessageState::kQuarantined);
  EXPECT_EQ(box_->Get(fix)->attempts, 1);
  EXPECT_EQ(box_->Get(fix)->last_error, "production 12 is done: good 97 -> 96");
  EXPECT_EQ(box_->Get(later)->state, MessageState::kPending);
  EXPECT_EQ(box_->Get(other)->state, MessageState::kDelivered);
}

TEST_F(OutboxTest, TransientLimitQuarantinesWhenConfigured) {
  OutboxOptions o = TestOptions();
  o.max_transient_attempts = 2;
  auto b = Outbox::Open(":memory:", o, clock_);
  ASSERT_TRUE(b.ok());
  auto k = (*b)->Enqueue({"actuals.completion", "rest:A", 1, "{}"});
  ASSERT_TRUE(k.ok());
  erp_.script["rest:A"] = {TimedOut(), TimedOut()};
  ASSERT_TRUE((*b)->DrainOnce(erp_).ok());
  clock_.Advance(kMinute);
  auto r = (*b)->DrainOnce(erp_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->quarantined, 1);
  EXPECT_EQ((*b)->Get(*k)->state, MessageState::kQuarantined);
}

TEST_F(OutboxTest, MetricsShowBacklogOldestAgeAndLatency) {
  Put("rest:A", "actuals.completion", 1);
  clock_.Advance(2 * kSecond);
  Put("rest:B", "actuals.completion", 1);
  clock_.Advance(3 * kSecond);
  auto m = box_->Metrics();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->backlog, 2);
  EXPECT_EQ(m->oldest_pending_age, 5 * kSecond);
  ASSERT_TRUE(box_->DrainOnce(erp_).ok());
  m = box_->Metrics();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->backlog, 0);
  EXPECT_EQ(m->oldest_pending_age, 0);
  EXPECT_EQ(m->delivered_since_open, 2);
  EXPECT_EQ(m->latency_max, 5 * kSecond);
  EXPECT_EQ(m->latency_p50, 5 * kSecond);  // of {3 s, 5 s}, the upper
}

TEST(OutboxFile, SurvivesReopen) {
  const std::string path = ::testing::TempDir() + "/outbox_reopen.db";
  std::remove(path.c_str());
  ManualClock clock(1);
  std::string key;
  {
    auto b = Outbox::Open(path, {}, clock);
    ASSERT_TRUE(b.ok());
    auto k = (*b)->Enqueue({"actuals.completion", "rest:A", 1, "{}"});
    ASSERT_TRUE(k.ok());
    key = *k;
  }
  auto b = Outbox::Open(path, {}, clock);
  ASSERT_TRUE(b.ok());
  auto m = (*b)->Get(key);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->state, MessageState::kPending);
}

}  // namespace
}  // namespace gantry::enterprise
