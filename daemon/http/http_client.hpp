// An HTTP/1.1 client for the daemon's outbound calls (Auth0 Management API, Relock, and later
// webhooks and Alertmanager): Boost.Beast over TCP or TLS, as C++20 coroutines on the daemon's
// io_context.
//
// https:// URLs verify the server certificate (system trust store, plus an optional CA file)
// and its host name, and send SNI. Every request has one deadline covering resolve, connect,
// TLS handshake, write and read; responses larger than max_response_bytes are an error.
// A connection to the same scheme/host/port is kept alive and reused; any error closes it.
//
// One HttpClient per caller (poller); it is not safe to run two send() calls of the same client
// at once. Must be used from the io_context's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "correlator/event.hpp"

namespace authcorrd::http {

struct Url {
  bool tls = false;    // https
  std::string host;    // without brackets for IPv6
  std::string port;    // "443" / "80" when not given
  std::string target;  // path and query, at least "/"
  // Accepts http:// and https:// absolute URLs only.
  static std::optional<Url> parse(std::string_view text);
  std::string origin() const;  // "https://host:port"
};

struct ClientRequest {
  std::string method = "GET";  // GET, POST, DELETE, PATCH, PUT
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Authorization", "..."}
  std::string body;  // sent with Content-Length when non-empty or method is POST/PUT/PATCH
};

struct ClientResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // First header with this (case-insensitive) name.
  std::optional<std::string_view> header(std::string_view name) const;
};

enum class ClientError {
  none,
  bad_url,
  resolve,
  connect,    // connect failed, or the connection broke before any response byte
  tls,        // handshake or certificate verification failed, or the CA file cannot be loaded
  timeout,    // the request's one deadline (resolve .. last body byte) passed
  protocol,   // malformed response, connection closed mid-response
  too_large,  // response body over max_response_bytes
  cancelled,  // cancel() was called
};
std::string_view to_string(ClientError error) noexcept;

struct ClientResult {
  ClientError error = ClientError::none;
  std::string message;  // for logs; never contains request headers or bodies
  ClientResponse response;
  bool ok() const noexcept { return error == ClientError::none; }
};

struct ClientOptions {
  TimeMs timeout = 30 * kSecondMs;
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  std::string ca_file;  // extra trusted CAs (PEM); empty = system default paths only
  std::string user_agent = "authcorrd/0.1";
};

class HttpClient {
 public:
  HttpClient(boost::asio::any_io_executor executor, ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  boost::asio::awaitable<ClientResult> send(ClientRequest request);

  // Aborts a send() in progress (it completes with ClientError::cancelled) and closes the
  // kept-alive connection. Safe to call when nothing is in flight.
  void cancel();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// RFC 8288 Link header: the URL of the first link with rel="next", if any.
std::optional<std::string> next_link(std::string_view link_header);

}  // namespace authcorrd::http
