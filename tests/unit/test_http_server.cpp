// The scripted test HTTP(S) server (see test_http_server.hpp). Requests are parsed with Beast;
// responses are written as raw bytes so a test can send exactly what a broken server would
// (a short body, a connection closed against its own keep-alive promise).
//
// Everything below runs on the server's thread except the public members, which only touch the
// mutex-protected state, and the destructor, which stops the io_context and joins the thread.
#include "test_http_server.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace authcorrd::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

bool has_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (boost::algorithm::to_lower_copy(std::string(key)) == name) return true;
  }
  return false;
}

std::string response_head(const CannedResponse& response, bool close) {
  std::string reason = response.status < 300 ? "OK" : response.status < 500 ? "Error" : "Failure";
  std::string text = "HTTP/1.1 " + std::to_string(response.status) + " " + reason + "\r\n";
  for (const auto& [name, value] : response.headers)
    text += name + ": " + value + "\r\n";
  if (!has_header(response.headers, "content-length") &&
      !has_header(response.headers, "transfer-encoding")) {
    text += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  if (close) text += "Connection: close\r\n";
  return text + "\r\n";
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  const auto key = boost::algorithm::to_lower_copy(std::string(name));
  for (const auto& [k, v] : headers) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string RecordedRequest::path() const {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> RecordedRequest::query(std::string_view key) const {
  const auto mark = target.find('?');
  if (mark == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(target).substr(mark + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

CannedResponse CannedResponse::json(unsigned status, std::string body, Headers headers) {
  CannedResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  response.headers.emplace_back("Content-Type", "application/json");
  return response;
}

struct TestHttpServer::Impl {
  std::optional<ssl::context> tls;  // outlives io: sessions left in io hold streams using it
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  mutable std::mutex mutex;
  std::deque<CannedResponse> queue;
  RequestHandler handler;
  std::vector<RecordedRequest> requests;
  std::size_t connections = 0;

  CannedResponse answer_for(const RecordedRequest& request) {
    RequestHandler current;
    {
      std::lock_guard lock(mutex);
      requests.push_back(request);
      if (!queue.empty()) {
        CannedResponse next = std::move(queue.front());
        queue.pop_front();
        return next;
      }
      current = handler;
    }
    if (current) return current(request);
    return CannedResponse::json(404, R"({"error":"no canned response"})");
  }

  template <class Stream>
  net::awaitable<void> serve(Stream& stream, std::size_t connection) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (ec) co_return;
      const auto message = parser.release();
      RecordedRequest request;
      request.method = std::string(message.method_string());
      request.target = std::string(message.target());
      for (const auto& field : message) {
        request.headers.emplace_back(
            boost::algorithm::to_lower_copy(std::string(field.name_string())),
            std::string(field.value()));
      }
      request.body = message.body();
      request.connection = connection;
      request.received = std::chrono::steady_clock::now();
      const CannedResponse response = answer_for(request);

      net::steady_timer timer(stream.get_executor());
      if (response.delay.count() > 0) {
        timer.expires_after(response.delay);
        co_await timer.async_wait(kTuple);
      }
      using Mode = CannedResponse::Mode;
      if (response.mode == Mode::close_without_response) co_return;
      if (response.mode == Mode::never_answer) {
        timer.expires_after(std::chrono::hours(1));
        co_await timer.async_wait(kTuple);
        co_return;
      }
      const bool close = response.mode == Mode::normal && !message.keep_alive();
      std::string bytes = response_head(response, close);
      if (response.mode == Mode::truncate_body) {
        bytes += response.body.substr(0, response.truncate_at);
      } else {
        bytes += response.body;
      }
      auto [write_ec, written] = co_await net::async_write(stream, net::buffer(bytes), kTuple);
      if (write_ec || close || response.mode != Mode::normal) co_return;
    }
  }

  net::awaitable<void> session(tcp::socket socket, std::size_t connection) {
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
      if (ec) co_return;  // e.g. the client rejected our certificate
      co_await serve(stream, connection);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, connection);
    }
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) co_return;
      std::size_t id = 0;
      {
        std::lock_guard lock(mutex);
        id = ++connections;
      }
      net::co_spawn(io, session(std::move(socket), id), net::detached);
    }
  }
};

TestHttpServer::TestHttpServer(std::optional<TlsFiles> tls) : impl_(std::make_unique<Impl>()) {
  if (tls) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->cert_file);
    impl_->tls->use_private_key_file(tls->key_file, ssl::context::pem);
  }
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestHttpServer::~TestHttpServer() {
  impl_->io.stop();
  impl_->thread.join();
}

unsigned short TestHttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string TestHttpServer::url(std::string_view path) const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
         std::string(path);
}

void TestHttpServer::push(CannedResponse response) {
  std::lock_guard lock(impl_->mutex);
  impl_->queue.push_back(std::move(response));
}

void TestHttpServer::set_handler(RequestHandler handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

std::vector<RecordedRequest> TestHttpServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::size_t TestHttpServer::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests.size();
}

std::size_t TestHttpServer::connection_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

// ---------------------------------------------------------------------------------------------

namespace {

void run_openssl(const std::string& arguments) {
  const std::string command = "openssl " + arguments + " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("openssl failed: " + command);
  }
}

struct PkiDirectory {
  std::filesystem::path path;
  ~PkiDirectory() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

TestPki make_pki(PkiDirectory& directory) {
  std::string pattern = (std::filesystem::temp_directory_path() / "authcorrd-pki-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory.path = pattern;
  const std::string dir = pattern + "/";
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  run_openssl("req -x509 " + key + " -keyout " + dir + "ca.key -out " + dir +
              "ca.pem -days 2 -subj /CN=authcorrd-test-CA");
  const auto issue = [&](const std::string& name, const std::string& subject,
                         const std::string& alt_names) {
    run_openssl("req " + key + " -keyout " + dir + name + ".key -out " + dir + name +
                ".csr -subj /CN=" + subject);
    const std::string ext = dir + name + ".ext";
    if (FILE* file = std::fopen(ext.c_str(), "w")) {
      std::fprintf(file, "subjectAltName=%s\nbasicConstraints=CA:FALSE\n", alt_names.c_str());
      std::fclose(file);
    }
    run_openssl("x509 -req -in " + dir + name + ".csr -CA " + dir + "ca.pem -CAkey " + dir +
                "ca.key -CAcreateserial -out " + dir + name + ".pem -days 2 -extfile " + ext);
    return TlsFiles{dir + name + ".pem", dir + name + ".key"};
  };
  TestPki pki;
  pki.ca_file = dir + "ca.pem";
  pki.localhost = issue("localhost", "localhost", "DNS:localhost,IP:127.0.0.1");
  pki.other = issue("other", "wrong.example", "DNS:wrong.example");
  return pki;
}

}  // namespace

const TestPki& TestPki::get() {
  static PkiDirectory directory;
  static const TestPki pki = make_pki(directory);
  return pki;
}

unsigned short unused_port() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace authcorrd::testing
