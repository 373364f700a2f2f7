#include "field/sim/machine_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace gantry::sim {
namespace {

constexpr size_t kMaxClients = 32;

bool IsWrite(uint8_t function) {
  switch (function) {
    case MODBUS_FC_WRITE_SINGLE_COIL:
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
    case MODBUS_FC_MASK_WRITE_REGISTER:
    case MODBUS_FC_WRITE_AND_READ_REGISTERS: return true;
    default: return false;
  }
}

}  // namespace

MachineServer::MachineServer(std::string listen, int port)
    : listen_(std::move(listen)),
      port_(port),
      mapping_(modbus_mapping_new(kBitCount, kBitCount, kRegisterCount, kRegisterCount)) {}

MachineServer::~MachineServer() {
  Stop();
  modbus_mapping_free(mapping_);
}

Status MachineServer::Start() {
  if (serving_.load()) return Status::Ok();
  if (mapping_ == nullptr) return Internal("simulator: modbus_mapping_new failed");
  modbus_t* ctx = modbus_new_tcp(listen_.c_str(), port_.load());
  if (ctx == nullptr) {
    return InvalidArgument(fmt::format("simulator: cannot serve on {}:{}: {}", listen_,
                                       port_.load(), modbus_strerror(errno)));
  }
  const int listen_fd = modbus_tcp_listen(ctx, 16);
  if (listen_fd < 0) {
    const int err = errno;
    modbus_free(ctx);
    return IoError(fmt::format("simulator: cannot listen on {}:{}: {}", listen_, port_.load(),
                               std::strerror(err)));
  }
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  if (getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    port_.store(ntohs(bound.sin_port));
  }
  if (pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    const int err = errno;
    close(listen_fd);
    modbus_free(ctx);
    return IoError(fmt::format("simulator: pipe: {}", std::strerror(err)));
  }
  // A client that sends half a request is dropped after this long instead of stalling the loop.
  modbus_set_byte_timeout(ctx, 0, 500'000);
  serving_.store(true);
  thread_ =
      std::thread([this, ctx, listen_fd, wake = wake_pipe_[0]] { Serve(ctx, listen_fd, wake); });
  return Status::Ok();
}

void MachineServer::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 'x';
  while (write(wake_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
  wake_pipe_[0] = wake_pipe_[1] = -1;
  serving_.store(false);
}

void MachineServer::Publish(const RegisterImage& image) {
  std::lock_guard<std::mutex> lock(mapping_mutex_);
  if (mapping_ == nullptr) return;
  std::copy(image.registers.begin(), image.registers.end(), mapping_->tab_registers);
  std::copy(image.registers.begin(), image.registers.end(), mapping_->tab_input_registers);
  std::copy(image.bits.begin(), image.bits.end(), mapping_->tab_bits);
  std::copy(image.bits.begin(), image.bits.end(), mapping_->tab_input_bits);
}

bool MachineServer::Answer(modbus_t* ctx, const uint8_t* query, int length) {
  const int header = modbus_get_header_length(ctx);
  if (length <= header) return false;
  if (IsWrite(query[header])) {
    return modbus_reply_exception(ctx, query, MODBUS_EXCEPTION_ILLEGAL_FUNCTION) >= 0;
  }
  std::lock_guard<std::mutex> lock(mapping_mutex_);
  return modbus_reply(ctx, query, length, mapping_) >= 0;
}

// Owns ctx, listen_fd and every client socket; nothing else touches them while it runs.
void MachineServer::Serve(modbus_t* ctx, int listen_fd, int wake_fd) {
  std::vector<int> clients;
  std::vector<uint8_t> query(MODBUS_TCP_MAX_ADU_LENGTH);
  for (;;) {
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(listen_fd, &readable);
    FD_SET(wake_fd, &readable);
    int max_fd = std::max(listen_fd, wake_fd);
    for (int fd : clients) {
      FD_SET(fd, &readable);
      max_fd = std::max(max_fd, fd);
    }
    if (select(max_fd + 1, &readable, nullptr, nullptr, nullptr) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (FD_ISSET(wake_fd, &readable)) break;
    if (FD_ISSET(listen_fd, &readable)) {
      const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        if (fd >= FD_SETSIZE || clients.size() >= kMaxClients) {
          close(fd);  // select() cannot watch it, or too many clients: refuse politely
        } else {
          clients.push_back(fd);
        }
      }
    }
    for (auto it = clients.begin(); it != clients.end();) {
      bool keep = true;
      if (FD_ISSET(*it, &readable)) {
        modbus_set_socket(ctx, *it);
        const int rc = modbus_receive(ctx, query.data());
        if (rc > 0) {
          keep = Answer(ctx, query.data(), rc);
        } else if (rc < 0) {
          keep = false;  // disconnect, timeout or a malformed frame
        }
      }
      if (keep) {
        ++it;
      } else {
        close(*it);
        it = clients.erase(it);
      }
    }
    clients_.store(static_cast<int>(clients.size()));
  }
  // Close the listener first: a client reconnecting the moment its connection drops must find
  // the port refusing, not a half-open connection in the listen backlog.
  close(listen_fd);
  for (int fd : clients) close(fd);
  clients_.store(0);
  modbus_set_socket(ctx, -1);
  modbus_free(ctx);
}

}  // namespace gantry::sim
