// Beast coroutine server. Everything Beast of the server lives in this one translation unit.
#include "daemon/http/server.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <exception>
#include <list>
#include <stdexcept>

#include "daemon/log.hpp"
#include "sinks/alert_json.hpp"

namespace authcorrd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 16 * 1024;
// How long and how much a connection that ends with request bytes unread keeps reading them.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 64 * 1024 * 1024;

std::chrono::milliseconds ms(TimeMs value) {
  return std::chrono::milliseconds(value);
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return std::string_view(value);
  }
  return std::nullopt;
}

Response error_response(unsigned status, std::string_view code, std::string_view message) {
  Response response;
  response.status = status;
  response.body = "{\"error\":";
  append_json_string(response.body, code);
  response.body += ",\"message\":";
  append_json_string(response.body, message);
  response.body += '}';
  return response;
}

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  // One open connection; `idle` while it waits for a request (shutdown closes those at once).
  struct Connection {
    beast::tcp_stream* stream = nullptr;
    bool idle = true;
  };

  Impl(asio::io_context& io_context, ServerConfig server_config, Handler& request_handler,
       DaemonMetrics& daemon_metrics)
      : io(io_context),
        config(std::move(server_config)),
        handler(request_handler),
        metrics(daemon_metrics),
        acceptor(io_context) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> refuse(tcp::socket socket);
  asio::awaitable<bool> write(beast::tcp_stream& stream, const Response& response, bool keep_alive,
                              std::string_view route, std::chrono::steady_clock::time_point started,
                              bool head_only = false);
  asio::awaitable<void> linger_close(beast::tcp_stream& stream);

  asio::io_context& io;
  ServerConfig config;
  Handler& handler;
  DaemonMetrics& metrics;
  tcp::acceptor acceptor;
  std::list<Connection> connections;
  bool stopping = false;
};

asio::awaitable<void> Server::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto [error, socket] = co_await acceptor.async_accept(kUseTuple);
    if (stopping) break;
    if (error) {
      if (error == asio::error::operation_aborted) break;
      // Out of descriptors and similar: say so and pause briefly instead of spinning.
      log_warn("http: accept failed: {}", error.message());
      asio::steady_timer pause(io, std::chrono::milliseconds(100));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    if (connections.size() >= config.max_connections) {
      asio::co_spawn(io, refuse(std::move(socket)), asio::detached);
    } else {
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
}

asio::awaitable<void> Server::Impl::refuse(tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream stream(std::move(socket));
  Response response = error_response(503, "overloaded", "too many open connections");
  response.headers.emplace_back("Retry-After", "1");
  co_await write(stream, response, false, "other", std::chrono::steady_clock::now());
  co_await linger_close(stream);
}

asio::awaitable<void> Server::Impl::linger_close(beast::tcp_stream& stream) {
  // Closing with unread request bytes in the receive buffer makes the kernel send a reset,
  // which can destroy the response just written before the client reads it: a 413 or 401
  // would reach a client that is still sending as a connection error. So: send FIN, read and
  // discard what the client still sends (bounded in time and bytes), then close.
  auto self = shared_from_this();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTime);
  std::array<char, 16 * 1024> discard{};
  std::size_t discarded = 0;
  while (discarded < kLingerBytes) {
    auto [error, bytes] = co_await stream.async_read_some(asio::buffer(discard), kUseTuple);
    if (error) break;
    discarded += bytes;
  }
  stream.socket().close(ignored);
}

asio::awaitable<bool> Server::Impl::write(beast::tcp_stream& stream, const Response& response,
                                          bool keep_alive, std::string_view route,
                                          std::chrono::steady_clock::time_point started,
                                          bool head_only) {
  bhttp::response<bhttp::string_body> message{static_cast<bhttp::status>(response.status), 11};
  message.set(bhttp::field::server, "authcorrd");
  message.set(bhttp::field::content_type, response.content_type);
  message.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : response.headers)
    message.set(name, value);
  message.keep_alive(keep_alive);
  message.body() = response.body;
  message.prepare_payload();
  stream.expires_after(ms(config.write_timeout));
  beast::error_code error;
  if (head_only) {
    // HEAD: the headers a GET would get (Content-Length included), no body.
    bhttp::response_serializer<bhttp::string_body> serializer{message};
    auto [header_error, bytes] = co_await bhttp::async_write_header(stream, serializer, kUseTuple);
    (void)bytes;
    error = header_error;
  } else {
    auto [body_error, bytes] = co_await bhttp::async_write(stream, message, kUseTuple);
    (void)bytes;
    error = body_error;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics.http_request(route, response.status, seconds);
  co_return !error;
}

asio::awaitable<void> Server::Impl::serve(tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream stream(std::move(socket));
  auto connection = connections.insert(connections.end(), Connection{&stream, true});
  beast::flat_buffer buffer;
  bool first = true;
  // Set when the connection must end with the unread rest of a request still coming in.
  bool linger = false;
  while (!stopping) {
    // A new connection must deliver its first request within read_timeout of connecting; a
    // kept-alive one may wait idle_timeout for the first byte of the next request, which then
    // must be complete within read_timeout.
    connection->idle = true;
    if (first) {
      stream.expires_after(ms(config.read_timeout));
    } else {
      if (buffer.size() == 0) {
        stream.expires_after(ms(config.idle_timeout));
        auto [error, bytes] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
        if (error) break;
        buffer.commit(bytes);
      }
      stream.expires_after(ms(config.read_timeout));
    }
    first = false;

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    // No limit while the header is read, so an oversize request is still authenticated first
    // (and gets 401 rather than 413); the limit applies from the body on.
    parser.body_limit(boost::none);
    auto [header_error, header_bytes] =
        co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
    (void)header_bytes;
    connection->idle = false;
    const auto started = std::chrono::steady_clock::now();
    if (header_error) {
      if (header_error == bhttp::error::header_limit) {
        co_await write(stream,
                       error_response(431, "headers_too_large",
                                      fmt::format("request headers over {} bytes", kHeaderLimit)),
                       false, "other", started);
        linger = true;
      } else if (header_error != beast::error::timeout &&
                 header_error != bhttp::error::end_of_stream &&
                 header_error != asio::error::operation_aborted) {
        co_await write(stream, error_response(400, "bad_request", header_error.message()), false,
                       "other", started);
        linger = true;
      }
      break;
    }

    Request request;
    {
      const auto& head = parser.get();
      request.method = std::string(head.method_string());
      request.target = std::string(head.target());
      request.path = request.target.substr(0, request.target.find('?'));
      for (const auto& field : head) {
        request.headers.emplace_back(
            boost::algorithm::to_lower_copy(std::string(field.name_string())),
            std::string(field.value()));
      }
    }
    std::string_view route = "other";
    std::optional<Response> early = handler.preflight(request, route);
    const auto length = parser.content_length();
    if (!early && length && *length > config.max_body_bytes) {
      early = error_response(413, "body_too_large",
                             fmt::format("request body over {} bytes", config.max_body_bytes));
    }
    if (early) {
      // The body stays unread, so the connection cannot carry another request.
      co_await write(stream, *early, false, route, started);
      linger = !parser.is_done();
      break;
    }
    parser.body_limit(config.max_body_bytes);
    if (auto expect = request.header("expect");
        expect && boost::algorithm::to_lower_copy(std::string(*expect)) == "100-continue") {
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
      stream.expires_after(ms(config.write_timeout));
      auto [continue_error, continue_bytes] = co_await bhttp::async_write(stream, go_on, kUseTuple);
      (void)continue_bytes;
      if (continue_error) break;
      stream.expires_after(ms(config.read_timeout));
    }
    auto [body_error, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
    (void)body_bytes;
    if (body_error) {
      if (body_error == bhttp::error::body_limit) {
        co_await write(
            stream,
            error_response(413, "body_too_large",
                           fmt::format("request body over {} bytes", config.max_body_bytes)),
            false, route, started);
        linger = true;
      } else if (body_error != beast::error::timeout) {
        co_await write(stream, error_response(400, "bad_request", body_error.message()), false,
                       route, started);
        linger = true;
      }
      break;
    }
    const bool keep_alive = parser.get().keep_alive();
    request.body = std::move(parser.get().body());
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: make them part of the buffer.
    request.body.reserve(request.body.size() + simdjson::SIMDJSON_PADDING);

    Response response;
    try {
      response = handler.handle(request, route);
    } catch (const std::exception& error) {
      log_error("http: {} {} failed: {}", request.method, route, error.what());
      response = error_response(500, "internal_error", "the request could not be processed");
    }
    const bool again = keep_alive && !stopping;
    const bool head_only = request.method == "HEAD";
    if (!co_await write(stream, response, again, route, started, head_only) || !again) break;
  }
  // Off the list first: shutdown() must not cancel a connection that is only lingering.
  connections.erase(connection);
  if (linger) {
    co_await linger_close(stream);
  } else {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
}

Server::Server(asio::io_context& io, ServerConfig config, Handler& handler, DaemonMetrics& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(config), handler, metrics)) {}

Server::~Server() {
  shutdown();
}

void Server::start() {
  Impl& self = *impl_;
  beast::error_code error;
  const auto address = asio::ip::make_address(self.config.address, error);
  if (error) {
    // Host names ("localhost") resolve to their first address.
    tcp::resolver resolver(self.io);
    auto results = resolver.resolve(self.config.address, std::to_string(self.config.port), error);
    if (error || results.empty()) {
      throw std::runtime_error(
          fmt::format("cannot resolve listen address {}: {}", self.config.listen, error.message()));
    }
    self.config.address = results.begin()->endpoint().address().to_string();
    return start();
  }
  const tcp::endpoint endpoint(address, self.config.port);
  self.acceptor.open(endpoint.protocol(), error);
  if (!error) self.acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) self.acceptor.bind(endpoint, error);
  if (!error) self.acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    throw std::runtime_error(
        fmt::format("cannot listen on {}: {}", self.config.listen, error.message()));
  }
  asio::co_spawn(self.io, self.accept_loop(), asio::detached);
}

std::uint16_t Server::port() const {
  beast::error_code error;
  const auto endpoint = impl_->acceptor.local_endpoint(error);
  return error ? 0 : endpoint.port();
}

void Server::shutdown() {
  Impl& self = *impl_;
  if (self.stopping) return;
  self.stopping = true;
  beast::error_code ignored;
  self.acceptor.close(ignored);
  for (auto& connection : self.connections) {
    if (connection.idle) connection.stream->cancel();
  }
}

std::size_t Server::open_connections() const {
  return impl_->connections.size();
}

}  // namespace authcorrd::http
