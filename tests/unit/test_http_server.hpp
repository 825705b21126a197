// A scripted HTTP(S) server for the client and poller tests: listens on 127.0.0.1 (port chosen
// by the kernel), records every request, and answers from a queue of canned responses or, when
// the queue is empty, from a handler function. A canned response can be delayed, never
// answered, cut short (truncated body) or followed by closing a connection it said it would
// keep alive.
//
// Threads: the server runs its own io_context on its own thread. Every public member may be
// called from the test thread at any time (state is behind a mutex); the handler runs on the
// server thread and must not call back into the server. The header includes no Beast, so the
// test files that use it stay quick to compile.
//
// TestPki makes a throwaway CA and server certificates with the openssl command-line tool, once
// per test run, in a temporary directory removed at exit.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authcorrd::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct RecordedRequest {
  std::string method;
  std::string target;
  Headers headers;  // names lower-cased
  std::string body;
  std::size_t connection = 0;  // 1-based number of the connection it arrived on
  std::chrono::steady_clock::time_point received;
  std::optional<std::string> header(std::string_view name) const;
  // Path without the query.
  std::string path() const;
  // Decoded-as-is value of a query parameter ("" for a bare key), nullopt when absent.
  std::optional<std::string> query(std::string_view key) const;
};

struct CannedResponse {
  enum class Mode {
    normal,                  // full response; the connection stays open unless asked to close
    close_after,             // full response that claims keep-alive, then the server closes
    truncate_body,           // Content-Length of the whole body, truncate_at bytes, then close
    close_without_response,  // read the request, then close
    never_answer,            // read the request, then stay silent until the server stops
  };
  unsigned status = 200;
  Headers headers;  // Content-Length is added unless given
  std::string body;
  std::chrono::milliseconds delay{0};  // before answering
  Mode mode = Mode::normal;
  std::size_t truncate_at = 0;

  static CannedResponse json(unsigned status, std::string body, Headers headers = {});
};

using RequestHandler = std::function<CannedResponse(const RecordedRequest&)>;

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

class TestHttpServer {
 public:
  explicit TestHttpServer(std::optional<TlsFiles> tls = std::nullopt);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  unsigned short port() const;
  // "http://127.0.0.1:<port>" (https with TLS) + path.
  std::string url(std::string_view path = "") const;

  void push(CannedResponse response);
  void set_handler(RequestHandler handler);

  std::vector<RecordedRequest> requests() const;
  std::size_t request_count() const;
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct TestPki {
  std::string ca_file;          // PEM of the throwaway CA
  TlsFiles localhost;           // for "localhost" and 127.0.0.1, signed by the CA
  TlsFiles other;               // for "wrong.example" only, signed by the CA
  static const TestPki& get();  // throws std::runtime_error when openssl fails
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
unsigned short unused_port();

}  // namespace authcorrd::testing
