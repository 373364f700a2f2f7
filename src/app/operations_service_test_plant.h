// Test support for the operations service tests (header only, included by *_test.cc): a plant of
// one machine with a data folder, a bus and a manual clock, re-creatable on the same folder.
//
//   Plant p;  p.Start(T("2026-01-05T06:00:00Z"));  p.Put("state", "2026-01-05T06:00:00Z", 1);
//   ASSERT_TRUE(p.CloseAt("2026-01-05T06:10:00Z").ok());
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "app/operations_service.h"
#include "core/config_node.h"

namespace gantry::ops_test {

namespace fs = std::filesystem;

inline Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

constexpr const char* kWc = "acme/p/a/l/m";

// One machine: state word, good and reject counters; an early and a late shift (UTC).
constexpr const char* kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    calendar:
      shifts:
        - {name: early, start: "06:00", duration: 8h}
        - {name: late, start: "14:00", duration: 8h}
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - name: m
                ideal_cycle_time: 6s
                state: {word: state}
                counters: {good: good, reject: reject}
operations:
  late_data_horizon: 1h
  reasons:
    mechanical: [jam]
)";

// A plant with a data folder, a bus and a manual clock; the service can be re-created on the same
// folder (a restart).
class Plant {
 public:
  explicit Plant(std::string yaml = kPlant) {
    dir_ = fs::temp_directory_path() /
           ("gantry_ops_service_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto doc = ConfigDocument::Parse(yaml, "p.yaml").value();
    config_ = ops::ParseOperationsConfig(doc.Root());
    EXPECT_TRUE(doc.Finish().ok());
    for (const char* tag : {"state", "good", "reject"})
      ids_.emplace(std::string(kWc) + "/" + tag, static_cast<TagId>(ids_.size()));
  }
  ~Plant() {
    service.reset();
    fs::remove_all(dir_);
  }
  void Start(Timestamp now, double time_scale = 1.0) {
    service.reset();
    clock.Set(now);
    OperationsServiceOptions options;
    options.time_scale = time_scale;
    service = OperationsService::Create(
                  config_,
                  [this](std::string_view p) -> std::optional<TagId> {
                    auto it = ids_.find(std::string(p));
                    if (it == ids_.end()) return std::nullopt;
                    return it->second;
                  },
                  bus, dir_.string(), clock, options)
                  .value();
  }
  void Put(const char* tag, const char* iso, double v) {
    bus.Publish({Sample{ids_.at(std::string(kWc) + "/" + tag), T(iso), Value(v), Quality::Good()}});
  }
  // Feeds the bus into the engine, sets the clock and closes intervals up to it.
  Status CloseAt(const char* iso) {
    service->Pump();
    clock.Set(T(iso));
    return service->CloseUpTo(T(iso));
  }
  std::string db() const { return (dir_ / "operations.sqlite").string(); }
  const ops::OperationsConfig& config() const { return config_; }
  void PutAt(const char* tag, Timestamp t, double v) {
    bus.Publish({Sample{ids_.at(std::string(kWc) + "/" + tag), t, Value(v), Quality::Good()}});
  }

  TagBus bus;
  ManualClock clock;
  std::unique_ptr<OperationsService> service;

 private:
  fs::path dir_;
  ops::OperationsConfig config_;
  std::map<std::string, TagId> ids_;
};

inline ops::OrderTransition Order(ops::OrderTransition::Action a, const char* iso,
                                  std::string order = "", std::string product = "",
                                  std::string op = "") {
  return {kWc, T(iso), a, std::move(order), std::move(product), std::move(op), 0};
}

struct Call {
  ops::OrderActuals actuals;
  std::string trigger;
};

}  // namespace gantry::ops_test
