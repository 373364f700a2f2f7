// A transport for tests: records what is published and can be taken down and up like a broker.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "data/uns/uns_transport.h"

namespace gantry::uns {

struct RecordedMessage {
  std::string subject;
  std::string payload;
};

// The shared part, kept by the test after the transport moved into a publisher.
struct TestBroker {
  std::mutex mu;
  std::vector<RecordedMessage> messages;  // guarded by mu
  std::atomic<bool> up{true};
  std::atomic<int> connects{0};
  std::atomic<bool> stalled{false};
  std::atomic<size_t> max_payload{0};  // larger messages are refused (0: no limit)  // Publish
                                       // hangs while true (a broker that stopped reading)
  RequestHandler handler;              // set by ServeRequests

  std::vector<RecordedMessage> Messages() {
    std::lock_guard<std::mutex> lock(mu);
    return messages;
  }
  // Waits up to 5 s until at least `n` messages were published.
  bool WaitFor(size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (messages.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

class TestTransport final : public UnsTransport {
 public:
  explicit TestTransport(TestBroker& broker) : broker_(broker) {}
  void ServeRequests(std::string, RequestHandler handler) override {
    broker_.handler = std::move(handler);
  }
  Status Connect() override {
    if (!broker_.up.load()) return Unavailable("connection refused");
    connected_ = true;
    broker_.connects.fetch_add(1);
    return Status::Ok();
  }
  // A broker that went down closed this connection for good, like nats.c without reconnect.
  bool connected() const override {
    if (!broker_.up.load()) connected_ = false;
    return connected_;
  }
  Status Publish(std::string_view subject, std::string_view payload) override {
    while (broker_.stalled.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!connected()) return Unavailable("not connected");
    if (broker_.max_payload.load() > 0 && payload.size() > broker_.max_payload.load())
      return InvalidArgument("maximum payload exceeded");
    std::lock_guard<std::mutex> lock(broker_.mu);
    broker_.messages.push_back({std::string(subject), std::string(payload)});
    return Status::Ok();
  }
  Status Flush(Duration) override { return connected() ? Status::Ok() : Unavailable("down"); }
  void Close() override { connected_ = false; }
  std::string Describe() const override { return "test://broker"; }

 private:
  TestBroker& broker_;
  mutable bool connected_ = false;
};

}  // namespace gantry::uns
