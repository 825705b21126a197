// The input sections of the configuration: [auth0] (Management API pull), [auth0.log_stream]
// (Log Streams push) and [relock] (webhook push and events pull).

#include <fmt/format.h>

#include "daemon/config/config_detail.hpp"

namespace authcorrd::config_detail {
namespace {

constexpr TimeMs kMinPollInterval = 100;
constexpr TimeMs kMaxPollInterval = kDayMs;
constexpr TimeMs kMaxRequestTimeout = kHourMs;

void read_start(Section& section, StartPosition& out) {
  std::optional<std::string> text = section.get_string("start");
  if (!text) return;
  if (*text == "now") {
    out = StartPosition{StartPosition::Kind::now, 0};
    return;
  }
  if (*text == "beginning") {
    out = StartPosition{StartPosition::Kind::beginning, 0};
    return;
  }
  if (!text->empty() && text->front() == '-') {
    const std::optional<TimeMs> back = parse_duration(std::string_view(*text).substr(1));
    if (back && *back <= kMaxDuration) {
      out = StartPosition{StartPosition::Kind::look_back, *back};
      return;
    }
  }
  section.error("start", fmt::format("invalid start \"{}\": expected \"now\", \"beginning\" or a "
                                     "look-back like \"-24h\" (at most -{})",
                                     printable(*text), format_duration(kMaxDuration)));
}

// Keys that only make sense when pulling; any of them without domain/base_url is a mistake
// (the operator believes pulling is configured when it is not).
bool has_pull_keys(const Section& auth0) {
  for (std::string_view key : {"client_id", "audience", "poll_interval", "start", "page_size",
                               "request_timeout", "ca_file"}) {
    if (auth0.has(key)) return true;
  }
  return has_secret(auth0, "client_secret");
}

}  // namespace

void read_ca_file(Section& section, std::string& out) {
  std::optional<std::string> path = section.get_string("ca_file");
  if (!path || path->empty()) return;
  std::string problem = check_readable_file(*path);
  if (!problem.empty()) {
    section.error("ca_file", fmt::format("CA bundle: {}", problem));
    return;
  }
  out = std::move(*path);
}

void read_auth0(Section& root, Config& out, const EnvLookup& env) {
  Section auth0 = root.get_table("auth0");

  Section stream = auth0.get_table("log_stream");
  if (stream.exists()) {
    const SecretRead token = read_secret(stream, "token", env);
    if (token.state == SecretRead::State::absent) {
      stream.errors().add(stream.where(), stream.key_path("token"),
                          "a Log Streams token is required in [auth0.log_stream]: token, "
                          "token_file, token_env or token_credential");
    }
    stream.finish();
    if (token.state == SecretRead::State::ok) out.log_stream = LogStreamConfig{token.secret};
  }

  const bool has_domain = auth0.has("domain");
  const bool has_base_url = auth0.has("base_url");
  const bool pulling = has_domain || has_base_url;
  const bool pull_keys = has_pull_keys(auth0);

  Auth0PullConfig pull;
  const std::optional<std::string> domain = auth0.get_string("domain");
  const std::optional<std::string> base_url = auth0.get_string("base_url");
  if (has_domain && has_base_url) {
    auth0.error("base_url", "give either auth0.domain or auth0.base_url, not both");
  } else if (domain) {
    if (is_host_name(*domain)) {
      pull.base_url = fmt::format("https://{}", *domain);
    } else {
      auth0.error("domain",
                  "must be a bare host name like \"tenant.eu.auth0.com\", without scheme, port "
                  "or path (use auth0.base_url for a full URL)");
    }
  } else if (base_url) {
    std::string problem = check_url(*base_url, false, "client secret");
    if (problem.empty()) {
      pull.base_url = *base_url;
      // The poller appends "/oauth/token" and "/api/v2/logs".
      while (!pull.base_url.empty() && pull.base_url.back() == '/')
        pull.base_url.pop_back();
    } else {
      auth0.error("base_url", std::move(problem));
    }
  }

  const bool has_client_id = auth0.has("client_id");
  if (std::optional<std::string> client_id = auth0.get_string("client_id")) {
    if (client_id->empty()) {
      auth0.error("client_id", "must not be empty");
    } else {
      pull.client_id = std::move(*client_id);
    }
  }
  const SecretRead secret = read_secret(auth0, "client_secret", env);
  if (secret.state == SecretRead::State::ok) pull.client_secret = secret.secret;

  auth0.read("audience", pull.audience);
  auth0.read_duration("poll_interval", pull.poll_interval, kMinPollInterval, kMaxPollInterval);
  read_start(auth0, pull.start);
  auth0.read("page_size", pull.page_size, 1, 100);
  auth0.read_duration("request_timeout", pull.request_timeout, 1, kMaxRequestTimeout);
  read_ca_file(auth0, pull.ca_file);

  if (pulling) {
    if (!has_client_id) {
      auth0.errors().add(auth0.where(), auth0.key_path("client_id"), "is required for pulling");
    }
    if (secret.state == SecretRead::State::absent) {
      auth0.errors().add(auth0.where(), auth0.key_path("client_secret"),
                         "a client secret is required for pulling: client_secret, "
                         "client_secret_file, client_secret_env or client_secret_credential");
    }
    if (pull.audience.empty() && !pull.base_url.empty()) {
      pull.audience = fmt::format("{}/api/v2/", pull.base_url);
    }
  } else if (pull_keys) {
    auth0.error_here("auth0.domain or auth0.base_url is required for pulling");
  }
  auth0.finish();
  if (pulling) out.auth0_pull = std::move(pull);
}

void read_relock(Section& root, RelockConfig& out, const EnvLookup& env) {
  Section relock = root.get_table("relock");

  const SecretRead webhook = read_secret(relock, "webhook_secret", env);
  if (webhook.state == SecretRead::State::ok) out.webhook_secret = webhook.secret;

  // A present events_url of the wrong type counts as "polling" so that its type error is not
  // followed by a misleading "events_url is required".
  bool polling = relock.has("events_url");
  if (std::optional<std::string> url = relock.get_string("events_url")) {
    polling = !url->empty();
    std::string problem = polling ? check_url(*url, true, "API key") : std::string();
    if (problem.empty()) {
      out.events_url = std::move(*url);
    } else {
      relock.error("events_url", std::move(problem));
    }
  }
  const SecretRead api_key = read_secret(relock, "api_key", env);
  if (api_key.state == SecretRead::State::ok) out.api_key = api_key.secret;
  if (polling && api_key.state == SecretRead::State::absent) {
    relock.errors().add(relock.where(), relock.key_path("api_key"),
                        "an API key is required when relock.events_url is set: api_key, "
                        "api_key_file, api_key_env or api_key_credential");
  }
  if (!polling && api_key.state != SecretRead::State::absent) {
    relock.errors().add(relock.where(), relock.key_path("events_url"),
                        "is required when an API key is configured (the key is only used to pull "
                        "Relock events)");
  }
  relock.read_duration("poll_interval", out.poll_interval, kMinPollInterval, kMaxPollInterval);
  relock.read_duration("request_timeout", out.request_timeout, 1, kMaxRequestTimeout);
  read_ca_file(relock, out.ca_file);
  relock.finish();
}

}  // namespace authcorrd::config_detail
