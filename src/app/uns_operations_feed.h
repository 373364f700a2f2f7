// The operations layer's facts on the Unified Namespace: every work centre's live state (looked at
// every `state_every`; published when its category, reason or order changes) and every event the
// event store records (intervals, the units counted in them, order transitions, reasons assigned,
// planned stops, corrections, actuals handed on), read in the store's own sequence from a second
// SQLite connection, so the operations thread never waits for it. Subjects and payloads:
// docs/uns.md, "Operations events".
//
//   GANTRY_ASSIGN_OR_RETURN(auto feed, UnsOperationsFeed::Create(ops, data_dir +
//   "/operations.sqlite",
//                                                                 publisher));
//   feed->Start(kSecond);
//   ...
//   feed->Stop();
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "app/operations_service.h"
#include "core/status.h"
#include "data/uns/uns_publisher.h"
#include "operations/event_store.h"

namespace gantry {

class UnsOperationsFeed {
 public:
  // Opens its own connection to the event store at `store_path` and starts after its last event
  // (what was recorded before is not published again). `ops` and `uns` are borrowed and must
  // outlive the feed.
  static Result<std::unique_ptr<UnsOperationsFeed>> Create(const OperationsService& ops,
                                                           const std::string& store_path,
                                                           uns::UnsPublisher& uns);
  ~UnsOperationsFeed();  // Stop()s
  UnsOperationsFeed(const UnsOperationsFeed&) = delete;
  UnsOperationsFeed& operator=(const UnsOperationsFeed&) = delete;

  // Polls every `every` on its own thread until Stop.
  void Start(Duration every);
  // Joins the thread after one last poll; idempotent.
  void Stop();
  // One look at every work centre's state and one read of the new store events (the thread does
  // this; tests call it directly). Not concurrently with a running thread.
  Status PollOnce();

 private:
  UnsOperationsFeed(const OperationsService& ops, std::unique_ptr<ops::EventStore> store,
                    uns::UnsPublisher& uns)
      : ops_(ops), store_(std::move(store)), uns_(uns) {}
  void PublishStates();
  Status PublishStoreEvents();

  struct LastState {
    std::string category;
    std::string reason;
    std::string order;
  };
  const OperationsService& ops_;
  std::unique_ptr<ops::EventStore> store_;  // read only by the polling thread
  uns::UnsPublisher& uns_;
  uint64_t after_seq_ = 0;                 // the last store event published
  std::map<std::string, LastState> last_;  // by work centre; polling thread only
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gantry
