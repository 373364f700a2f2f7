#include "app/uns_operations_feed.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// {kind, seq, work_centre, time | start+end, ...the stored body's fields}.
Json Envelope(const ops::StoredEvent& e, const std::string& kind) {
  Json j;
  j["kind"] = kind;
  j["seq"] = e.seq;
  j["work_centre"] = e.work_centre;
  if (e.kind == ops::EventKind::kReasonAssigned) {
    j["stop_start"] = FormatIso8601(e.start);  // the stop the reason was given to
  } else if (e.start == e.end) {
    j["time"] = FormatIso8601(e.start);
  } else {
    j["start"] = FormatIso8601(e.start);
    j["end"] = FormatIso8601(e.end);
  }
  Json body = Json::parse(e.body, nullptr, false);
  if (body.is_object()) {
    for (auto it = body.begin(); it != body.end(); ++it)
      if (!j.contains(it.key())) j[it.key()] = it.value();
    // The store keeps instants as UTC ns; on the wire every instant is ISO 8601.
    if (j.contains("stop_start") && j["stop_start"].is_number_integer())
      j["stop_start"] = FormatIso8601(j["stop_start"].get<Timestamp>());
  }
  return j;
}

}  // namespace

Result<std::unique_ptr<UnsOperationsFeed>> UnsOperationsFeed::Create(const OperationsService& ops,
                                                                     const std::string& store_path,
                                                                     uns::UnsPublisher& uns,
                                                                     std::string cursor_path) {
  GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<ops::EventStore> store,
                          ops::EventStore::Open(store_path));
  std::unique_ptr<UnsOperationsFeed> feed(
      new UnsOperationsFeed(ops, std::move(store), uns, std::move(cursor_path)));
  const uint64_t last = feed->store_->LastSeq();
  feed->after_seq_ = last;
  if (!feed->cursor_path_.empty()) {
    std::ifstream in(feed->cursor_path_);
    uint64_t kept = 0;
    if (in >> kept && kept <= last) {
      feed->after_seq_ = kept;
      if (kept < last)
        spdlog::info("uns: {} operations events recorded since the last one published follow",
                     last - kept);
    }
  }
  return feed;
}

Status UnsOperationsFeed::SaveCursor() const {
  if (cursor_path_.empty()) return Status::Ok();
  const std::string tmp = cursor_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << after_seq_ << "\n";
    if (!out.flush()) return IoError(tmp + ": cannot write the UNS event cursor");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, cursor_path_, ec);
  if (ec) return IoError(cursor_path_ + ": " + ec.message());
  return Status::Ok();
}

UnsOperationsFeed::~UnsOperationsFeed() {
  Stop();
}

void UnsOperationsFeed::Start(Duration every) {
  stop_.store(false);
  thread_ = std::thread([this, every] {
    while (!stop_.load()) {
      if (Status s = PollOnce(); !s.ok()) spdlog::warn("uns: operations events: {}", s.ToString());
      for (Duration slept = 0; slept < every && !stop_.load(); slept += 50 * kMillisecond)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void UnsOperationsFeed::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
  (void)PollOnce();
}

Status UnsOperationsFeed::PollOnce() {
  PublishStates();
  return PublishStoreEvents();
}

void UnsOperationsFeed::PublishStates() {
  for (const std::string& wc : ops_.WorkCentres()) {
    Result<std::string> body = ops_.EquipmentStateJson(wc);
    if (!body.ok()) continue;
    Json state = Json::parse(*body, nullptr, false);
    if (!state.is_object()) continue;
    LastState now{state.value("category", ""), state.value("reason", ""), state.value("order", "")};
    auto it = last_.find(wc);
    if (it != last_.end() && it->second.category == now.category &&
        it->second.reason == now.reason && it->second.order == now.order)
      continue;
    Json j;
    j["kind"] = "state";
    for (auto f = state.begin(); f != state.end(); ++f) j[f.key()] = f.value();
    if (it == last_.end()) {
      j["previous"] = nullptr;
    } else {
      j["previous"] = {{"category", it->second.category}, {"reason", it->second.reason}};
    }
    last_[wc] = now;
    uns_.PublishEvent({wc, "state", Dump(j)});
  }
}

Status UnsOperationsFeed::PublishStoreEvents() {
  // While NATS is away the events wait in the store, not in the publisher's memory buffer.
  if (!uns_.Stats().connected) return Status::Ok();
  for (;;) {
    GANTRY_ASSIGN_OR_RETURN(std::vector<ops::StoredEvent> events, store_->Read(after_seq_, 1000));
    for (const ops::StoredEvent& e : events) {
      after_seq_ = e.seq;
      const std::string kind(ops::EventKindName(e.kind));
      Json j = Envelope(e, kind);
      uns_.PublishEvent({e.work_centre, kind, Dump(j)});
      // The units an interval counted, on their own subject: what a counter display follows.
      if (e.kind == ops::EventKind::kInterval) {
        const uint64_t good = j.value("good", uint64_t{0});
        const uint64_t scrap = j.value("scrap", uint64_t{0});
        const uint64_t rework = j.value("rework", uint64_t{0});
        if (good + scrap + rework == 0) continue;
        Json c;
        c["kind"] = "count";
        c["seq"] = e.seq;
        c["work_centre"] = e.work_centre;
        c["start"] = FormatIso8601(e.start);
        c["end"] = FormatIso8601(e.end);
        c["good"] = good;
        c["scrap"] = scrap;
        c["rework"] = rework;
        for (const char* key : {"order", "product", "shift"}) c[key] = j.value(key, "");
        const std::string order = c["order"].get<std::string>();
        if (!order.empty()) {
          // The order so far: recorded intervals plus the open tail (provisional until complete).
          Result<ops::OrderActuals> a = ops_.ActualsForOrder(order);
          if (a.ok()) {
            c["order_totals"] = {{"good", a->good},
                                 {"scrap", a->scrap},
                                 {"rework", a->rework},
                                 {"complete", a->complete}};
          }
        }
        uns_.PublishEvent({e.work_centre, "count", Dump(c)});
      }
    }
    if (!events.empty()) GANTRY_RETURN_IF_ERROR(SaveCursor());
    if (events.size() < 1000) return Status::Ok();
  }
}

}  // namespace gantry
