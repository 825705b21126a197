// [[sinks.webhook]] and [[sinks.alertmanager]]: keys, defaults, names, filters, secrets, and the
// errors for each way they can be wrong (never echoing a secret).

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace authcorrd {
namespace {

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

ConfigLoad load(const std::string& text) {
  return parse_config(text, "test.toml", [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOOK_SECRET") return std::string(kSecret);
    return std::nullopt;
  });
}

std::string all_errors(const ConfigLoad& result) {
  std::string out;
  for (const ConfigError& error : result.errors)
    out += to_string(error) + "\n";
  return out;
}

bool has_error(const ConfigLoad& result, std::string_view text) {
  return all_errors(result).find(text) != std::string::npos;
}

TEST_CASE("sinks config: a webhook with every key, and defaults") {
  const ConfigLoad result = load(R"(
[[sinks.webhook]]
url = "https://hooks.example.com/authcorrd?token=abc"
secret_env = "HOOK_SECRET"
[[sinks.webhook]]
name = "soc"
url = "http://127.0.0.1:8080/in"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
min_severity = "high"
types = ["session_hijacking", "device_compromise"]
timeout = "2s"
retry_initial = "1s"
retry_max_interval = "30s"
max_age = "6h"
max_outbox = 500
)");
  REQUIRE_MESSAGE(result.config, all_errors(result));
  const auto& hooks = result.config->sinks.webhooks;
  REQUIRE(hooks.size() == 2);
  CHECK(hooks[0].name == "webhook");
  CHECK(hooks[0].secret.value == kSecret);
  CHECK(hooks[0].secret.origin == "environment HOOK_SECRET");
  CHECK(hooks[0].timeout == 15 * kSecondMs);
  CHECK(hooks[0].retry_initial == 5 * kSecondMs);
  CHECK(hooks[0].retry_max_interval == 10 * kMinuteMs);
  CHECK(hooks[0].max_age == kDayMs);
  CHECK(hooks[0].max_outbox == 100000);
  CHECK(hooks[0].filter.matches(AlertType::failed_login_burst, Severity::low));
  CHECK(hooks[1].name == "soc");
  CHECK(hooks[1].max_age == 6 * kHourMs);
  CHECK(hooks[1].max_outbox == 500);
  CHECK(hooks[1].filter.matches(AlertType::session_hijacking, Severity::critical));
  CHECK_FALSE(hooks[1].filter.matches(AlertType::session_hijacking, Severity::medium));
  CHECK_FALSE(hooks[1].filter.matches(AlertType::high_risk_login, Severity::high));

  const std::string rendered = render_effective_config(*result.config);
  CHECK(rendered.find("whsec_") == std::string::npos);
  CHECK(rendered.find("types = [\"session_hijacking\", \"device_compromise\"]") !=
        std::string::npos);
  // The rendered configuration reads back (secrets aside) to the same sinks.
  const ConfigLoad again = load(rendered + "\n");
  CHECK(has_error(again, "secret"));
}

TEST_CASE("sinks config: Alertmanager keys and defaults") {
  const ConfigLoad result = load(R"(
[[sinks.alertmanager]]
url = "http://127.0.0.1:9093/"
[[sinks.alertmanager]]
name = "am-b"
url = "https://am.example.com/prefix"
min_severity = "medium"
resend_interval = "30s"
generator_url = "https://grafana.example.com/d/authcorrd?alert={id}"
)");
  REQUIRE_MESSAGE(result.config, all_errors(result));
  const auto& managers = result.config->sinks.alertmanagers;
  REQUIRE(managers.size() == 2);
  CHECK(managers[0].name == "alertmanager");
  CHECK(managers[0].url == "http://127.0.0.1:9093");
  CHECK(managers[0].resend_interval == kMinuteMs);
  CHECK(managers[1].name == "am-b");
  CHECK(managers[1].resend_interval == 30 * kSecondMs);
  CHECK(managers[1].filter.min_severity == Severity::medium);
}

TEST_CASE("sinks config: every mistake is reported, no secret is echoed") {
  const ConfigLoad result = load(R"(
[[sinks.webhook]]
name = "Bad Name"
url = "http://receiver.example.com/hook"
secret = "whsec_c2hvcnQ="
types = ["nope"]
min_severity = "severe"
retry_initial = "1h"
retry_max_interval = "1m"
[[sinks.webhook]]
url = "ftp://x"
[[sinks.webhook]]
name = "webhook"
url = "https://a.example.com/"
secret = "not-a-whsec-secret"
[[sinks.webhook]]
name = "webhook"
url = "https://b.example.com/"
secret_env = "HOOK_SECRET"
max_outbox = 0
unknown_key = 1
[[sinks.alertmanager]]
resend_interval = "10ms"
)");
  CHECK_FALSE(result.config);
  const std::string errors = all_errors(result);
  CHECK(has_error(result, "sinks.webhook.name: invalid name \"Bad Name\""));
  CHECK(has_error(result, "http:// is only allowed for loopback hosts"));
  CHECK(has_error(result, "secret 1 decodes to 5 bytes"));
  CHECK(has_error(result, "unknown alert type \"nope\""));
  CHECK(has_error(result, "unknown value \"severe\""));
  CHECK(has_error(result, "retry_initial (1h) must not be greater than retry_max_interval (1m)"));
  CHECK(has_error(result, "must start with https://"));
  CHECK(has_error(result, "a signing secret is required in every [[sinks.webhook]]"));
  CHECK(has_error(result, "secret 1 does not start with \"whsec_\""));
  CHECK(has_error(result, "the name \"webhook\" is used by another [[sinks.webhook]]"));
  CHECK(has_error(result, "max_outbox"));
  CHECK(has_error(result, "unknown_key"));
  CHECK(has_error(result, "sinks.alertmanager.url: is required"));
  CHECK(has_error(result, "resend_interval"));
  CHECK(errors.find("c2hvcnQ") == std::string::npos);
  CHECK(errors.find("not-a-whsec-secret") == std::string::npos);
}

}  // namespace
}  // namespace authcorrd
