// The webhook adapter and the outbox against an ERP stand-in that fails on command, including
// the drain killed with SIGKILL at random points.
#include "enterprise/webhook_adapter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "enterprise/erp_stand_in.h"
#include "enterprise/outbox.h"

namespace gantry::enterprise {
namespace {

OutboxMessage Message(const std::string& order, int64_t seq) {
  OutboxMessage m;
  m.id = seq;
  m.kind = "actuals.completion";
  m.order_key = order;
  m.sequence = seq;
  m.idempotency_key = IdempotencyKey(order, m.kind, seq);
  m.payload = R"({"good": 5})";
  return m;
}

class WebhookAgainstStandIn : public ::testing::Test {
 protected:
  void SetUp() override {
    auto erp = ErpStandIn::Start(/*hang=*/2 * kSecond);
    ASSERT_TRUE(erp.ok()) << erp.status().ToString();
    erp_ = std::move(*erp);
    hook_ = std::make_unique<WebhookAdapter>(
        WebhookConfig{{"127.0.0.1", erp_->port(), 300 * kMillisecond}, "/actuals", {}});
  }
  std::unique_ptr<ErpStandIn> erp_;
  std::unique_ptr<WebhookAdapter> hook_;
};

TEST_F(WebhookAgainstStandIn, AppliedThenDuplicateBothAcknowledge) {
  const OutboxMessage m = Message("rest:1", 1);
  EXPECT_EQ(hook_->Deliver(m).verdict, DeliveryVerdict::kAcknowledged);
  const DeliveryResult again = hook_->Deliver(m);
  EXPECT_EQ(again.verdict, DeliveryVerdict::kAcknowledged);
  EXPECT_NE(again.detail.find("duplicate"), std::string::npos);
  EXPECT_EQ(erp_->Ledger().applied.size(), 1u);
}

TEST_F(WebhookAgainstStandIn, ServerErrorTimeoutAndMalformedBodyRetry) {
  const OutboxMessage m = Message("rest:1", 1);
  for (StandInFault f : {StandInFault::kHttp500, StandInFault::kHang, StandInFault::kMalformed}) {
    erp_->FailNext(f, 1);
    const DeliveryResult r = hook_->Deliver(m);
    EXPECT_EQ(r.verdict, DeliveryVerdict::kRetry) << static_cast<int>(f) << ": " << r.detail;
  }
  EXPECT_TRUE(erp_->Ledger().applied.empty());
  EXPECT_EQ(hook_->Deliver(m).verdict, DeliveryVerdict::kAcknowledged);
}

TEST_F(WebhookAgainstStandIn, ClientErrorIsPermanent) {
  erp_->FailNext(StandInFault::kReject422, 1);
  const DeliveryResult r = hook_->Deliver(Message("rest:1", 1));
  EXPECT_EQ(r.verdict, DeliveryVerdict::kPermanent) << r.detail;
  EXPECT_NE(r.detail.find("422"), std::string::npos);
}

TEST_F(WebhookAgainstStandIn, ErpDownForAStretchThenEverythingOnceInOrder) {
  ManualClock clock(1'800'000'000 * kSecond);
  OutboxOptions o;
  o.first_backoff = 100 * kMillisecond;
  o.max_backoff = 2 * kSecond;
  auto box = Outbox::Open(":memory:", o, clock);
  ASSERT_TRUE(box.ok());
  for (int seq = 1; seq <= 10; ++seq)
    for (const char* order : {"rest:A", "rest:B", "rest:C"})
      ASSERT_TRUE((*box)->Enqueue({"actuals.shift_end", order, seq, "{}"}).ok());
  erp_->SetFault(StandInFault::kHttp500);
  for (int i = 0; i < 20; ++i) {  // 20 rounds with the ERP down, time moving on
    ASSERT_TRUE((*box)->DrainOnce(*hook_).ok());
    clock.Advance(500 * kMillisecond);
  }
  EXPECT_TRUE(erp_->Ledger().applied.empty());
  EXPECT_EQ((*box)->Metrics()->backlog, 30);
  erp_->SetFault(StandInFault::kNone);
  for (int i = 0; i < 40 && (*box)->Metrics()->backlog > 0; ++i) {
    ASSERT_TRUE((*box)->DrainOnce(*hook_).ok());
    clock.Advance(2 * kSecond);
  }
  EXPECT_EQ((*box)->Metrics()->backlog, 0);
  const StandInLedger l = erp_->Ledger();
  EXPECT_EQ(l.applied.size(), 30u);
  for (const auto& [order, seqs] : l.by_order)
    EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})) << order;
}

// The drain as its own process: runs only when the kill test starts it (env GANTRY_DRAIN_DB).
TEST(WebhookDrainChild, DrainUntilEmpty) {
  const char* db = std::getenv("GANTRY_DRAIN_DB");
  const char* port = std::getenv("GANTRY_DRAIN_PORT");
  if (db == nullptr || port == nullptr) GTEST_SKIP() << "run by OutboxKill only";
  OutboxOptions o;
  o.first_backoff = 5 * kMillisecond;
  o.max_backoff = 50 * kMillisecond;
  auto box = Outbox::Open(db, o, SystemClock::Instance());
  ASSERT_TRUE(box.ok()) << box.status().ToString();
  WebhookAdapter hook({{"127.0.0.1", static_cast<uint16_t>(std::atoi(port)), kSecond}, "/", {}});
  while ((*box)->Metrics()->backlog > 0) {
    auto r = (*box)->DrainOnce(hook, 7);  // small batches: more points to be killed at
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (r->delivered == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST(OutboxKill, SigkillWhileDrainingLosesNothingAndAppliesNothingTwice) {
  auto erp = ErpStandIn::Start();
  ASSERT_TRUE(erp.ok());
  const std::string db = ::testing::TempDir() + "/outbox_kill_" + std::to_string(getpid()) + ".db";
  std::remove(db.c_str());
  constexpr int kOrders = 8, kPerOrder = 150;
  {
    auto box = Outbox::Open(db, {}, SystemClock::Instance());
    ASSERT_TRUE(box.ok());
    auto tx = (*box)->Begin();
    for (int seq = 1; seq <= kPerOrder; ++seq)
      for (int o = 0; o < kOrders; ++o)
        ASSERT_TRUE((*box)
                        ->Enqueue({"actuals.interval", "rest:" + std::to_string(o), seq,
                                   R"({"good":)" + std::to_string(seq) + "}"})
                        .ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  const std::string self = "/proc/self/exe";
  char exe[4096];
  const ssize_t n = readlink(self.c_str(), exe, sizeof exe - 1);
  ASSERT_GT(n, 0);
  exe[n] = '\0';
  const std::string env_db = "GANTRY_DRAIN_DB=" + db;
  const std::string env_port = "GANTRY_DRAIN_PORT=" + std::to_string((*erp)->port());
  const std::string filter = "--gtest_filter=WebhookDrainChild.DrainUntilEmpty";
  auto spawn = [&]() -> pid_t {
    char* argv[] = {exe, const_cast<char*>(filter.c_str()), nullptr};
    char* envp[] = {const_cast<char*>(env_db.c_str()), const_cast<char*>(env_port.c_str()),
                    nullptr};
    const pid_t pid = fork();
    if (pid == 0) {
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      execve(exe, argv, envp);
      _exit(127);
    }
    return pid;
  };
  std::mt19937 rng(20261122);
  std::uniform_int_distribution<int> delay_ms(3, 40);
  int kills = 0;
  for (int round = 0; round < 80 && kills < 25; ++round) {
    if (round % 6 == 3) (*erp)->FailNext(StandInFault::kHttp500, 5);  // short ERP outages too
    const pid_t pid = spawn();
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ++kills;
    } else {
      break;  // the child drained everything before the kill: nothing left to interrupt
    }
  }
  const pid_t last = spawn();  // the survivor drains what is left
  int status = 0;
  waitpid(last, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "final drain failed";
  EXPECT_GE(kills, 20) << "too few kills landed mid-drain; lower the delays";

  auto box = Outbox::Open(db, {}, SystemClock::Instance());
  ASSERT_TRUE(box.ok());
  EXPECT_EQ((*box)->Metrics()->backlog, 0);
  auto delivered = (*box)->List(MessageState::kDelivered, 100000);
  ASSERT_TRUE(delivered.ok());
  std::set<std::string> acked;
  for (const OutboxMessage& m : *delivered) acked.insert(m.idempotency_key);
  const StandInLedger l = (*erp)->Ledger();
  const std::set<std::string> held(l.applied.begin(), l.applied.end());
  EXPECT_EQ(acked.size(), static_cast<size_t>(kOrders * kPerOrder)) << "nothing lost";
  EXPECT_EQ(held, acked) << "the ERP holds exactly the acknowledged keys";
  EXPECT_EQ(l.applied.size(), held.size()) << "no key applied twice";
  std::vector<int64_t> in_order(kPerOrder);
  for (int i = 0; i < kPerOrder; ++i) in_order[i] = i + 1;
  for (const auto& [order, seqs] : l.by_order) EXPECT_EQ(seqs, in_order) << order;
  int redelivered = 0;
  for (const auto& [key, count] : l.requests) redelivered += count > 1 ? 1 : 0;
  std::printf("kills=%d messages=%d keys delivered more than once (deduplicated)=%d\n", kills,
              kOrders * kPerOrder, redelivered);
  std::remove(db.c_str());
}

}  // namespace
}  // namespace gantry::enterprise
