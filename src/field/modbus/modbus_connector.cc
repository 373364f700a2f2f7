#include "field/modbus/modbus_connector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include "field/modbus/modbus_link.h"
#include "field/modbus/modbus_points.h"

namespace gantry::modbus {
namespace {

// Consecutive TCP timeouts after which the connection is treated as lost and reopened.
constexpr int kTimeoutsBeforeReconnect = 3;
// A repeated identical connection failure is logged at warning level at most this often.
constexpr Duration kRepeatLogInterval = 60 * kSecond;

int64_t SteadyNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Seconds(Duration d) {
  return fmt::format("{:.1f} s", static_cast<double>(d) / kSecond);
}

std::string Describe(const PlannedRead& r) {
  return fmt::format("{}:{}+{}", TableName(r.table), r.start, r.quantity);
}

// "hr:0+3", or "unit 3 hr:0+3" for a read of another unit than the device's own.
std::string Describe(const PlannedRead& r, const DeviceConfig& d) {
  if (r.unit == d.unit_id) return Describe(r);
  return fmt::format("unit {} {}", r.unit, Describe(r));
}

}  // namespace

ModbusConnector::ModbusConnector(DeviceConfig config, std::vector<TagId> tag_ids, SampleSink& sink,
                                 const Clock& clock)
    : config_(std::move(config)),
      reads_(PlanReads(config_)),
      tag_ids_(std::move(tag_ids)),
      sink_(sink),
      clock_(clock),
      log_prefix_(fmt::format("modbus '{}' {}", config_.name, config_.Endpoint())) {
  health_.device = config_.name;
  for (const PlannedRead& r : reads_) {
    const bool known = std::any_of(health_.units.begin(), health_.units.end(),
                                   [&](const UnitHealth& u) { return u.unit == r.unit; });
    if (!known)
      health_.units.push_back(UnitHealth{.unit = r.unit,
                                         .state = UnitHealth::State::kUnknown,
                                         .since = 0,
                                         .last_error = "",
                                         .last_success = 0,
                                         .polls_ok = 0,
                                         .polls_failed = 0});
  }
  std::sort(health_.units.begin(), health_.units.end(),
            [](const UnitHealth& a, const UnitHealth& b) { return a.unit < b.unit; });
}

ModbusConnector::~ModbusConnector() {
  Stop();
}

Status ModbusConnector::Start() {
  if (tag_ids_.size() != config_.points.size()) {
    return InvalidArgument(fmt::format("{}: {} tag ids for {} points", log_prefix_, tag_ids_.size(),
                                       config_.points.size()));
  }
  if (thread_.joinable()) return FailedPrecondition(log_prefix_ + ": already running");
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    accepting_writes_ = true;  // a write right after Start() waits for the first connection
    not_connected_reason_.clear();
  }
  stop_requested_ = false;
  link_ = std::make_unique<ModbusLink>(config_);
  SetState(ConnectorState::kConnecting, "");
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void ModbusConnector::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_ = true;
  wake_.notify_all();
  link_->Interrupt();
  thread_.join();
  link_.reset();
  SetState(ConnectorState::kStopped, "");
}

ConnectorHealth ModbusConnector::Health() const {
  std::lock_guard lock(health_mutex_);
  return health_;
}

void ModbusConnector::SetState(ConnectorState state, std::string error) {
  std::lock_guard lock(health_mutex_);
  health_.state = state;
  health_.last_error = std::move(error);
}

void ModbusConnector::Publish(std::vector<Sample> batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(health_mutex_);
    health_.samples_published += batch.size();
  }
  sink_.Publish(std::move(batch));
}

bool ModbusConnector::WaitUntil(int64_t steady_deadline) {
  std::unique_lock lock(mutex_);
  const auto deadline =
      std::chrono::steady_clock::time_point(std::chrono::nanoseconds(steady_deadline));
  wake_.wait_until(lock, deadline, [this] { return stopping_ || !writes_.empty(); });
  return !stopping_;
}

void ModbusConnector::Run() {
  PointPublisher publisher(config_, reads_, tag_ids_);
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(SteadyNow()));
  Duration backoff = config_.reconnect_min;
  bool ever_connected = false;
  std::string last_reason;
  int64_t last_warn = 0;
  uint64_t attempts = 0;
  down_ = false;
  auto mark_down = [&] {
    if (!down_) {
      down_ = true;
      down_since_ = SteadyNow();
    }
  };

  // Logs a failure and waits before the next attempt, backoff doubling up to the maximum. The
  // same reason again is logged at debug level, with a warning reminder every minute. False when
  // stopping.
  auto fail_and_wait = [&](const std::string& what, const std::string& reason) {
    ++attempts;
    AcceptWrites(false, "not connected: " + reason);
    // Wait backoff minus up to a quarter of it, never below the configured minimum.
    std::uniform_int_distribution<Duration> jitter(0, backoff / 4);
    const Duration wait = std::max(config_.reconnect_min, backoff - jitter(rng));
    const std::string message =
        fmt::format("{}: {}{}; retry in {}", log_prefix_, what, reason, Seconds(wait));
    const int64_t now = SteadyNow();
    if (reason != last_reason) {
      spdlog::warn("{}", message);
      last_warn = now;
    } else if (now - last_warn >= kRepeatLogInterval) {
      spdlog::warn("{} (still failing after {} attempts, {} down)", message, attempts,
                   Seconds(now - down_since_));
      last_warn = now;
    } else {
      spdlog::debug("{}", message);
    }
    last_reason = reason;
    SetState(ConnectorState::kBackoff, fmt::format("{}: {}", log_prefix_, reason));
    const bool go_on = WaitUntil(SteadyNow() + wait);
    backoff = std::min(config_.reconnect_max, backoff * 2);
    return go_on;
  };

  while (!stop_requested_) {
    AcceptWrites(true, "");
    SetState(ConnectorState::kConnecting,
             last_reason.empty() ? "" : log_prefix_ + ": " + last_reason);
    Status connected = link_->Connect();
    if (stop_requested_) break;
    if (!connected.ok()) {
      mark_down();
      Publish(publisher.OnDeviceDown(Quality::BadNotConnected(), clock_.Now()));
      if (!fail_and_wait("", connected.message())) break;
      continue;
    }
    if (ever_connected) {
      // "reconnected" is logged by PollWhileConnected at the first answer, not here: a device
      // that accepts connections and drops them has not recovered.
      // The reconnect is counted there too, for the same reason.
      spdlog::debug("{}: connection open again", log_prefix_);
    } else {
      spdlog::info("{}: connected; {} points in {} reads", log_prefix_, config_.points.size(),
                   reads_.size());
    }
    ever_connected = true;
    SetState(ConnectorState::kConnected, "");
    Loss lost = PollWhileConnected(publisher);
    link_->Close();
    if (stop_requested_) break;
    Publish(publisher.OnDeviceDown(lost.quality, clock_.Now()));
    mark_down();
    if (lost.any_ok) {
      // It worked for a while: reconnect at once, and start the backoff afresh.
      backoff = config_.reconnect_min;
      attempts = 0;
      last_reason = lost.reason;
      last_warn = SteadyNow();
      spdlog::warn("{}: connection lost: {}; reconnecting", log_prefix_, lost.reason);
      SetState(ConnectorState::kConnecting, log_prefix_ + ": " + lost.reason);
      continue;
    }
    // Connected but not one good answer (a device that accepts and drops, or never answers):
    // back off like a refused connection, or this would spin.
    if (!fail_and_wait("connection lost before any answer: ", lost.reason)) break;
  }
  AcceptWrites(false, "the connector is stopping");
  link_->Close();
}

std::vector<PlannedRead> ModbusConnector::Reads() const {
  std::lock_guard lock(plan_mutex_);
  return reads_;
}

bool ModbusConnector::SplitRefusedRead(size_t i, const ReadResponse& r, PointPublisher& publisher) {
  if (r.status != ReadStatus::kException || (r.exception_code != 0x02 && r.exception_code != 0x03))
    return false;
  std::optional<SplitReads> halves = SplitRead(reads_[i], config_);
  if (!halves) return false;
  spdlog::warn(
      "{}: {} ({}) refused: {}; split into {} and {} and remembered while running (to plan it so "
      "from the start, lower coalesce.max_registers/max_bits or max_gap_registers/max_gap_bits)",
      log_prefix_, Describe(reads_[i], config_), config_.poll_groups[reads_[i].poll_group].name,
      r.detail, Describe(halves->first, config_), Describe(halves->second, config_));
  {
    std::lock_guard lock(plan_mutex_);
    reads_[i] = std::move(halves->first);
    reads_.insert(reads_.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(halves->second));
  }
  publisher.OnReadSplit(i);
  return true;
}

void ModbusConnector::RecordUnitAnswer(size_t i, const ReadResponse& r, bool sent, Timestamp now,
                                       const std::vector<std::string>& refusals) {
  const PlannedRead& read = reads_[i];
  std::lock_guard lock(health_mutex_);
  auto unit = std::find_if(health_.units.begin(), health_.units.end(),
                           [&](const UnitHealth& u) { return u.unit == read.unit; });
  if (unit == health_.units.end()) return;  // not reached: every read's unit is listed
  if (r.status == ReadStatus::kOk) {
    ++unit->polls_ok;
    unit->last_success = now;
  } else {
    ++unit->polls_failed;
  }
  UnitHealth::State state = UnitHealth::State::kAnswering;
  std::string why;
  if (r.status == ReadStatus::kTimeout ||
      (r.status == ReadStatus::kException && IsGatewayException(r.exception_code))) {
    state = UnitHealth::State::kDown;
    // A read skipped after an earlier one of the cycle found the unit down keeps that reason.
    why = sent ? fmt::format("unit {}: {}: {}", read.unit, Describe(read), r.detail)
               : unit->last_error;
  } else {
    for (size_t k = 0; k < reads_.size() && why.empty(); ++k) {
      if (reads_[k].unit == read.unit && !refusals[k].empty()) {
        state = UnitHealth::State::kRefusing;
        why = fmt::format("unit {}: {}: {}", read.unit, Describe(reads_[k]), refusals[k]);
      }
    }
  }
  if (state != unit->state) {
    unit->since = now;
    if (state == UnitHealth::State::kDown) {
      spdlog::warn("{}: unit {} down (the read below says why)", log_prefix_, read.unit);
    } else if (unit->state == UnitHealth::State::kDown) {
      spdlog::info("{}: unit {} answering again", log_prefix_, read.unit);
    }
  }
  unit->state = state;
  unit->last_error = std::move(why);
}

ModbusConnector::Loss ModbusConnector::PollWhileConnected(PointPublisher& publisher) {
  std::vector<int64_t> next_due(config_.poll_groups.size(), SteadyNow());
  std::vector<ReadStatus> last_status(reads_.size(), ReadStatus::kOk);
  std::vector<std::string> last_detail(reads_.size());
  // Why each read was last refused by an answering unit (an exception other than 0A/0B, a
  // malformed answer); empty when served. For the units' health.
  std::vector<std::string> refusals(reads_.size());
  int timeouts_in_row = 0;
  // Units that timed out since the last answer. A shared connection (several units) is reopened
  // only when every unit is silent: one dead device behind a gateway says nothing about the
  // connection.
  std::vector<int> silent_units;
  size_t units = 0;
  for (size_t i = 0; i < reads_.size(); ++i) {
    bool seen = false;
    for (size_t k = 0; k < i; ++k) seen = seen || reads_[k].unit == reads_[i].unit;
    units += seen ? 0 : 1;
  }
  bool any_ok = false;
  while (!stop_requested_) {
    size_t group =
        static_cast<size_t>(std::min_element(next_due.begin(), next_due.end()) - next_due.begin());
    if (!WaitUntil(next_due[group])) return {"stopping", Quality::BadOutOfService(), any_ok};
    ServeWrites(any_ok);  // woken early for a write, or due anyway: writes go first
    if (SteadyNow() < next_due[group]) continue;
    const int64_t cycle_start = SteadyNow();
    std::vector<Sample> batch;
    // Units that did not answer in this cycle (a gateway's 0A/0B, or no answer in time): their
    // other reads of the cycle are not sent (each would wait for a timeout again) and take the
    // same answer. Other units on the same gateway or line go on.
    std::vector<std::pair<int, ReadResponse>> unreachable;
    for (size_t i = 0; i < reads_.size(); ++i) {
      if (reads_[i].poll_group != group) continue;
      ServeWrites(any_ok);  // a write waits at most for the read in flight
      if (stop_requested_) return {"stopping", Quality::BadOutOfService(), any_ok};
      const PlannedRead& read = reads_[i];
      const ReadRequest request{read.function, read.start, read.quantity};
      const auto skip = std::find_if(unreachable.begin(), unreachable.end(),
                                     [&](const auto& u) { return u.first == read.unit; });
      const bool sent = skip == unreachable.end();
      ReadResponse r = sent ? link_->Read(request, read.unit) : skip->second;
      if (r.status == ReadStatus::kDisconnected && any_ok && !stop_requested_) {
        // Devices that close the connection after each request or after an idle time: open it
        // again and ask once more before calling the device lost.
        spdlog::debug("{}: {} ({}); connection closed by the device, opening it again", log_prefix_,
                      Describe(read, config_), r.detail);
        if (link_->Connect().ok()) r = link_->Read(request, read.unit);
      }
      if (stop_requested_) return {"stopping", Quality::BadOutOfService(), any_ok};
      if (sent && (r.status == ReadStatus::kTimeout ||
                   (r.status == ReadStatus::kException && IsGatewayException(r.exception_code)))) {
        ReadResponse same = r;
        same.detail += fmt::format(
            " (not sent: unit {} did not answer an earlier read of the cycle)", read.unit);
        unreachable.emplace_back(read.unit, std::move(same));
      }
      if (r.status == ReadStatus::kDisconnected) {
        Publish(std::move(batch));
        std::lock_guard lock(health_mutex_);
        ++health_.polls_failed;
        return {r.detail, Quality::BadNotConnected(), any_ok};
      }
      const Timestamp now = clock_.Now();
      if (r.status == ReadStatus::kOk || r.status == ReadStatus::kException) {
        any_ok = true;  // the device answers
        if (down_) {
          down_ = false;
          spdlog::info("{}: reconnected after {} down", log_prefix_,
                       Seconds(SteadyNow() - down_since_));
          std::lock_guard lock(health_mutex_);
          ++health_.reconnects;
        }
      }
      {
        std::lock_guard lock(health_mutex_);
        if (r.status == ReadStatus::kOk) {
          ++health_.polls_ok;
          health_.last_success = now;
        } else {
          ++health_.polls_failed;
          health_.last_error =
              fmt::format("{}: {}: {}", log_prefix_, Describe(read, config_), r.detail);
        }
      }
      if (SplitRefusedRead(i, r, publisher)) {
        // reads_[i] and reads_[i + 1] are the two halves: read the first one now.
        last_status.insert(last_status.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                           ReadStatus::kOk);
        last_detail.insert(last_detail.begin() + static_cast<std::ptrdiff_t>(i) + 1, "");
        refusals.insert(refusals.begin() + static_cast<std::ptrdiff_t>(i) + 1, "");
        refusals[i].clear();
        last_status[i] = ReadStatus::kOk;
        timeouts_in_row = 0;
        --i;  // unsigned wrap-around at 0 is undone by the loop's ++i
        continue;
      }
      // A unit that did not answer keeps what was known of its other refusals.
      const bool gateway_says_down =
          r.status == ReadStatus::kException && IsGatewayException(r.exception_code);
      if (r.status != ReadStatus::kTimeout && !gateway_says_down) {
        const bool refused =
            r.status == ReadStatus::kMalformed || r.status == ReadStatus::kException;
        refusals[i] = refused ? r.detail : "";
      }
      RecordUnitAnswer(i, r, sent, now, refusals);
      // Log a read's transitions only, never once per poll.
      if (r.status != last_status[i] ||
          (r.status != ReadStatus::kOk && r.detail != last_detail[i])) {
        if (r.status == ReadStatus::kOk) {
          spdlog::info("{}: {} ({}) reading again", log_prefix_, Describe(read, config_),
                       config_.poll_groups[group].name);
        } else {
          spdlog::warn("{}: {} ({}): {}", log_prefix_, Describe(read, config_),
                       config_.poll_groups[group].name, r.detail);
        }
        last_status[i] = r.status;
        last_detail[i] = r.detail;
      }
      std::vector<Sample> samples = publisher.OnRead(i, r, now);
      batch.insert(batch.end(), std::make_move_iterator(samples.begin()),
                   std::make_move_iterator(samples.end()));
      if (r.status == ReadStatus::kTimeout) {
        if (sent &&
            std::find(silent_units.begin(), silent_units.end(), read.unit) == silent_units.end()) {
          silent_units.push_back(read.unit);
        }
        if (sent && ++timeouts_in_row >= kTimeoutsBeforeReconnect && silent_units.size() >= units &&
            config_.protocol == Protocol::kTcp) {
          Publish(std::move(batch));
          return {fmt::format("{} requests in a row without an answer", timeouts_in_row),
                  Quality::BadTimeout(), any_ok};
        }
      } else {
        timeouts_in_row = 0;
        silent_units.clear();
      }
    }
    Publish(std::move(batch));
    const int64_t end = SteadyNow();
    {
      std::lock_guard lock(health_mutex_);
      health_.last_poll_latency = end - cycle_start;
      if (health_.state == ConnectorState::kConnected && timeouts_in_row == 0 &&
          health_.last_error.empty() == false) {
        bool all_ok = std::all_of(last_status.begin(), last_status.end(),
                                  [](ReadStatus s) { return s == ReadStatus::kOk; });
        if (all_ok) health_.last_error.clear();
      }
    }
    // Next slot on the group's own grid: a late cycle skips missed slots instead of drifting.
    const Duration interval = config_.poll_groups[group].interval;
    next_due[group] += interval;
    if (next_due[group] <= end) {
      next_due[group] += ((end - next_due[group]) / interval + 1) * interval;
    }
  }
  return {"stopping", Quality::BadOutOfService(), any_ok};
}

}  // namespace gantry::modbus
