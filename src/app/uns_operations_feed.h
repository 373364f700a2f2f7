// The operations layer's facts on the Unified Namespace: every work centre's live state (looked at
// every `state_every`; published when its category, reason or order changes) and every event the
// event store records (intervals, the units counted in them, order transitions, reasons assigned,
// planned stops, corrections, actuals handed on), read in the store's own sequence from a second
// SQLite connection, so the operations thread never waits for it. Store events are read only
// while the publisher is connected, and the last one handed on is remembered in a small file in
// the data folder: an outage of NATS (or of gantry) leaves them in the durable store instead of a
// memory buffer, and they follow once NATS is back. Subjects and payloads: docs/uns.md,
// "Operations events".
//
//   GANTRY_ASSIGN_OR_RETURN(auto feed, UnsOperationsFeed::Create(ops, data_dir +
//   "/operations.sqlite",
//                                                                 publisher));
//   feed->Start(kSecond);
//   ...
//   feed->Stop();
#pragma once

#include <atomic>
#include <cstdint>
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
  // Opens its own connection to the event store at `store_path`. It resumes after the sequence
  // number kept in `cursor_path` (written after every batch handed on; "" = not kept); without
  // that file it starts after the store's last event (history is not published). `ops` and
  // `uns` are borrowed and must outlive the feed. IoError when the store cannot be opened.
  static Result<std::unique_ptr<UnsOperationsFeed>> Create(const OperationsService& ops,
                                                           const std::string& store_path,
                                                           uns::UnsPublisher& uns,
                                                           std::string cursor_path = {});
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
                    uns::UnsPublisher& uns, std::string cursor_path)
      : ops_(ops), store_(std::move(store)), uns_(uns), cursor_path_(std::move(cursor_path)) {}
  void PublishStates();
  Status PublishStoreEvents();
  Status SaveCursor() const;

  struct LastState {
    std::string category;
    std::string reason;
    std::string order;
  };
  const OperationsService& ops_;
  std::unique_ptr<ops::EventStore> store_;  // read only by the polling thread
  uns::UnsPublisher& uns_;
  const std::string cursor_path_;          // "<data>/uns-events.seq", or "" (not kept)
  uint64_t after_seq_ = 0;                 // the last store event handed to the publisher
  std::map<std::string, LastState> last_;  // by work centre; polling thread only
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gantry
