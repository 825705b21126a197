// The daemon's HTTP/1.1 server (Boost.Beast, C++20 coroutines on the daemon's io_context):
// connection handling, limits and deadlines. What each path means is the Handler's business
// (daemon/routes.hpp); this file knows nothing about Auth0 or Relock.
//
// Per connection: the first request must arrive completely within read_timeout, a kept-alive
// connection may wait idle_timeout for the next one, and every response must be taken within
// write_timeout; a client that is slower loses its connection. Bodies over max_body_bytes get
// 413 without being read; "Expect: 100-continue" is answered only after the Handler accepted
// the headers. At most max_connections connections are served; more get 503.
//
// Threading: construct, start(), shutdown() and the accessors on the io_context's thread (the
// daemon runs one). The Handler and metrics belong to the daemon and outlive the server.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/metrics.hpp"

namespace authcorrd::http {

struct Request {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // as sent: path and query
  std::string path;                                          // target without the query
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  // Raw body bytes. Its capacity leaves simdjson's padding after size() (see padded_body()).
  std::string body;

  std::optional<std::string_view> header(std::string_view lower_case_name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A JSON error body: {"error": "<code>", "message": "<message>"}.
Response error_response(unsigned status, std::string_view code, std::string_view message);

class Handler {
 public:
  virtual ~Handler() = default;
  // Called once the headers are in, before the body is read. Sets `route` (a fixed label for
  // metrics, e.g. "/ingest/auth0" or "other"). A response returned here is sent at once and
  // the body is never read (the connection is closed after it).
  virtual std::optional<Response> preflight(const Request& head, std::string_view& route) = 0;
  // Called with the complete request. May throw; the client then gets a 500.
  virtual Response handle(Request& request, std::string_view route) = 0;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerConfig config, Handler& handler,
         DaemonMetrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; throws std::runtime_error naming the address when it cannot.
  void start();
  // The bound port (the kernel's choice when configured as 0).
  std::uint16_t port() const;
  // Stops accepting and closes idle connections; requests in flight are answered (with
  // "Connection: close") and their connections closed after.
  void shutdown();
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace authcorrd::http
