// The API server with its guard: TLS on 127.0.0.1 with a self-signed certificate made by
// `gantry cert`'s code, the refusal of plain HTTP beyond loopback, and the request limits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <thread>

#include "api/http_server.h"
#include "api/security/security_gate.h"
#include "api/security/self_signed_cert.h"

namespace gantry::security {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class SecuredServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("gantry-srv-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::create_directories(dir_);
    std::vector<TagConfig> tags(1);
    tags[0].path = "acme/plant1/line1/filler/speed";
    registry_ = std::move(TagRegistry::Build(std::move(tags))).value();
    values_ = std::make_unique<CurrentValues>(registry_.size());
    store_ = std::move(CredentialStore::Open(dir_ + "/security.sqlite")).value();
    token_ = std::move(store_->CreateToken("t", Role::kViewer, 0, 0)).value().secret;
  }
  void TearDown() override {
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }
  void Start(ApiOptions options) {
    options.port = 0;
    GateOptions g;
    g.tls = !options.tls_cert.empty();
    options.guard = std::make_shared<SecurityGate>(store_, nullptr, PolicyTable::Build({}), g);
    ApiContext ctx;
    ctx.registry = &registry_;
    ctx.values = values_.get();
    auto started = ApiServer::Start(options, ctx);
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started).value();
  }
  // Sends raw bytes on plain TCP and returns what came back before close (at most 3 s).
  std::string Raw(const std::string& bytes, int linger_ms = 0) {
    net::io_context io;
    tcp::socket s(io);
    s.connect({net::ip::make_address("127.0.0.1"), server_->port()});
    net::write(s, net::buffer(bytes));
    if (linger_ms) std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
    std::string out;
    char buf[4096];
    beast::error_code ec;
    s.non_blocking(false);
    struct timeval tv {
      3, 0
    };
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (;;) {
      size_t n = s.read_some(net::buffer(buf), ec);
      if (ec || n == 0) break;
      out.append(buf, n);
    }
    return out;
  }

  std::string dir_;
  TagRegistry registry_;
  std::unique_ptr<CurrentValues> values_;
  std::shared_ptr<CredentialStore> store_;
  std::string token_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(SecuredServer, ServesHttpsOnLoopbackWithASelfSignedCertificate) {
  const std::string cert = dir_ + "/api.crt", key = dir_ + "/api.key";
  ASSERT_TRUE(WriteSelfSignedCert(cert, key, {"localhost", "127.0.0.1"}, 30).ok());
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ApiOptions o;
  o.tls_cert = cert;
  o.tls_key = key;
  Start(o);

  net::io_context io;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(cert);  // trust exactly this certificate
  auto get = [&](const std::string& target, const std::string& auth) {
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    stream.set_verify_mode(net::ssl::verify_peer);
    stream.set_verify_callback(net::ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(stream).connect({net::ip::make_address("127.0.0.1"), server_->port()});
    stream.handshake(net::ssl::stream_base::client);
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
  };
  EXPECT_EQ(get("/health", "").result_int(), 200u);
  EXPECT_EQ(get("/api/v1/tags", "").result_int(), 401u);
  auto tags = get("/api/v1/tags", "Bearer " + token_);
  EXPECT_EQ(tags.result_int(), 200u);
  EXPECT_NE(tags.body().find("acme/plant1/line1/filler/speed"), std::string::npos);
  // Plain HTTP to the TLS port gets no HTTP answer.
  EXPECT_EQ(Raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0),
            std::string::npos);
}

// Under TLS a stream keeps its own strand (it cannot move onto its delivery lane like a plain TCP
// one): the snapshot, then every change in order, each as the latest value.
TEST_F(SecuredServer, StreamOverHttpsSendsTheSnapshotThenEveryChangeInOrder) {
  const std::string cert = dir_ + "/api.crt", key = dir_ + "/api.key";
  ASSERT_TRUE(WriteSelfSignedCert(cert, key, {"localhost", "127.0.0.1"}, 30).ok());
  ApiOptions o;
  o.tls_cert = cert;
  o.tls_key = key;
  Start(o);
  values_->Apply({Sample{0, 1'700'000'000'000'000'000, Value(10.5), Quality::Good()}});

  net::io_context io;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(cert);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  stream.set_verify_mode(net::ssl::verify_peer);
  beast::get_lowest_layer(stream).connect({net::ip::make_address("127.0.0.1"), server_->port()});
  stream.handshake(net::ssl::stream_base::client);
  const std::string req =
      "GET /api/v1/stream?prefix=acme/plant1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
      "Bearer " +
      token_ + "\r\n\r\n";
  net::write(stream, net::buffer(req));
  std::string got;
  auto read_until = [&](const std::string& marker) {
    char buf[4096];
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    while (got.find(marker) == std::string::npos) {
      beast::error_code ec;
      const size_t n = stream.read_some(net::buffer(buf), ec);
      if (ec) break;
      got.append(buf, n);
    }
    return got.find(marker) != std::string::npos;
  };
  ASSERT_TRUE(read_until("event: ready")) << got;
  EXPECT_NE(got.find("\"value\":10.5"), std::string::npos) << got;
  for (int i = 1; i <= 20; ++i)
    values_->Apply({Sample{0, 1'700'000'000'000'000'000 + i, Value(10.5 + i), Quality::Good()}});
  ASSERT_TRUE(read_until("\"value\":30.5")) << got;
  // Whatever was coalesced, the values arrive in increasing order.
  double last = 0;
  for (size_t at = got.find("\"value\":"); at != std::string::npos;
       at = got.find("\"value\":", at + 1)) {
    const double v = std::stod(got.substr(at + 8));
    EXPECT_GT(v, last) << got;
    last = v;
  }
  EXPECT_EQ(last, 30.5);
}

TEST_F(SecuredServer, RefusesPlainHttpBeyondLoopbackAndEveryListenerBeyondItInOneWayMode) {
  ApiContext ctx;
  ctx.registry = &registry_;
  ctx.values = values_.get();
  ApiOptions o;
  o.listen = "0.0.0.0";
  o.port = 0;
  auto refused = ApiServer::Start(o, ctx);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("without TLS"), std::string::npos);
  o.one_way = true;
  o.tls_cert = dir_ + "/x.crt";
  o.tls_key = dir_ + "/x.key";
  auto one_way = ApiServer::Start(o, ctx);
  ASSERT_FALSE(one_way.ok());
  EXPECT_NE(one_way.status().message().find("one-way mode"), std::string::npos);
}

TEST_F(SecuredServer, RequestLimitsAnswerWithClear4xx) {
  ApiOptions o;
  o.max_header_fields = 8;
  o.max_body_bytes = 1000;
  o.read_timeout = 1500 * kMillisecond;
  o.max_connections = 4;
  Start(o);
  std::string many = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  EXPECT_EQ(Raw(many + "\r\n").rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(Raw("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                std::string(5000, 'a'))
                .rfind("HTTP/1.1 413", 0),
            0u);
  EXPECT_EQ(Raw("GET /health HTTP/1.1\r\nHost: x\r\n" + std::string(20000, 'a') + "\r\n\r\n")
                .rfind("HTTP/1.1 431", 0),
            0u);
  EXPECT_EQ(Raw("BREW / HTCPCP/1.0\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  // A slow client that never finishes its request is dropped after read_timeout.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Raw("GET /health HTTP/1.1\r\nHo"), "");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(SecuredServer, OverTheConnectionLimitAFurtherClientGets503AtOnce) {
  ApiOptions o;
  o.max_connections = 4;
  // Long enough that the held, silent connections are not dropped as slow clients while a loaded
  // CI machine (ASan, other tests running) accepts them.
  o.read_timeout = 20 * kSecond;
  Start(o);
  net::io_context io;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 4; ++i) {
    held.emplace_back(io);
    held.back().connect({net::ip::make_address("127.0.0.1"), server_->port()});
  }
  // The server may take a moment (a loaded CI machine) to accept all four: ask until it refuses,
  // well within the held connections' read timeout.
  auto answer_within = [&](const char* status, std::chrono::milliseconds within) {
    std::string last;
    const auto until = std::chrono::steady_clock::now() + within;
    do {
      last = Raw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      if (last.rfind(status, 0) == 0) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < until);
    return last;
  };
  EXPECT_EQ(
      answer_within("HTTP/1.1 503", std::chrono::milliseconds(10000)).rfind("HTTP/1.1 503", 0), 0u);
  held.clear();  // closing them frees the slots
  EXPECT_EQ(
      answer_within("HTTP/1.1 200", std::chrono::milliseconds(10000)).rfind("HTTP/1.1 200", 0), 0u);
}

}  // namespace
}  // namespace gantry::security
