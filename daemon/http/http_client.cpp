// The outbound HTTP/1.1 client (see http_client.hpp): URL parsing, RFC 8288 Link parsing, and
// the Beast coroutine that resolves, connects, handshakes, writes and reads under one deadline.
//
// Ownership: HttpClient owns a shared Impl; a send() in progress holds its own reference, so
// destroying the client while a request is suspended only aborts it. The kept-alive connection
// belongs to Impl and is touched only by send() and cancel(), both on the io_context's thread.
//
// This is the only translation unit of the daemon's client side that includes Beast (slow to
// compile): the pollers see the small header only.
#include "daemon/http/http_client.hpp"

#include <openssl/ssl.h>
#include <boost/algorithm/string/case_conv.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <cstdint>

namespace authcorrd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
// Auth0 and CDNs send a fair number of headers; Beast's 8 KiB default is too tight for comfort.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

bool is_control_or_space(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  (void)net::ip::make_address(host, ec);
  return !ec;
}

// A header value a caller passes must not be able to smuggle a second header or request.
bool valid_header(const std::pair<std::string, std::string>& header) {
  if (header.first.empty()) return false;
  for (char c : header.first) {
    if (!is_tchar(c)) return false;
  }
  for (char c : header.second) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

std::string host_header(const Url& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const bool default_port = (url.tls && url.port == "443") || (!url.tls && url.port == "80");
  if (!default_port) host.append(":").append(url.port);
  return host;
}

// A kept-alive (or new) connection to one origin. Exactly one of plain/tls is set.
struct Connection {
  std::string origin;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// What one write+read exchange on a connection produced.
struct Exchange {
  ClientError error = ClientError::none;
  std::string message;
  bool before_response = false;  // failed before any response byte arrived
  bool keep_alive = false;
  ClientResponse response;
};

ClientError io_error(const error_code& ec, ClientError otherwise) {
  if (ec == beast::error::timeout) return ClientError::timeout;
  return otherwise;
}

template <class Stream>
net::awaitable<Exchange> exchange(Stream& stream, beast::tcp_stream& lowest,
                                  beast::flat_buffer& buffer,
                                  const bhttp::request<bhttp::string_body>& request,
                                  Clock::time_point deadline, std::size_t max_body) {
  Exchange out;
  lowest.expires_at(deadline);
  auto [write_ec, written] = co_await bhttp::async_write(stream, request, kTuple);
  (void)written;
  if (write_ec) {
    out.error = io_error(write_ec, ClientError::connect);
    out.message = "sending the request failed: " + write_ec.message();
    out.before_response = true;
    co_return out;
  }

  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(static_cast<std::uint64_t>(max_body));
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  (void)read;
  if (read_ec) {
    out.before_response = !parser.got_some() && buffer.size() == 0;
    if (read_ec == bhttp::error::body_limit) {
      out.error = ClientError::too_large;
      out.message = "response body larger than " + std::to_string(max_body) + " bytes";
    } else if (out.before_response) {
      out.error = io_error(read_ec, ClientError::connect);
      out.message = "no response: " + read_ec.message();
    } else {
      out.error = io_error(read_ec, ClientError::protocol);
      out.message = "reading the response failed: " + read_ec.message();
    }
    co_return out;
  }
  lowest.expires_never();

  // Leftover bytes after a complete response mean the peer does not speak plain
  // request/response; never reuse such a connection.
  out.keep_alive = parser.get().keep_alive() && !parser.need_eof() && buffer.size() == 0;
  auto message = parser.release();
  out.response.status = message.result_int();
  for (const auto& field : message) {
    out.response.headers.emplace_back(
        boost::algorithm::to_lower_copy(std::string(field.name_string())),
        std::string(field.value()));
  }
  out.response.body = std::move(message.body());
  co_return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Url

std::optional<Url> Url::parse(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const auto scheme = text.substr(0, scheme_end);
  if (beast::iequals(scheme, "https")) {
    url.tls = true;
  } else if (!beast::iequals(scheme, "http")) {
    return std::nullopt;
  }
  for (char c : text) {
    if (is_control_or_space(c)) return std::nullopt;
  }
  auto rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  // Credentials in URLs would end up in logs; the daemon never needs them.
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    url.host = boost::algorithm::to_lower_copy(std::string(authority.substr(1, close - 1)));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    url.host = boost::algorithm::to_lower_copy(std::string(authority.substr(0, colon)));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (url.host.empty()) return std::nullopt;
  }
  if (port.empty()) {
    url.port = url.tls ? "443" : "80";
  } else {
    if (port.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    url.port = std::to_string(value);
  }

  const auto fragment = rest.find('#');
  rest = rest.substr(0, fragment);
  url.target = rest.empty() || rest.front() != '/' ? "/" + std::string(rest) : std::string(rest);
  return url;
}

std::string Url::origin() const {
  std::string out = tls ? "https://" : "http://";
  if (host.find(':') != std::string::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  out.append(":").append(port);
  return out;
}

std::optional<std::string_view> ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view to_string(ClientError error) noexcept {
  switch (error) {
    case ClientError::none:
      return "none";
    case ClientError::bad_url:
      return "bad_url";
    case ClientError::resolve:
      return "resolve";
    case ClientError::connect:
      return "connect";
    case ClientError::tls:
      return "tls";
    case ClientError::timeout:
      return "timeout";
    case ClientError::protocol:
      return "protocol";
    case ClientError::too_large:
      return "too_large";
    case ClientError::cancelled:
      return "cancelled";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// HttpClient

struct HttpClient::Impl {
  Impl(net::any_io_executor ex, ClientOptions opts)
      : executor(std::move(ex)), options(std::move(opts)) {}

  net::any_io_executor executor;
  ClientOptions options;
  std::optional<ssl::context> tls_context;  // built on the first https request
  std::unique_ptr<Connection> connection;   // kept alive between requests
  std::shared_ptr<tcp::resolver> resolver;  // set while a resolve is pending
  std::uint64_t generation = 0;             // bumped by abort(): in-flight work is stale
  bool in_flight = false;

  void abort() {
    ++generation;
    if (resolver) resolver->cancel();
    if (!connection) return;
    // A pending operation still references the stream: close the socket (its operations
    // complete with an error) and let send() drop the connection when it resumes.
    if (in_flight) {
      connection->lowest().close();
    } else {
      connection.reset();
    }
  }

  // The error text of a failed context set-up, empty on success.
  std::string ensure_tls_context() {
    if (tls_context) return {};
    ssl::context context(ssl::context::tls_client);
    error_code ec;
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1,
                        ec);
    if (ec) return "TLS set-up failed: " + ec.message();
    context.set_default_verify_paths(ec);
    if (ec) return "cannot load the system trust store: " + ec.message();
    if (!options.ca_file.empty()) {
      context.load_verify_file(options.ca_file, ec);
      if (ec) return "cannot load CA file " + options.ca_file + ": " + ec.message();
    }
    context.set_verify_mode(ssl::verify_peer, ec);
    if (ec) return "TLS set-up failed: " + ec.message();
    tls_context.emplace(std::move(context));
    return {};
  }

  static net::awaitable<ClientResult> run(std::shared_ptr<Impl> self, ClientRequest request);
  net::awaitable<ClientResult> connect(const Url& url, Clock::time_point deadline,
                                       std::uint64_t generation_at_start);
};

namespace {

ClientResult failure(ClientError error, std::string message) {
  ClientResult result;
  result.error = error;
  result.message = std::move(message);
  return result;
}

}  // namespace

// Opens `connection` to url's origin (resolve, connect, TLS handshake). Returns an empty
// (ok) result on success.
net::awaitable<ClientResult> HttpClient::Impl::connect(const Url& url, Clock::time_point deadline,
                                                       std::uint64_t generation_at_start) {
  const std::string where = url.host + ":" + url.port;
  tcp::resolver::results_type endpoints;
  error_code ec;
  const auto address = net::ip::make_address(url.host, ec);
  if (!ec) {
    const auto port = static_cast<unsigned short>(std::stoul(url.port));
    endpoints =
        tcp::resolver::results_type::create(tcp::endpoint(address, port), url.host, url.port);
  } else {
    // getaddrinfo has no deadline of its own: a timer cancels the resolver when ours passes.
    auto pending = std::make_shared<tcp::resolver>(executor);
    resolver = pending;
    net::steady_timer guard(executor);
    guard.expires_at(deadline);
    guard.async_wait([pending](const error_code& wait_ec) {
      if (!wait_ec) pending->cancel();
    });
    auto [resolve_ec, results] = co_await pending->async_resolve(url.host, url.port, kTuple);
    guard.cancel();
    resolver.reset();
    if (generation != generation_at_start) co_return failure(ClientError::cancelled, "cancelled");
    if (resolve_ec) {
      if (Clock::now() >= deadline) {
        co_return failure(ClientError::timeout, "timed out resolving " + url.host);
      }
      co_return failure(ClientError::resolve,
                        "cannot resolve " + url.host + ": " + resolve_ec.message());
    }
    endpoints = std::move(results);
  }

  auto fresh = std::make_unique<Connection>();
  fresh->origin = url.origin();
  if (url.tls) {
    if (auto problem = ensure_tls_context(); !problem.empty()) {
      co_return failure(ClientError::tls, std::move(problem));
    }
    fresh->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, *tls_context);
    // SNI carries names only (RFC 6066); an IP literal is checked against the certificate's
    // IP addresses by host_name_verification below.
    if (!is_ip_literal(url.host) &&
        SSL_set_tlsext_host_name(fresh->tls->native_handle(), url.host.c_str()) != 1) {
      co_return failure(ClientError::tls, "cannot set TLS server name " + url.host);
    }
    fresh->tls->set_verify_callback(ssl::host_name_verification(url.host));
  } else {
    fresh->plain = std::make_unique<beast::tcp_stream>(executor);
  }
  connection = std::move(fresh);  // from here on cancel() can close it

  auto& lowest = connection->lowest();
  lowest.expires_at(deadline);
  auto [connect_ec, endpoint] = co_await lowest.async_connect(endpoints, kTuple);
  (void)endpoint;
  if (generation != generation_at_start) co_return failure(ClientError::cancelled, "cancelled");
  if (connect_ec) {
    co_return failure(io_error(connect_ec, ClientError::connect),
                      "cannot connect to " + where + ": " + connect_ec.message());
  }
  if (connection->tls) {
    auto [handshake_ec] =
        co_await connection->tls->async_handshake(ssl::stream_base::client, kTuple);
    if (generation != generation_at_start) co_return failure(ClientError::cancelled, "cancelled");
    if (handshake_ec) {
      co_return failure(io_error(handshake_ec, ClientError::tls),
                        "TLS handshake with " + where + " failed: " + handshake_ec.message());
    }
  }
  co_return ClientResult{};
}

net::awaitable<ClientResult> HttpClient::Impl::run(std::shared_ptr<Impl> self,
                                                   ClientRequest request) {
  const auto url = Url::parse(request.url);
  if (!url) co_return failure(ClientError::bad_url, "not an absolute http(s) URL");
  const auto verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    co_return failure(ClientError::bad_url, "unsupported method " + request.method);
  }
  for (const auto& header : request.headers) {
    if (!valid_header(header)) co_return failure(ClientError::bad_url, "invalid request header");
  }

  bhttp::request<bhttp::string_body> message{verb, url->target, 11};
  message.set(bhttp::field::host, host_header(*url));
  message.set(bhttp::field::user_agent, self->options.user_agent);
  for (const auto& [name, value] : request.headers)
    message.set(name, value);
  message.body() = std::move(request.body);
  message.prepare_payload();
  message.keep_alive(true);

  const auto deadline = Clock::now() + std::chrono::milliseconds(self->options.timeout);
  const auto generation_at_start = self->generation;
  self->in_flight = true;
  struct InFlight {
    Impl& impl;
    ~InFlight() { impl.in_flight = false; }
  } in_flight_guard{*self};

  const auto origin = url->origin();
  // At most two attempts: the second only when a reused connection turned out to be closed.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = self->connection && self->connection->origin == origin;
    if (!reused) {
      self->connection.reset();
      auto opened = co_await self->connect(*url, deadline, generation_at_start);
      if (!opened.ok()) {
        self->connection.reset();
        co_return opened;
      }
    }

    Connection& conn = *self->connection;
    Exchange done;
    if (conn.tls) {
      done = co_await exchange(*conn.tls, conn.lowest(), conn.buffer, message, deadline,
                               self->options.max_response_bytes);
    } else {
      done = co_await exchange(*conn.plain, conn.lowest(), conn.buffer, message, deadline,
                               self->options.max_response_bytes);
    }
    if (self->generation != generation_at_start) {
      self->connection.reset();
      co_return failure(ClientError::cancelled, "cancelled");
    }
    if (done.error == ClientError::none) {
      if (!done.keep_alive) self->connection.reset();
      ClientResult result;
      result.response = std::move(done.response);
      co_return result;
    }
    self->connection.reset();
    // The server may close an idle kept-alive connection at any moment; that is not the
    // request's fault, so it gets one fresh connection (within the same deadline).
    if (reused && done.before_response && done.error != ClientError::timeout) continue;
    co_return failure(done.error, std::move(done.message));
  }
  co_return failure(ClientError::connect, "connection closed before the response");
}

HttpClient::HttpClient(net::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() {
  impl_->abort();
}

net::awaitable<ClientResult> HttpClient::send(ClientRequest request) {
  return Impl::run(impl_, std::move(request));
}

void HttpClient::cancel() {
  impl_->abort();
}

// ---------------------------------------------------------------------------------------------
// RFC 8288 Link header

std::optional<std::string> next_link(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  const auto skip_ws = [&] {
    while (i < n && (text[i] == ' ' || text[i] == '\t'))
      ++i;
  };
  while (i < n) {
    skip_ws();
    if (i < n && text[i] == ',') {
      ++i;
      continue;
    }
    if (i >= n) break;
    if (text[i] != '<') return std::nullopt;
    const auto close = text.find('>', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    const auto target = text.substr(i + 1, close - i - 1);
    i = close + 1;

    bool is_next = false;
    bool seen_rel = false;
    for (;;) {
      skip_ws();
      if (i >= n || text[i] == ',') break;
      if (text[i] != ';') return std::nullopt;
      ++i;
      skip_ws();
      const std::size_t name_start = i;
      while (i < n && is_tchar(text[i]))
        ++i;
      const auto name = text.substr(name_start, i - name_start);
      skip_ws();
      std::string value;
      if (i < n && text[i] == '=') {
        ++i;
        skip_ws();
        if (i < n && text[i] == '"') {
          ++i;
          bool closed = false;
          while (i < n) {
            char c = text[i++];
            if (c == '"') {
              closed = true;
              break;
            }
            if (c == '\\' && i < n) c = text[i++];
            value.push_back(c);
          }
          if (!closed) return std::nullopt;
        } else {
          const std::size_t value_start = i;
          while (i < n && text[i] != ';' && text[i] != ',' && text[i] != ' ' && text[i] != '\t') {
            ++i;
          }
          value.assign(text.substr(value_start, i - value_start));
        }
      }
      // RFC 8288 §3.3: only the first rel parameter counts; its value is a list of relation
      // types separated by whitespace.
      if (beast::iequals(name, "rel") && !seen_rel) {
        seen_rel = true;
        std::size_t p = 0;
        while (p < value.size()) {
          while (p < value.size() && (value[p] == ' ' || value[p] == '\t'))
            ++p;
          const std::size_t start = p;
          while (p < value.size() && value[p] != ' ' && value[p] != '\t')
            ++p;
          if (p > start &&
              beast::iequals(std::string_view(value).substr(start, p - start), "next")) {
            is_next = true;
          }
        }
      }
    }
    if (is_next) {
      auto begin = target.find_first_not_of(" \t");
      auto end = target.find_last_not_of(" \t");
      if (begin == std::string_view::npos) return std::nullopt;
      return std::string(target.substr(begin, end - begin + 1));
    }
  }
  return std::nullopt;
}

}  // namespace authcorrd::http
