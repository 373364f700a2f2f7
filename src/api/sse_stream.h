// One SSE client of /api/v1/stream (internal to the API server): the current values of its tags
// as a snapshot, a `ready` event, then their changes as the fan-out (api/sse_fanout.h) hands them
// over, with heartbeats. A slow client gets coalesced changes (the latest value of each changed
// tag) on its next write; a write stuck for 30 s closes the stream.
//
//   StartSseStream(std::move(tcp_stream), server_side, std::move(tags_by_path));
#pragma once

#include <atomic>
#include <vector>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "api/http_server.h"
#include "api/sse_fanout.h"

namespace gantry {

// What a stream needs of its server. Borrowed: everything outlives every stream (the server
// destroys its io_context, and with it the streams, before these).
struct SseServerSide {
  const ApiContext* ctx = nullptr;
  SseFanout* fanout = nullptr;
  Duration heartbeat = 15 * kSecond;
  std::atomic<int>* active_streams = nullptr;  // decremented when the stream ends
  std::atomic<int>* connections = nullptr;     // likewise
};

// Takes over an accepted connection whose request asked for a stream of `tags_by_path` (snapshot
// order) and serves it until the client goes away or the server stops. Call on the connection's
// strand.
void StartSseStream(boost::beast::tcp_stream stream, const SseServerSide& server,
                    std::vector<TagId> tags_by_path);
void StartSseStream(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                    const SseServerSide& server, std::vector<TagId> tags_by_path);

}  // namespace gantry
