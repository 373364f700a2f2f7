// One simulated machine's Modbus TCP server: a libmodbus server (modbus_receive / modbus_reply)
// in its own thread, a select() loop over the listening socket and all clients, serving the
// last RegisterImage it was given. Read-only: write requests get ILLEGAL FUNCTION.
//
//   MachineServer server("127.0.0.1", 0);       // 0: the OS picks a free port
//   GANTRY_RETURN_IF_ERROR(server.Start());
//   server.Publish(EncodeRegisters(line.Machine(0)));
//   int port = server.Port();
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "field/sim/register_map.h"

typedef struct _modbus modbus_t;                    // NOLINT (libmodbus's own names)
typedef struct _modbus_mapping_t modbus_mapping_t;  // NOLINT

namespace gantry::sim {

class MachineServer {
 public:
  // Does not open a socket yet. `port` 0 lets the OS choose at the first Start().
  MachineServer(std::string listen, int port);
  ~MachineServer();  // Stop()s
  MachineServer(const MachineServer&) = delete;
  MachineServer& operator=(const MachineServer&) = delete;

  // Binds, listens and starts the serving thread. After a Stop(), binds the same port again.
  // Errors: IoError naming address, port and the OS reason (e.g. port in use). Not thread-safe
  // against Stop(); call both from one controlling thread.
  Status Start();
  // Wakes the loop, joins the thread, closes the listening and all client sockets. Prompt
  // (no polling delay) and idempotent.
  void Stop();
  // The bound port (after the first successful Start), else the configured one.
  int Port() const { return port_.load(); }
  bool Serving() const { return serving_.load(); }
  // Clients connected right now. Thread-safe.
  int ClientCount() const { return clients_.load(); }
  // Replaces the served values. Thread-safe; cheap (copies ~60 bytes under a mutex).
  void Publish(const RegisterImage& image);

 private:
  void Serve(modbus_t* ctx, int listen_fd, int wake_fd);
  bool Answer(modbus_t* ctx, const uint8_t* query, int length);

  const std::string listen_;
  std::atomic<int> port_;
  std::atomic<bool> serving_{false};
  std::atomic<int> clients_{0};
  std::thread thread_;
  int wake_pipe_[2] = {-1, -1};  // written by Stop() to end select()

  std::mutex mapping_mutex_;
  modbus_mapping_t* mapping_;  // owned; GUARDED_BY(mapping_mutex_); lives across restarts
};

}  // namespace gantry::sim
