#include <doctest/doctest.h>

#include "correlator/event_codes.hpp"

using namespace authcorrd;

TEST_CASE("failed logins are exactly f fp fu fc fco fcoa fens and fepft") {
  for (const char* code : {"f", "fp", "fu", "fc", "fco", "fcoa", "fens", "fepft"}) {
    CAPTURE(code);
    CHECK(classify_auth0_type(code).kind == EventKind::login_failure);
    CHECK(classify_auth0_type(code).outcome == Outcome::failure);
  }
  // Failed signup, failed silent auth and failed token exchanges are not failed logins.
  for (const char* code : {"fs", "fsa", "feccft", "fertft", "ferrt", "flo", "fapi", "fn", "fcp"}) {
    CAPTURE(code);
    CHECK(classify_auth0_type(code).kind != EventKind::login_failure);
  }
  CHECK(classify_auth0_type("fs").kind == EventKind::signup_failure);
  CHECK(classify_auth0_type("fsa").kind == EventKind::other);
}

TEST_CASE("each derived category maps to its kind") {
  struct Case {
    const char* code;
    EventKind kind;
  };
  for (const Case& c : {Case{"s", EventKind::login_success},
                        Case{"scoa", EventKind::login_success},
                        Case{"sens", EventKind::login_success},
                        Case{"ss", EventKind::signup_success},
                        Case{"gd_auth_succeed", EventKind::mfa},
                        Case{"mfar", EventKind::mfa},
                        Case{"gd_webauthn_enrollment_failed", EventKind::mfa},
                        Case{"passkey_challenge_started", EventKind::mfa},
                        Case{"limit_wc", EventKind::attack_protection},
                        Case{"limit_mu", EventKind::attack_protection},
                        Case{"pwd_leak", EventKind::breached_password},
                        Case{"signup_pwd_leak", EventKind::breached_password},
                        Case{"seacft", EventKind::token_exchange},
                        Case{"ferrt", EventKind::token_exchange},
                        Case{"slo", EventKind::logout},
                        Case{"oidc_backchannel_logout_failed", EventKind::logout},
                        Case{"sapi", EventKind::management_api},
                        Case{"mgmt_api_read", EventKind::management_api},
                        Case{"cs", EventKind::other},
                        Case{"sys_os_update_start", EventKind::other}}) {
    CAPTURE(c.code);
    const Classification result = classify_auth0_type(c.code);
    CHECK(result.kind == c.kind);
    CHECK(result.known);
  }
  CHECK_FALSE(classify_auth0_type("no_such_code").known);
  CHECK(classify_auth0_type("no_such_code").kind == EventKind::other);
  CHECK(classify_auth0_type("").kind == EventKind::other);
}

TEST_CASE("the seven Relock events, and nothing else") {
  CHECK(classify_relock_event("authentication.success") ==
        EventKind::relock_authentication_success);
  CHECK(classify_relock_event("authentication.failed") == EventKind::relock_authentication_failed);
  CHECK(classify_relock_event("device.registered") == EventKind::relock_device_registered);
  CHECK(classify_relock_event("device.revoked") == EventKind::relock_device_revoked);
  CHECK(classify_relock_event("session.created") == EventKind::relock_session_created);
  CHECK(classify_relock_event("session.ended") == EventKind::relock_session_ended);
  CHECK(classify_relock_event("security.alert") == EventKind::relock_security_alert);
  CHECK_FALSE(classify_relock_event("device.updated").has_value());
  CHECK_FALSE(classify_relock_event("").has_value());
}
