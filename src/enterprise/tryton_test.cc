// End to end against a real Tryton 6.0 started by the test on loopback with
// ../shared/erp/tryton-up: an order released in Tryton is pulled into Gantry's order model, its
// actuals go through the outbox and the Tryton adapter, and Tryton then holds them, once.
#include "enterprise/tryton_adapter.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "enterprise/actuals.h"
#include "enterprise/order_store.h"
#include "enterprise/outbox.h"

namespace gantry::enterprise {
namespace {

using json = nlohmann::json;

const std::string kShared = std::string(GANTRY_SOURCE_DIR) + "/../shared/erp/";

// Runs a shell command, returns its stdout; exit code in *rc.
std::string Shell(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *rc = pclose(p);
  return out;
}

uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::map<std::string, std::string> KeyValues(const std::string& text) {
  std::map<std::string, std::string> kv;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    pos = end + 1;
  }
  return kv;
}

class TrytonEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    int rc = 0;
    if (access((kShared + "tryton-up").c_str(), X_OK) != 0) {
      skip_reason_ = "no " + kShared + "tryton-up";
      return;
    }
    char tmpl[] = "/tmp/gantry-tryton-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      skip_reason_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    for (int attempt = 0; attempt < 3 && pid_ == 0; ++attempt) {
      port_ = FreeLoopbackPort();
      const std::string out = Shell(kShared + "tryton-up " + dir_ + " " + std::to_string(port_) +
                                        " 2>>" + dir_ + "/tryton-up.log",
                                    &rc);
      if (rc == 0) pid_ = std::atoi(out.c_str());
    }
    if (pid_ == 0) {
      Shell(
          "dpkg-query -W -f='${Status}' tryton-server 2>/dev/null | grep -q 'install ok installed'",
          &rc);
      skip_reason_ =
          rc != 0 ? "the Tryton packages could not be installed (see " + dir_ + "/tryton-up.log)"
                  : "";
      start_error_ =
          "tryton-up failed although Tryton is installed; see " + dir_ + "/tryton-up.log";
    }
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 50 && kill(pid_, 0) == 0; ++i) usleep(100'000);
    }
    pid_ = 0;
    // The database is kept for a post-mortem when GANTRY_KEEP_TRYTON is set.
    if (!dir_.empty() && std::getenv("GANTRY_KEEP_TRYTON") == nullptr) {
      int rc = 0;
      Shell("rm -rf '" + dir_ + "'", &rc);
    }
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << "Tryton not available: " << skip_reason_;
    ASSERT_GT(pid_, 0) << start_error_;
  }

  // Creates a draft production in Tryton with the shared demo script; returns its key=values.
  std::map<std::string, std::string> DemoOrder(const std::string& ref, int qty) {
    int rc = 0;
    const std::string out =
        Shell("TRYTON_ORDER_REF=" + ref + " TRYTON_ORDER_QTY=" + std::to_string(qty) + " " +
                  kShared + "tryton-demo-order " + dir_ + " 2>>" + dir_ + "/demo-order.log",
              &rc);
    EXPECT_EQ(rc, 0) << "tryton-demo-order failed; see " << dir_ << "/demo-order.log";
    return KeyValues(out);
  }

  TrytonConfig Config() const {
    TrytonConfig c;
    c.endpoint = {"127.0.0.1", port_, 30 * kSecond};
    c.password = "admin";
    c.warehouse = 5;       // WH in a fresh database
    c.scrap_location = 4;  // lost and found, made a waste location of WH below
    c.work_centre_paths["Assembly Line 1"] = "demo/plant1/assembly/line1";
    return c;
  }

  static inline std::string dir_;
  static inline uint16_t port_ = 0;
  static inline int pid_ = 0;
  static inline std::string skip_reason_;
  static inline std::string start_error_;
};

TEST_F(TrytonEndToEnd, ReleasedOrderIsPulledAndActualsLandOnceAsDone) {
  const auto demo = DemoOrder("GANTRY-IT-1", 100);
  ASSERT_TRUE(demo.count("production_id")) << "demo order printed no production_id";
  const std::string production = demo.at("production_id");

  auto tryton = TrytonAdapter::Connect(Config());
  ASSERT_TRUE(tryton.ok()) << tryton.status().ToString();
  // The ERP's planner releases the order: draft -> waiting; and WH gets a scrap location.
  ASSERT_TRUE((*tryton)->Call("model.production.wait", "[[" + production + "]]").ok());
  ASSERT_TRUE(
      (*tryton)
          ->Call("model.stock.location.write", R"([[5], {"waste_locations": [["add", [4]]]}])")
          .ok());

  auto orders = (*tryton)->PullOrders();
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  const ProductionOrder* order = nullptr;
  for (const ProductionOrder& o : *orders)
    if (o.external_id == production) order = &o;
  ASSERT_NE(order, nullptr) << "production " << production << " not pulled";
  EXPECT_EQ(order->Key(), "tryton:" + production);
  EXPECT_EQ(order->product, "FG-WIDGET");
  EXPECT_DOUBLE_EQ(order->quantity, 100);
  EXPECT_EQ(order->unit, "pc");
  EXPECT_EQ(order->state, OrderState::kReleased);
  EXPECT_EQ(order->work_centre, "demo/plant1/assembly/line1");
  EXPECT_NE(order->due, 0);
  ASSERT_EQ(order->bom.size(), 1u);
  // Tryton's cost price of the material (3.20 in the demo database), for material cost.
  EXPECT_EQ(order->bom[0], (BomLine{"RM-STEEL", 50, "kg", 3.20}));

  // The shop floor made 97 good and 3 scrap, consumed 51.5 kg measured, ran 1.5 h.
  OrderActuals a;
  a.order_key = order->Key();
  a.external_id = order->external_id;
  a.product = order->product;
  a.unit = order->unit;
  a.final = true;
  a.good = 97;
  a.scrap = 3;
  a.scrap_by_reason = {{"burr", 2}, {"dent", 1}};
  a.consumption = {{"RM-STEEL", 51.5, "kg", true}};
  a.run_time = 90 * kMinute;
  a.downtime = {{"jam", 5 * kMinute}};
  a.energy_kwh = 12.5;

  ManualClock clock(1'800'000'000 * kSecond);
  auto outbox = Outbox::Open(dir_ + "/gantry-outbox.db", {}, clock);
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  auto key = (*outbox)->Enqueue({"actuals.completion", order->Key(), 1, ActualsToJson(a)});
  ASSERT_TRUE(key.ok());
  const int64_t calls_before = (*tryton)->JsonRpcCalls();
  auto report = (*outbox)->DrainOnce(**tryton);
  ASSERT_TRUE(report.ok());
  auto msg = (*outbox)->Get(*key);
  ASSERT_TRUE(msg.ok());
  ASSERT_EQ(msg->state, MessageState::kDelivered) << msg->last_error;
  // The booking's round trips (docs/enterprise.md "Latency"): note search, read, moves read, one
  // write of consumption + output + scrap, assign_force, run, read, works, the demo's one work's
  // cycle (create, run, do), done, read, note: 14 (18 before session 4's cuts).
  EXPECT_LE((*tryton)->JsonRpcCalls() - calls_before, 14);
  std::printf("[ booking  ] %lld JSON-RPC calls\n",
              static_cast<long long>((*tryton)->JsonRpcCalls() - calls_before));

  auto held = (*tryton)->ReadProduction(std::stoll(production));
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->state, "done");
  EXPECT_DOUBLE_EQ(held->output_quantity, 97);
  EXPECT_DOUBLE_EQ(held->scrap_quantity, 3);
  EXPECT_DOUBLE_EQ(held->consumed["RM-STEEL"], 51.5);
  EXPECT_EQ(held->gantry_keys, std::vector<std::string>{*key});

  // The same message again (a lost acknowledgement): acknowledged, no second effect.
  DeliveryResult again = (*tryton)->Deliver(*msg);
  EXPECT_EQ(again.verdict, DeliveryVerdict::kAcknowledged) << again.detail;
  EXPECT_NE(again.detail.find("already applied"), std::string::npos) << again.detail;
  auto after = (*tryton)->ReadProduction(std::stoll(production));
  ASSERT_TRUE(after.ok());
  EXPECT_DOUBLE_EQ(after->output_quantity, 97);
  EXPECT_DOUBLE_EQ(after->scrap_quantity, 3);
  EXPECT_DOUBLE_EQ(after->consumed["RM-STEEL"], 51.5);
  EXPECT_EQ(after->gantry_keys.size(), 1u);

  // Different numbers under a new key for a done production: refused, not applied.
  OrderActuals other = a;
  other.good = 120;
  OutboxMessage m2 = *msg;
  m2.idempotency_key = IdempotencyKey(order->Key(), "actuals.completion", 2);
  m2.payload = ActualsToJson(other);
  DeliveryResult refused = (*tryton)->Deliver(m2);
  EXPECT_EQ(refused.verdict, DeliveryVerdict::kPermanent) << refused.detail;
  auto still = (*tryton)->ReadProduction(std::stoll(production));
  ASSERT_TRUE(still.ok());
  EXPECT_DOUBLE_EQ(still->output_quantity, 97);

  // Why a correction cannot be booked on a done production: Tryton refuses to write its moves.
  auto outputs = (*tryton)->Call("model.production.read", "[[" + production + "], [\"outputs\"]]");
  ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
  const std::string move =
      std::to_string(nlohmann::json::parse(*outputs)[0]["outputs"][0].get<int64_t>());
  auto edit = (*tryton)->Call("model.stock.move.write", "[[" + move + "], {\"quantity\": 96}]");
  EXPECT_FALSE(edit.ok()) << "Tryton let a done move be written: " << *edit;

  // A late sample moved one unit from good to scrap: correction 1 (96 / 4) of the completion.
  // Quarantined at the first attempt, naming the production and each difference.
  OrderActuals fixed = a;
  fixed.good = 96;
  fixed.scrap = 4;
  fixed.correction = 1;
  fixed.corrects = *key;
  auto fix_key = (*outbox)->Enqueue({"actuals.correction", order->Key(), 1, ActualsToJson(fixed)});
  ASSERT_TRUE(fix_key.ok());
  ASSERT_TRUE((*outbox)->DrainOnce(**tryton).ok());
  auto held_back = (*outbox)->Get(*fix_key);
  ASSERT_TRUE(held_back.ok());
  EXPECT_EQ(held_back->state, MessageState::kQuarantined);
  EXPECT_EQ(held_back->attempts, 1);
  const std::string& why = held_back->last_error;
  EXPECT_NE(why.find("production " + production + " is done"), std::string::npos) << why;
  EXPECT_NE(why.find("good 97 -> 96 pc; scrap 3 -> 4 pc"), std::string::npos) << why;
  EXPECT_NE(why.find("gantry-key: " + *fix_key), std::string::npos) << why;
  EXPECT_DOUBLE_EQ((*tryton)->ReadProduction(std::stoll(production))->output_quantity, 97);

  // The planner books it by hand, notes the key on the production and retries: acknowledged.
  ASSERT_TRUE((*tryton)
                  ->Call("model.ir.note.create", R"([[{"resource": "production,)" + production +
                                                     R"(", "message": "gantry-key: )" + *fix_key +
                                                     R"(\nbooked by hand: 1 pc good -> scrap"}]])")
                  .ok());
  ASSERT_TRUE((*outbox)->Retry(*fix_key).ok());
  ASSERT_TRUE((*outbox)->DrainOnce(**tryton).ok());
  auto resolved = (*outbox)->Get(*fix_key);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->state, MessageState::kDelivered) << resolved->last_error;
  EXPECT_NE(resolved->ack.find("already noted"), std::string::npos) << resolved->ack;

  // A correction that changes no quantity Tryton holds (only the run time) is noted at once.
  OrderActuals longer = a;
  longer.run_time = 95 * kMinute;
  longer.correction = 2;
  longer.corrects = *fix_key;
  auto same_key =
      (*outbox)->Enqueue({"actuals.correction", order->Key(), 2, ActualsToJson(longer)});
  ASSERT_TRUE(same_key.ok());
  ASSERT_TRUE((*outbox)->DrainOnce(**tryton).ok());
  auto noted = (*outbox)->Get(*same_key);
  ASSERT_TRUE(noted.ok());
  EXPECT_EQ(noted->state, MessageState::kDelivered) << noted->last_error;
  EXPECT_NE(noted->ack.find("changes no quantity"), std::string::npos) << noted->ack;
  auto final_state = (*tryton)->ReadProduction(std::stoll(production));
  ASSERT_TRUE(final_state.ok());
  std::vector<std::string> keys = final_state->gantry_keys;
  std::vector<std::string> expected{*key, *fix_key, *same_key};
  std::sort(keys.begin(), keys.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys, expected);
}

TEST_F(TrytonEndToEnd, LostAnswerAfterDoneIsRecognisedByState) {
  const auto demo = DemoOrder("GANTRY-IT-2", 40);
  ASSERT_TRUE(demo.count("production_id"));
  const std::string production = demo.at("production_id");
  auto tryton = TrytonAdapter::Connect(Config());
  ASSERT_TRUE(tryton.ok()) << tryton.status().ToString();
  OrderActuals a;
  a.order_key = "tryton:" + production;
  a.external_id = production;
  a.final = true;
  a.good = 38;
  OutboxMessage m;
  m.id = 1;
  m.order_key = a.order_key;
  m.kind = "actuals.completion";
  m.idempotency_key = IdempotencyKey(a.order_key, m.kind, 1);
  m.payload = ActualsToJson(a);
  ASSERT_TRUE((*tryton)->Call("model.production.wait", "[[" + production + "]]").ok());
  DeliveryResult first = (*tryton)->Deliver(m);
  ASSERT_EQ(first.verdict, DeliveryVerdict::kAcknowledged) << first.detail;
  // The answer and the note of that attempt got lost: delete the note, deliver again. Tryton is
  // done with the same output, so the adapter only writes the note back.
  auto notes = (*tryton)->Call("model.ir.note.search", R"([[["resource", "=", "production,)" +
                                                           production + R"("]], 0, null, null])");
  ASSERT_TRUE(notes.ok()) << notes.status().ToString();
  ASSERT_TRUE((*tryton)->Call("model.ir.note.delete", "[" + *notes + "]").ok());
  ASSERT_TRUE((*tryton)->ReadProduction(std::stoll(production))->gantry_keys.empty());
  DeliveryResult r = (*tryton)->Deliver(m);
  EXPECT_EQ(r.verdict, DeliveryVerdict::kAcknowledged) << r.detail;
  EXPECT_NE(r.detail.find("done, output 38"), std::string::npos) << r.detail;
  auto held = (*tryton)->ReadProduction(std::stoll(production));
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->state, "done");
  EXPECT_DOUBLE_EQ(held->output_quantity, 38);
  EXPECT_EQ(held->gantry_keys, std::vector<std::string>{m.idempotency_key});
}

// The planner changes RM-STEEL's cost price in Tryton; the production itself is untouched (its
// write_date stays). The next pull carries the new price and the order store takes it over.
TEST_F(TrytonEndToEnd, CostPriceChangeAloneReachesTheOrderAtTheNextPull) {
  const auto demo = DemoOrder("GANTRY-IT-PRICE", 10);
  ASSERT_TRUE(demo.count("production_id"));
  const std::string production = demo.at("production_id");
  auto tryton = TrytonAdapter::Connect(Config());
  ASSERT_TRUE(tryton.ok()) << tryton.status().ToString();
  ASSERT_TRUE((*tryton)->Call("model.production.wait", "[[" + production + "]]").ok());
  auto pull = [&]() -> std::optional<ProductionOrder> {
    auto orders = (*tryton)->PullOrders();
    EXPECT_TRUE(orders.ok()) << orders.status().ToString();
    if (orders.ok())
      for (const ProductionOrder& o : *orders)
        if (o.external_id == production) return o;
    return std::nullopt;
  };
  std::optional<ProductionOrder> before = pull();
  ASSERT_TRUE(before && before->bom.size() == 1 && before->bom[0].unit_cost);
  const double old_price = *before->bom[0].unit_cost;
  ManualClock clock(1'800'000'000 * kSecond);
  auto store = OrderStore::Open(":memory:", clock);
  ASSERT_TRUE(store.ok());
  ASSERT_EQ((*store)->SyncFromErp(*before)->what, ErpSync::kCreated);

  auto ids = (*tryton)->Call("model.product.product.search",
                             R"([[["code", "=", "RM-STEEL"]], 0, null, null])");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  const json id_list = json::parse(*ids);
  ASSERT_EQ(id_list.size(), 1u) << *ids;
  // Tryton refuses a plain write of the cost price of a product with stock moves: the planner's
  // way is the "Modify Cost Price" wizard. Its revision is dated tomorrow so that the average
  // recomputation ends on it (today's moves do not average it away).
  const std::time_t tomorrow = std::time(nullptr) + 24 * 3600;
  std::tm day{};
  gmtime_r(&tomorrow, &day);
  const json date = {{"__class__", "date"},
                     {"year", day.tm_year + 1900},
                     {"month", day.tm_mon + 1},
                     {"day", day.tm_mday}};
  const std::string context = json{
      {"active_model", "product.product"},
      {"active_id", id_list[0]},
      {"active_ids", id_list}}.dump();
  auto modify = [&](const std::string& formula) -> Status {
    GANTRY_ASSIGN_OR_RETURN(std::string session,
                            (*tryton)->Call("wizard.product.modify_cost_price.create", "[]"));
    const json start = {{"start", {{"cost_price", formula}, {"date", date}}}};
    return (*tryton)
        ->Call("wizard.product.modify_cost_price.execute",
               json::array({json::parse(session)[0], start, "modify"}).dump(), context)
        .status();
  };
  Status modified = modify("4.15");
  ASSERT_TRUE(modified.ok()) << modified.ToString();
  std::optional<ProductionOrder> after = pull();
  // Put the demo database's price back for the other tests before checking.
  char restore[32];
  std::snprintf(restore, sizeof restore, "%.4f", old_price);
  Status restored = modify(restore);
  ASSERT_TRUE(restored.ok()) << restored.ToString();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->version, before->version) << "the production itself did not change";
  EXPECT_EQ(after->bom[0].unit_cost, 4.15);
  auto r = (*store)->SyncFromErp(*after);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->what, ErpSync::kUpdated);
  EXPECT_NE(r->detail.find("-> 4.15"), std::string::npos) << r->detail;
  EXPECT_EQ((*store)->Get("tryton:" + production)->order.bom[0].unit_cost, 4.15);
}

TEST_F(TrytonEndToEnd, WrongPasswordIsPermissionDenied) {
  TrytonConfig c = Config();
  c.password = "not-the-password";
  auto tryton = TrytonAdapter::Connect(c);
  ASSERT_FALSE(tryton.ok());
  EXPECT_EQ(tryton.status().code(), StatusCode::kPermissionDenied) << tryton.status().ToString();
}

}  // namespace
}  // namespace gantry::enterprise
