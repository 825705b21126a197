// gen_events_auth0: the Auth0 Log Streams lines, one JSON envelope per log event:
// {"log_id": "...", "data": {...}} with the event types s (success, with or without MFA / SSO),
// fp, fu, f, limit_wc, seacft, ssa, slo, gd_auth_succeed and sapi, plus the envelope head/tail
// they share.
#include <array>
#include <string>
#include <string_view>

#include "gen_events_data.hpp"
#include "gen_events_format.hpp"
#include "gen_events_model.hpp"

namespace gen_events {
namespace {

struct auth0_fields {
  std::string_view type;
  std::string_view description;
  const connection_info* conn = nullptr;  // nullptr: connection "" / connection_id ""
  bool conn_id_only = false;              // emit only connection_id (""), as some types do
  const client_info* client = nullptr;
  std::string_view client_id;  // when client is nullptr
  std::string_view client_name;
  std::string_view ip;
  std::string_view ua;
  std::string_view hostname;
  std::string_view user_id;
  std::string_view user_name;
  bool strategy = true;
};

// Writes the envelope and data members up to and including "user_agent"; the caller then
// writes "details" and calls tail().
void head(json_writer& w, const std::string& id, i64 time, const auth0_fields& f) {
  w.begin_object();
  w.str("log_id", id);
  w.begin_object("data");
  w.time("date", time);
  w.str("type", f.type);
  w.str("description", f.description);
  if (f.conn != nullptr) {
    w.str("connection", f.conn->name);
    w.str("connection_id", f.conn->id);
  } else if (f.conn_id_only) {
    w.str("connection_id", "");
  } else {
    w.str("connection", "");
    w.str("connection_id", "");
  }
  if (f.client != nullptr) {
    w.str("client_id", f.client->id);
    w.str("client_name", f.client->name);
  } else {
    w.str("client_id", f.client_id);
    w.str("client_name", f.client_name);
  }
  w.str("ip", f.ip);
  w.str("user_agent", f.ua);
}

// Writes "hostname" .. "$event_schema" and closes the envelope.
void tail(json_writer& w, const std::string& id, const auth0_fields& f,
          std::string_view audience = {}, bool scope_array = false, std::string_view scope = {}) {
  w.str("hostname", f.hostname);
  w.str("user_id", f.user_id);
  w.str("user_name", f.user_name);
  if (!audience.empty()) w.str("audience", audience);
  if (!scope.empty()) {
    if (scope_array) {
      w.begin_array("scope");
      std::size_t start = 0;
      while (start < scope.size()) {
        std::size_t end = scope.find(' ', start);
        if (end == std::string_view::npos) end = scope.size();
        w.element(scope.substr(start, end - start));
        start = end + 1;
      }
      w.end_array();
    } else {
      w.str("scope", scope);
    }
  }
  if (f.strategy && f.conn != nullptr) {
    w.str("strategy", f.conn->strategy);
    w.str("strategy_type", f.conn->strategy_type);
  }
  w.str("log_id", id);
  w.str("tenant_name", k_tenant);
  w.begin_object("$event_schema");
  w.str("version", "1.0.0");
  w.end_object();
  w.end_object();  // data
  w.end_object();  // envelope
}

auth0_fields user_fields(const user& u, std::string_view type, const origin& o) {
  auth0_fields f;
  f.type = type;
  f.conn = u.social ? &k_google : &k_database;
  f.client = &k_clients[u.client];
  f.ip = o.ip;
  f.ua = o.ua;
  f.hostname = k_clients[u.client].hostname;
  f.user_id = u.id;
  f.user_name = u.email;
  return f;
}

// A failed login whose details are only {"error": {"message": <description>}}.
std::string login_error_line(const std::string& id, i64 time, const auth0_fields& f) {
  std::string line;
  line.reserve(1000);
  json_writer w(line);
  head(w, id, time, f);
  w.begin_object("details");
  w.begin_object("error");
  w.str("message", f.description);
  w.end_object();
  w.end_object();
  tail(w, id, f);
  return line;
}

}  // namespace

std::string generator::auth0_success(user& u, const origin& o, i64 time, bool mfa, bool sso) {
  const std::string id = log_id(time);
  auth0_fields f = user_fields(u, "s", o);
  std::string line;
  line.reserve(1500);
  json_writer w(line);
  head(w, id, time, f);
  if (sso) {
    const i64 elapsed = m_rng.range(80, 1500);
    w.begin_object("details");
    w.begin_array("prompts");
    w.end_array();
    w.num("initiatedAt", time - elapsed);
    w.num("completedAt", time - 1);
    w.num("elapsedTime", elapsed - 1);
    w.str("session_id", u.session);
    w.begin_object("stats");
    w.num("loginsCount", u.logins);
    w.end_object();
    w.end_object();
    tail(w, id, f);
    return line;
  }
  const i64 elapsed = m_rng.range(1500, 45000);
  const i64 initiated = time - elapsed;
  const i64 auth_done = initiated + elapsed * 7 / 10;
  w.begin_object("details");
  w.begin_array("prompts");
  w.begin_object();
  w.str("name", u.social ? "federated-authenticate" : "prompt-authenticate");
  if (u.social) w.num("initiatedAt", initiated + 40);
  w.num("completedAt", auth_done);
  w.str("connection", f.conn->name);
  w.str("connection_id", f.conn->id);
  w.str("strategy", f.conn->strategy);
  w.str("identity", u.identity);
  w.begin_object("stats");
  w.num("loginsCount", u.logins);
  w.end_object();
  if (u.social) {
    w.num("elapsedTime", auth_done - initiated - 40);
  } else {
    w.null("elapsedTime");
  }
  w.end_object();
  w.begin_object();
  w.str("name", "login");
  w.str("flow", "universal-login");
  w.num("initiatedAt", initiated + 9);
  w.num("completedAt", auth_done + 31);
  w.begin_object("timers");
  w.num("rules", m_rng.range(2, 12));
  w.end_object();
  w.str("user_id", u.id);
  w.str("user_name", u.email);
  w.num("elapsedTime", auth_done + 22 - initiated);
  w.end_object();
  if (mfa) {
    w.begin_object();
    w.str("name", "mfa");
    w.num("initiatedAt", auth_done + 60);
    w.num("completedAt", time - 180);
    w.begin_array("performed_amr");
    w.element("mfa");
    w.end_array();
    w.num("elapsedTime", time - 240 - auth_done);
    w.end_object();
  }
  w.end_array();
  w.num("initiatedAt", initiated);
  w.num("completedAt", time - 1);
  w.num("elapsedTime", elapsed - 1);
  w.str("session_id", u.session);
  w.begin_object("stats");
  w.num("loginsCount", u.logins);
  w.end_object();
  w.end_object();
  if (m_rng.chance(0.15)) {
    tail(w, id, f, k_api_audience, true, "openid profile email offline_access");
  } else {
    tail(w, id, f);
  }
  return line;
}

std::string generator::auth0_wrong_password(const user& u, const origin& o, i64 time) {
  const std::string id = log_id(time);
  auth0_fields f = user_fields(u, "fp", o);
  f.description = "Wrong email or password.";
  return login_error_line(id, time, f);
}

std::string generator::auth0_unknown_user(const user& u, const origin& o, i64 time) {
  const std::string id = log_id(time);
  std::string name(k_first_names[m_rng.index(k_first_names.size())]);
  name += '.';
  name += k_last_names[m_rng.index(k_last_names.size())];
  append_uint(name, m_rng.below(100));
  name += '@';
  static constexpr std::array<std::string_view, 4> typo_domains = {
      {"gmial.com", "outlok.com", "gmail.com", "yahoo.com"}};
  name += typo_domains[m_rng.index(typo_domains.size())];
  auth0_fields f = user_fields(u, "fu", o);
  f.conn = &k_database;
  f.description = "Wrong email or password.";
  f.user_id = "";
  f.user_name = name;
  return login_error_line(id, time, f);
}

std::string generator::auth0_failure_other(const user& u, const origin& o, i64 time) {
  const std::string id = log_id(time);
  auth0_fields f = user_fields(u, "f", o);
  const double r = m_rng.unit();
  if (r < 0.55) {
    f.description = "user is blocked";
    return login_error_line(id, time, f);
  }
  std::string line;
  line.reserve(2000);
  json_writer w(line);
  const client_info& c = *f.client;
  if (r < 0.80) {
    f.description = "the connection is not enabled";
    f.conn = &k_google;
    head(w, id, time, f);
    w.begin_object("details");
    w.begin_object("body");
    w.end_object();
    w.begin_object("qs");
    w.str("client_id", c.id);
    w.str("response_type", "code");
    w.str("connection", "google-oauth2");
    w.str("scope", "openid profile email");
    w.str("redirect_uri", c.app_url);
    w.end_object();
    w.str("connection", "google-oauth2");
    w.begin_object("error");
    w.str("message", "the connection is not enabled");
    w.str("oauthError", "invalid_request");
    w.str("type", "request-error");
    w.end_object();
    w.str("session_id", random_string(m_rng, k_base64url, 32));
    w.null("riskAssessment");
    w.end_object();
    f.strategy = false;
    tail(w, id, f, "https://acme-prod.us.auth0.com/userinfo", true, "openid profile email");
  } else {
    const std::string callback = "http://localhost:3000/callback";
    const std::string message =
        "Callback URL mismatch. " + callback + " is not in the list of allowed callback URLs";
    f.description = message;
    f.conn = nullptr;
    f.conn_id_only = true;
    f.user_id = "";
    f.user_name = "";
    head(w, id, time, f);
    w.begin_object("details");
    w.begin_object("body");
    w.end_object();
    w.begin_object("qs");
    w.str("client_id", c.id);
    w.str("redirect_uri", callback);
    w.str("response_type", "code");
    w.str("scope", "openid profile");
    w.str("state", random_string(m_rng, k_base64url, 43));
    w.end_object();
    w.begin_object("error");
    w.str("message", message);
    w.str("oauthError", message + ". Please go to 'https://manage.auth0.com/#/applications/" +
                            std::string(c.id) +
                            "/settings' and make sure you are sending the same callback url "
                            "from your application.");
    w.str("type", "callback-url-mismatch");
    w.end_object();
    w.end_object();
    tail(w, id, f);
  }
  return line;
}

std::string generator::auth0_brute_force_block(const user& u, const origin& o, i64 time,
                                               i64 attempts) {
  const std::string id = log_id(time);
  auth0_fields f = user_fields(u, "limit_wc", o);
  std::string description = "User (" + u.email + ") attempted ";
  append_int(description, attempts);
  description +=
      " consecutive logins unsuccessfully. Brute force protection is enabled for this "
      "connection, further attempts are blocked from this IP address for this user.";
  f.description = description;
  f.user_id = "";  // as in observed limit_wc samples: only user_name identifies the account
  f.strategy = false;
  std::string line;
  line.reserve(1000);
  json_writer w(line);
  head(w, id, time, f);
  w.begin_object("details");
  w.begin_object("error");
  w.str("message", "Too many failed login attempts. The account is blocked for this IP.");
  w.str("oauthError", "too_many_attempts");
  w.end_object();
  w.num("count", attempts);
  w.end_object();
  tail(w, id, f);
  return line;
}

std::string generator::auth0_code_exchange(const user& u, i64 time) {
  const std::string id = log_id(time);
  origin o;
  o.ip = k_backend_ips[m_rng.index(k_backend_ips.size())];
  o.ua = k_backend_agents[m_rng.index(k_backend_agents.size())];
  auth0_fields f = user_fields(u, "seacft", o);
  f.description = "Authorization Code for Access Token";
  f.conn = nullptr;
  f.conn_id_only = true;
  f.hostname = k_tenant_host;
  std::string line;
  line.reserve(1000);
  json_writer w(line);
  head(w, id, time, f);
  w.begin_object("details");
  std::string code(42, '*');
  append_random(code, m_rng, k_base64url, 3);
  w.str("code", code);
  w.end_object();
  if (m_rng.chance(0.5)) {
    tail(w, id, f, k_api_audience, false, "openid profile email offline_access");
  } else {
    tail(w, id, f);
  }
  return line;
}

std::string generator::auth0_silent_auth(user& u, const origin& o, i64 time) {
  const std::string id = log_id(time);
  auth0_fields f = user_fields(u, "ssa", o);
  std::string line;
  line.reserve(1000);
  json_writer w(line);
  head(w, id, time, f);
  w.begin_object("details");
  w.begin_array("prompts");
  w.end_array();
  const i64 elapsed = m_rng.range(40, 900);
  w.num("initiatedAt", time - elapsed);
  w.num("completedAt", time - 1);
  w.num("elapsedTime", elapsed - 1);
  w.str("session_id", u.session);
  w.end_object();
  f.strategy = false;
  if (m_rng.chance(0.5)) {
    tail(w, id, f, k_api_audience, false, "openid profile email");
  } else {
    tail(w, id, f);
  }
  return line;
}

std::string generator::auth0_logout(const user& u, const origin& o, i64 time) {
  const std::string id = log_id(time);
  auth0_fields f = user_fields(u, "slo", o);
  f.description = "User successfully logged out.";
  f.strategy = false;
  const client_info& c = *f.client;
  std::string line;
  line.reserve(1000);
  json_writer w(line);
  head(w, id, time, f);
  w.begin_object("details");
  w.str("return_to", c.app_url);
  w.begin_array("allowed_logout_url");
  w.element(c.app_url);
  w.element("https://www.acme-corp.example/");
  w.end_array();
  w.str("session_id", u.session);
  w.end_object();
  tail(w, id, f);
  return line;
}

std::string generator::auth0_mfa_success(const user& u, const origin& o, i64 time) {
  const std::string id = log_id(time);
  auth0_fields f = user_fields(u, "gd_auth_succeed", o);
  f.description = "Second factor authentication succeeded";
  f.conn = nullptr;
  f.conn_id_only = true;
  f.strategy = false;
  std::string line;
  line.reserve(1000);
  json_writer w(line);
  head(w, id, time, f);
  w.begin_object("details");
  const i64 elapsed = m_rng.range(3000, 40000);
  w.num("initiatedAt", time - elapsed);
  w.num("completedAt", time);
  w.num("elapsedTime", elapsed);
  static constexpr std::array<std::string_view, 3> kinds = {
      {"otp", "push-notification", "webauthn-platform"}};
  w.begin_object("authenticator");
  w.str("type", kinds[m_rng.index(kinds.size())]);
  w.end_object();
  w.begin_object("request");
  w.str("method", "POST");
  w.str("path", "/u/mfa-otp-challenge");
  w.str("ip", o.ip);
  w.end_object();
  w.str("session_id", u.session);
  w.end_object();
  tail(w, id, f);
  return line;
}

std::string generator::auth0_management(i64 time) {
  const std::string id = log_id(time);
  const admin& a = k_admins[m_rng.index(k_admins.size())];
  const user& target = pick_user();
  std::string path = "/api/v2/users/" + target.id;
  std::string_view description;
  std::string_view method;
  i64 status = 200;
  const double r = m_rng.unit();
  int variant = 0;
  if (r < 0.5) {
    description = "Update a user";
    method = "patch";
    variant = 0;
  } else if (r < 0.8) {
    description = "Delete all sessions for a user";
    method = "delete";
    path += "/sessions";
    status = 202;
    variant = 1;
  } else {
    description = "Invalidate all remembered browsers for MFA";
    method = "post";
    path += "/multifactor/actions/invalidate-remember-browser";
    status = 204;
    variant = 2;
  }
  const bool blocked = m_rng.chance(0.5);
  auth0_fields f;
  f.type = "sapi";
  f.description = description;
  f.conn = nullptr;
  f.conn_id_only = true;
  f.client_id = k_mgmt_client_id;
  f.client_name = "";
  f.ip = a.ip;
  f.ua = k_agents[a.agent].ua;
  f.hostname = k_tenant_host;
  f.user_id = a.id;
  f.user_name = a.email;
  f.strategy = false;
  std::string line;
  line.reserve(1500);
  json_writer w(line);
  head(w, id, time, f);
  w.begin_object("details");
  w.begin_object("request");
  w.str("method", method);
  w.str("path", path);
  w.begin_object("query");
  w.end_object();
  w.str("userAgent", f.ua);
  w.begin_object("body");
  if (variant == 0) w.boolean("blocked", blocked);
  w.end_object();
  w.str("channel", "https://manage.auth0.com/");
  w.str("ip", a.ip);
  w.begin_object("auth");
  w.begin_object("user");
  w.str("user_id", a.id);
  w.str("name", a.name);
  w.str("email", a.email);
  w.end_object();
  w.str("strategy", "jwt");
  w.begin_object("credentials");
  w.str("jti", random_string(m_rng, k_hex, 32));
  w.end_object();
  w.end_object();
  w.end_object();
  w.begin_object("response");
  w.num("statusCode", status);
  w.begin_object("body");
  if (variant == 0) {
    w.str("user_id", target.id);
    w.str("email", target.email);
    w.boolean("blocked", blocked);
    w.time("updated_at", time);
  }
  w.end_object();
  w.end_object();
  w.end_object();
  tail(w, id, f);
  return line;
}

}  // namespace gen_events
