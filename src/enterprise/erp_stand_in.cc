#include "enterprise/erp_stand_in.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

namespace gantry::enterprise {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ErpStandIn::Impl {
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<net::ssl::context> tls;  // serving HTTPS when set
  std::thread thread;
  Duration hang = 0;
  mutable std::mutex mu;
  StandInFault standing = StandInFault::kNone;  // guarded by mu
  StandInFault next = StandInFault::kNone;      // guarded by mu
  int next_count = 0;                           // guarded by mu
  StandInLedger ledger;                         // guarded by mu

  StandInFault TakeFault() {
    std::lock_guard<std::mutex> lock(mu);
    if (next_count > 0) {
      --next_count;
      return next;
    }
    return standing;
  }

  // Returns the HTTP status and body for one request; applies it when told to.
  std::pair<int, std::string> Handle(const std::string& body, StandInFault fault) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("idempotency_key"))
      return {400, R"({"error":"not a webhook message"})"};
    const std::string key = j["idempotency_key"].get<std::string>();
    std::lock_guard<std::mutex> lock(mu);
    ++ledger.requests[key];
    switch (fault) {
      case StandInFault::kHttp500: return {500, R"({"error":"ERP down"})"};
      case StandInFault::kMalformed: return {200, "<html>proxy error</html>"};
      case StandInFault::kReject422: return {422, R"({"error":"unknown product"})"};
      case StandInFault::kHang:
      case StandInFault::kNone: break;
    }
    if (ledger.requests[key] > 1 &&
        std::find(ledger.applied.begin(), ledger.applied.end(), key) != ledger.applied.end())
      return {200, R"({"status":"duplicate"})"};
    ledger.applied.push_back(key);
    ledger.by_order[j.value("order_key", std::string())].push_back(j.value("sequence", int64_t{0}));
    return {200, R"({"status":"applied"})"};
  }

  template <typename Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    Session(Impl* impl, Stream s) : owner(impl), stream(std::move(s)), timer(owner->io) {}
    Impl* owner;
    Stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    net::steady_timer timer;

    void Begin() {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        Read();
      } else {
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
        stream.async_handshake(net::ssl::stream_base::server,
                               [self = this->shared_from_this()](beast::error_code ec) {
                                 if (ec) return;  // e.g. the client refused our certificate
                                 beast::get_lowest_layer(self->stream).expires_never();
                                 self->Read();
                               });
      }
    }
    void Read() {
      req = {};
      http::async_read(stream, buffer, req,
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return;
                         self->OnRequest();
                       });
    }
    void OnRequest() {
      const StandInFault fault = owner->TakeFault();
      if (fault == StandInFault::kHang) {
        timer.expires_after(std::chrono::nanoseconds(owner->hang));
        timer.async_wait([self = this->shared_from_this()](beast::error_code) {
          beast::error_code ignored;
          beast::get_lowest_layer(self->stream)
              .socket()
              .shutdown(tcp::socket::shutdown_both, ignored);
        });
        return;
      }
      auto [status, body] = owner->Handle(req.body(), fault);
      res = {static_cast<http::status>(status), 11};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = std::move(body);
      res.prepare_payload();
      http::async_write(stream, res,
                        [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          if (ec || !self->res.keep_alive()) return;
                          self->Read();
                        });
    }
  };

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      if (tls) {
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<TlsStream>>(this, TlsStream(beast::tcp_stream(std::move(s)), *tls))
            ->Begin();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(this, beast::tcp_stream(std::move(s)))
            ->Begin();
      }
      Accept();
    });
  }
};

ErpStandIn::ErpStandIn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ErpStandIn>> ErpStandIn::Start(Duration hang, const StandInTls& tls) {
  auto impl = std::make_unique<Impl>();
  impl->hang = hang;
  beast::error_code ec;
  if (!tls.cert_file.empty()) {
    impl->tls.emplace(net::ssl::context::tls_server);
    impl->tls->use_certificate_chain_file(tls.cert_file, ec);
    if (!ec) impl->tls->use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
    if (ec)
      return InvalidArgument("ERP stand-in: certificate " + tls.cert_file + " / key " +
                             tls.key_file + ": " + ec.message());
  }
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return IoError("ERP stand-in: cannot listen on 127.0.0.1: " + ec.message());
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<ErpStandIn>(new ErpStandIn(std::move(impl)));
}

ErpStandIn::~ErpStandIn() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t ErpStandIn::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void ErpStandIn::SetFault(StandInFault fault) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->standing = fault;
}

void ErpStandIn::FailNext(StandInFault fault, int count) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->next = fault;
  impl_->next_count = count;
}

StandInLedger ErpStandIn::Ledger() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->ledger;
}

}  // namespace gantry::enterprise
