// HttpClient against real sockets: a scripted server on 127.0.0.1 (plain and TLS with a
// throwaway CA), covering requests and headers, keep-alive reuse and its failure modes, the
// one request deadline, size limits, broken responses, cancel(), and URL / Link parsing.
//
// The client runs on an io_context driven by the test thread; the server has its own thread.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <thread>

#include "daemon/http/http_client.hpp"
#include "test_http_server.hpp"

using namespace authcorrd;
using namespace authcorrd::http;
using authcorrd::testing::CannedResponse;
using authcorrd::testing::TestHttpServer;
using authcorrd::testing::TestPki;
using Mode = CannedResponse::Mode;
using namespace std::chrono_literals;

namespace {

ClientResult send_now(boost::asio::io_context& io, HttpClient& client, ClientRequest request) {
  std::optional<ClientResult> out;
  boost::asio::co_spawn(io, client.send(std::move(request)),
                        [&](std::exception_ptr error, ClientResult result) {
                          REQUIRE_FALSE(error);
                          out = std::move(result);
                        });
  io.restart();
  io.run();
  REQUIRE(out.has_value());
  return std::move(*out);
}

ClientRequest get(std::string url) {
  ClientRequest request;
  request.url = std::move(url);
  return request;
}

ClientOptions options(TimeMs timeout, std::size_t max_bytes = 1 << 20, std::string ca_file = {}) {
  ClientOptions out;
  out.timeout = timeout;
  out.max_response_bytes = max_bytes;
  out.ca_file = std::move(ca_file);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("http client: GET sends host, user agent and headers; response names are lower-cased") {
  TestHttpServer server;
  server.push(CannedResponse::json(200, R"({"ok":true})", {{"X-Custom-Header", "Value"}}));
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), {});
  auto request = get(server.url("/api/v2/logs?from=1&take=2"));
  request.headers = {{"Authorization", "Bearer abc"}};
  const auto result = send_now(io, client, request);
  REQUIRE(result.ok());
  CHECK(result.response.status == 200);
  CHECK(result.response.body == R"({"ok":true})");
  CHECK(result.response.header("X-CUSTOM-HEADER") == "Value");
  bool lower = false;
  for (const auto& [name, value] : result.response.headers)
    lower |= name == "x-custom-header";
  CHECK(lower);

  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].target == "/api/v2/logs?from=1&take=2");
  CHECK(seen[0].header("host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].header("user-agent") == "authcorrd/0.1");
  CHECK(seen[0].header("authorization") == "Bearer abc");
  CHECK(seen[0].body.empty());
}

TEST_CASE("http client: POST sends the body with its length") {
  TestHttpServer server;
  server.push(CannedResponse::json(201, "{}"));
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), {});
  ClientRequest request;
  request.method = "POST";
  request.url = server.url("/oauth/token");
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"grant_type":"client_credentials"})";
  const auto result = send_now(io, client, request);
  REQUIRE(result.ok());
  CHECK(result.response.status == 201);
  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == request.body);
  CHECK(seen[0].header("content-length") == std::to_string(request.body.size()));
  CHECK(seen[0].header("content-type") == "application/json");
}

TEST_CASE("http client: keep-alive reuses one connection for the same origin") {
  TestHttpServer server;
  server.set_handler([](const auto&) { return CannedResponse::json(200, "[]"); });
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), {});
  for (int i = 0; i < 3; ++i)
    REQUIRE(send_now(io, client, get(server.url("/a"))).ok());
  CHECK(server.request_count() == 3);
  CHECK(server.connection_count() == 1);

  // Another origin closes the kept connection and opens its own.
  TestHttpServer other;
  other.set_handler([](const auto&) { return CannedResponse::json(200, "[]"); });
  REQUIRE(send_now(io, client, get(other.url("/b"))).ok());
  REQUIRE(send_now(io, client, get(server.url("/c"))).ok());
  CHECK(server.connection_count() == 2);
}

TEST_CASE("http client: a kept-alive connection the server closed is replaced transparently") {
  TestHttpServer server;
  auto first = CannedResponse::json(200, "one");
  first.mode = Mode::close_after;  // says keep-alive, then closes: the idle-timeout race
  server.push(first);
  server.push(CannedResponse::json(200, "two"));
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), {});
  CHECK(send_now(io, client, get(server.url("/1"))).response.body == "one");
  std::this_thread::sleep_for(50ms);  // let the FIN arrive before the reuse
  const auto second = send_now(io, client, get(server.url("/2")));
  REQUIRE(second.ok());
  CHECK(second.response.body == "two");
  CHECK(server.connection_count() == 2);
}

TEST_CASE("http client: a fresh connection closed before any response byte is an error") {
  TestHttpServer server;
  CannedResponse hang_up;
  hang_up.mode = Mode::close_without_response;
  server.push(hang_up);
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), {});
  const auto result = send_now(io, client, get(server.url("/")));
  CHECK(result.error == ClientError::connect);
  CHECK(server.request_count() == 1);  // not retried: the connection was not a reused one
}

TEST_CASE("http client: a server that never answers times out within the deadline") {
  TestHttpServer server;
  CannedResponse silent;
  silent.mode = Mode::never_answer;
  server.push(silent);
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), options(300));
  const auto start = std::chrono::steady_clock::now();
  const auto result = send_now(io, client, get(server.url("/")));
  const double elapsed = seconds_since(start);
  CHECK(result.error == ClientError::timeout);
  CHECK(elapsed >= 0.25);
  CHECK(elapsed < 2.0);
}

TEST_CASE("http client: the deadline covers a slow body too") {
  TestHttpServer server;
  auto slow = CannedResponse::json(200, "[]");
  slow.delay = 1500ms;
  server.push(slow);
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), options(300));
  CHECK(send_now(io, client, get(server.url("/"))).error == ClientError::timeout);
}

TEST_CASE("http client: a body over max_response_bytes is too_large") {
  TestHttpServer server;
  server.push(CannedResponse::json(200, std::string(5000, 'x')));
  server.push(CannedResponse::json(200, std::string(1000, 'x')));
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), options(30'000, 1000));
  CHECK(send_now(io, client, get(server.url("/big"))).error == ClientError::too_large);
  const auto fits = send_now(io, client, get(server.url("/fits")));
  REQUIRE(fits.ok());
  CHECK(fits.response.body.size() == 1000);
}

TEST_CASE("http client: a body cut short is a protocol error") {
  TestHttpServer server;
  auto cut = CannedResponse::json(200, R"([{"log_id":"1"},{"log_id":"2"}])");
  cut.mode = Mode::truncate_body;
  cut.truncate_at = 10;
  server.push(cut);
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), {});
  const auto result = send_now(io, client, get(server.url("/")));
  CHECK(result.error == ClientError::protocol);
  CHECK_FALSE(result.message.empty());
}

TEST_CASE("http client: connection refused, bad URLs, bad methods and headers") {
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), {});
  const auto port = authcorrd::testing::unused_port();
  CHECK(send_now(io, client, get("http://127.0.0.1:" + std::to_string(port) + "/")).error ==
        ClientError::connect);
  for (const char* url : {"ftp://example.com/", "not a url", "http://", "http://user@host/",
                          "http://host:99999/", "http://ho st/"}) {
    CAPTURE(url);
    CHECK(send_now(io, client, get(url)).error == ClientError::bad_url);
  }
  auto bad_method = get("http://127.0.0.1:1/");
  bad_method.method = "FETCH";
  CHECK(send_now(io, client, bad_method).error == ClientError::bad_url);
  auto smuggle = get("http://127.0.0.1:1/");
  smuggle.headers = {{"X-A", "b\r\nX-Injected: 1"}};
  CHECK(send_now(io, client, smuggle).error == ClientError::bad_url);
}

TEST_CASE("http client: cancel() aborts a request in flight") {
  TestHttpServer server;
  CannedResponse silent;
  silent.mode = Mode::never_answer;
  server.push(silent);
  server.push(CannedResponse::json(200, "after"));
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), options(10'000));
  boost::asio::steady_timer timer(io, 100ms);
  timer.async_wait([&](auto) { client.cancel(); });
  const auto start = std::chrono::steady_clock::now();
  const auto result = send_now(io, client, get(server.url("/")));
  CHECK(result.error == ClientError::cancelled);
  CHECK(seconds_since(start) < 2.0);
  client.cancel();  // nothing in flight: harmless
  const auto next = send_now(io, client, get(server.url("/")));
  REQUIRE(next.ok());
  CHECK(next.response.body == "after");
}

TEST_CASE("http client: HTTPS verifies the certificate chain and the host name") {
  const auto& pki = TestPki::get();
  TestHttpServer server(pki.localhost);
  server.set_handler([](const auto&) { return CannedResponse::json(200, "secure"); });
  boost::asio::io_context io;

  SUBCASE("trusted through ca_file, by IP and by name, kept alive") {
    HttpClient client(io.get_executor(), options(30'000, 1 << 20, pki.ca_file));
    const auto by_ip = send_now(io, client, get(server.url("/")));
    REQUIRE(by_ip.ok());
    CHECK(by_ip.response.body == "secure");
    REQUIRE(send_now(io, client, get(server.url("/again"))).ok());
    CHECK(server.connection_count() == 1);
    const auto by_name =
        send_now(io, client, get("https://localhost:" + std::to_string(server.port()) + "/"));
    REQUIRE(by_name.ok());
    CHECK(server.requests().back().header("host") == "localhost:" + std::to_string(server.port()));
  }
  SUBCASE("untrusted without ca_file") {
    HttpClient client(io.get_executor(), {});
    const auto result = send_now(io, client, get(server.url("/")));
    CHECK(result.error == ClientError::tls);
    CHECK(server.request_count() == 0);
  }
  SUBCASE("a missing CA file is a TLS error, not a crash") {
    HttpClient client(io.get_executor(), options(30'000, 1 << 20, "/nonexistent/ca.pem"));
    CHECK(send_now(io, client, get(server.url("/"))).error == ClientError::tls);
  }
}

TEST_CASE("http client: HTTPS rejects a certificate for another host name") {
  const auto& pki = TestPki::get();
  TestHttpServer server(pki.other);  // valid chain, but for wrong.example
  server.set_handler([](const auto&) { return CannedResponse::json(200, "secure"); });
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), options(30'000, 1 << 20, pki.ca_file));
  CHECK(send_now(io, client, get(server.url("/"))).error == ClientError::tls);
  CHECK(
      send_now(io, client, get("https://localhost:" + std::to_string(server.port()) + "/")).error ==
      ClientError::tls);
  CHECK(server.request_count() == 0);
}

TEST_CASE("http client: Url::parse and origin()") {
  const auto a = Url::parse("https://Tenant.EU.auth0.com/api/v2/logs?from=1#frag");
  REQUIRE(a);
  CHECK(a->tls);
  CHECK(a->host == "tenant.eu.auth0.com");
  CHECK(a->port == "443");
  CHECK(a->target == "/api/v2/logs?from=1");
  CHECK(a->origin() == "https://tenant.eu.auth0.com:443");
  CHECK(Url::parse("https://tenant.eu.auth0.com:443/x")->origin() == a->origin());
  CHECK(Url::parse("http://tenant.eu.auth0.com/x")->origin() != a->origin());

  const auto b = Url::parse("http://127.0.0.1:8080");
  REQUIRE(b);
  CHECK(b->port == "8080");
  CHECK(b->target == "/");
  const auto c = Url::parse("http://[::1]:9/p?q");
  REQUIRE(c);
  CHECK(c->host == "::1");
  CHECK(c->origin() == "http://[::1]:9");
  CHECK(Url::parse("http://h?x=1")->target == "/?x=1");
  CHECK_FALSE(Url::parse("http://[::1/"));
  CHECK_FALSE(Url::parse("http://h:0/"));
  CHECK_FALSE(Url::parse("http://:80/"));
  CHECK_FALSE(Url::parse("/relative/path"));
}

TEST_CASE("http client: next_link follows RFC 8288") {
  CHECK(next_link(R"(<https://t/api/v2/logs?from=2&take=100>; rel="next")") ==
        "https://t/api/v2/logs?from=2&take=100");
  CHECK(next_link(R"(<https://t/a>; rel=next)") == "https://t/a");
  CHECK(next_link(R"(<https://t/first>; rel="first", <https://t/n>; rel="next")") == "https://t/n");
  CHECK(next_link(R"(<https://t/x>; rel="next last")") == "https://t/x");
  CHECK(next_link(R"(<https://t/x>; rel="last  NEXT")") == "https://t/x");
  CHECK(next_link("  <https://t/x>  ;  rel = \"next\"  ,  <https://t/y>; rel=last") ==
        "https://t/x");
  CHECK(next_link(R"(<https://t/a,b;c>; title="a, b; rel=next"; rel="prev", <https://t/n>; )"
                  R"(rel="next")") == "https://t/n");
  CHECK(next_link(R"(<https://t/x>; rel="prev"; rel="next")") == std::nullopt);  // first rel only
  CHECK(next_link(R"(<https://t/x>; title="q\"uoted"; rel="next")") == "https://t/x");
  CHECK(next_link(R"(<https://t/x>; rel="nextpage")") == std::nullopt);
  CHECK(next_link(R"(<https://t/x>; rel="prev")") == std::nullopt);
  CHECK(next_link("") == std::nullopt);
  CHECK(next_link("garbage") == std::nullopt);
  CHECK(next_link(R"(<https://t/x; rel="next")") == std::nullopt);
  CHECK(next_link(R"(<https://t/x>; rel="next)") == std::nullopt);
}
