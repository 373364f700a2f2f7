// A small Modbus TCP server on loopback for tests and benchmarks, built on libmodbus's server
// side: holding/input registers, coils and discrete inputs in one map, a thread that serves any
// number of clients, and a hook to answer a request with hand-made bytes (malformed answers,
// busy exceptions, silence). Header-only so that test and bench executables can share it.
//
//   modbus::TestServer server;            // 127.0.0.1, ephemeral port
//   ASSERT_TRUE(server.Start());
//   server.SetHolding(0, 1234);
//   device.port = server.port();
//   server.Stop();  server.Start();       // same port again: a device that was switched off and on
#pragma once

#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

namespace gantry::modbus {

class TestServer {
 public:
  // Answer override: given the request ADU (MBAP header + PDU), return bytes to send instead of
  // the normal reply (an empty vector sends nothing), or nullopt for the normal reply.
  using Override = std::function<std::optional<std::vector<uint8_t>>(std::span<const uint8_t>)>;

  explicit TestServer(int unit_id = 1, int size = 4096) : unit_id_(unit_id) {
    map_ = modbus_mapping_new(size, size, size, size);
  }
  ~TestServer() {
    Stop();
    modbus_mapping_free(map_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Listens on 127.0.0.1: on the previous port after a Stop(), else on an ephemeral port.
  bool Start() {
    Stop();
    ctx_ = modbus_new_tcp("127.0.0.1", port_);
    if (!ctx_) return false;
    listen_fd_ = modbus_tcp_listen(ctx_, 16);
    if (listen_fd_ < 0) {
      modbus_free(ctx_);
      ctx_ = nullptr;
      return false;
    }
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    stop_ = false;
    thread_ = std::thread([this] { Serve(); });
    return true;
  }

  // Closes the listening socket and every client connection, as a device switched off would.
  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    for (int fd : clients_) ::close(fd);
    clients_.clear();
    ::close(listen_fd_);
    listen_fd_ = -1;
    modbus_free(ctx_);
    ctx_ = nullptr;
  }

  int port() const { return port_; }
  uint64_t requests() const { return requests_; }

  void SetHolding(uint16_t addr, uint16_t v) {
    With([&] { map_->tab_registers[addr] = v; });
  }
  void SetInput(uint16_t addr, uint16_t v) {
    With([&] { map_->tab_input_registers[addr] = v; });
  }
  void SetCoil(uint16_t addr, bool v) {
    With([&] { map_->tab_bits[addr] = v; });
  }
  void SetDiscrete(uint16_t addr, bool v) {
    With([&] { map_->tab_input_bits[addr] = v; });
  }
  void SetHoldings(uint16_t addr, std::span<const uint16_t> v) {
    With([&] {
      for (size_t i = 0; i < v.size(); ++i) map_->tab_registers[addr + i] = v[i];
    });
  }
  // What a client wrote (tests of writes).
  uint16_t Holding(uint16_t addr) {
    uint16_t v = 0;
    With([&] { v = map_->tab_registers[addr]; });
    return v;
  }
  bool Coil(uint16_t addr) {
    bool v = false;
    With([&] { v = map_->tab_bits[addr] != 0; });
    return v;
  }
  void SetOverride(Override o) {
    With([&] { override_ = std::move(o); });
  }

 private:
  template <typename F>
  void With(F f) {
    std::lock_guard lock(mutex_);
    f();
  }

  void Serve() {
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    while (!stop_) {
      fd_set set;
      FD_ZERO(&set);
      FD_SET(listen_fd_, &set);
      int max_fd = listen_fd_;
      for (int fd : clients_) {
        FD_SET(fd, &set);
        max_fd = fd > max_fd ? fd : max_fd;
      }
      timeval tv{0, 20000};
      if (select(max_fd + 1, &set, nullptr, nullptr, &tv) <= 0) continue;
      if (FD_ISSET(listen_fd_, &set)) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) clients_.push_back(fd);
      }
      for (size_t i = 0; i < clients_.size();) {
        int fd = clients_[i];
        if (!FD_ISSET(fd, &set)) {
          ++i;
          continue;
        }
        modbus_set_socket(ctx_, fd);
        int n = modbus_receive(ctx_, query);
        if (n <= 0) {
          if (n < 0) {
            ::close(fd);
            clients_.erase(clients_.begin() + static_cast<long>(i));
            continue;
          }
          ++i;
          continue;
        }
        ++requests_;
        std::lock_guard lock(mutex_);
        std::optional<std::vector<uint8_t>> custom;
        if (override_) custom = override_(std::span<const uint8_t>(query, static_cast<size_t>(n)));
        if (custom) {
          if (!custom->empty()) (void)::send(fd, custom->data(), custom->size(), MSG_NOSIGNAL);
        } else if (unit_id_ == 255 || query[6] == unit_id_) {
          modbus_reply(ctx_, query, n, map_);
        }
        ++i;
      }
    }
  }

  const int unit_id_;
  int port_ = 0;
  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* map_ = nullptr;  // GUARDED_BY(mutex_) for writes from the test thread
  int listen_fd_ = -1;
  std::vector<int> clients_;  // owned by the serving thread while it runs
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> requests_{0};
  std::mutex mutex_;
  Override override_;  // GUARDED_BY(mutex_)
};

}  // namespace gantry::modbus
