#include "correlator/event_codes.hpp"

#include <algorithm>
#include <array>

namespace authcorrd {
namespace {

struct CodeEntry {
  std::string_view code;
  EventKind kind;
  Outcome outcome;
};

using K = EventKind;
using O = Outcome;

// Auth0's documented type codes. Kept sorted by code (checked at compile time) so lookup is a
// binary search with no allocation and no static initialisation order concerns.
constexpr std::array kAuth0Codes = std::to_array<CodeEntry>({
    {"acls_summary", K::attack_protection, O::unknown},
    {"actions_execution_failed", K::other, O::failure},
    {"acul_sdk_notice", K::other, O::unknown},
    {"admin_update_launch", K::other, O::unknown},
    {"api_limit", K::attack_protection, O::unknown},
    {"api_limit_warning", K::attack_protection, O::unknown},
    {"appi", K::attack_protection, O::unknown},
    {"ciba_exchange_failed", K::token_exchange, O::failure},
    {"ciba_exchange_succeeded", K::token_exchange, O::success},
    {"cls", K::other, O::success},
    {"coff", K::other, O::unknown},
    {"con", K::other, O::unknown},
    {"cs", K::other, O::success},
    {"custom_domain_verification_failed", K::other, O::failure},
    {"depnote", K::other, O::unknown},
    {"du", K::other, O::success},
    {"f", K::login_failure, O::failure},
    {"failed_on_behalf_of_token_exchange", K::token_exchange, O::failure},
    {"fapi", K::management_api, O::failure},
    {"fc", K::login_failure, O::failure},
    {"fce", K::other, O::failure},
    {"fco", K::login_failure, O::failure},
    {"fcoa", K::login_failure, O::failure},
    {"fcp", K::other, O::failure},
    {"fcph", K::other, O::failure},
    {"fcpn", K::other, O::failure},
    {"fcpr", K::other, O::failure},
    {"fcpro", K::other, O::failure},
    {"fcu", K::other, O::failure},
    {"fd", K::other, O::failure},
    {"fdeac", K::other, O::failure},
    {"fdeaz", K::other, O::failure},
    {"fdecc", K::other, O::failure},
    {"fdeleacft", K::token_exchange, O::failure},
    {"fdelsa", K::other, O::failure},
    {"fdu", K::other, O::failure},
    {"feacft", K::token_exchange, O::failure},
    {"feccft", K::token_exchange, O::failure},
    {"fecte", K::token_exchange, O::failure},
    {"fede", K::token_exchange, O::failure},
    {"federated_logout_failed", K::logout, O::failure},
    {"fens", K::login_failure, O::failure},
    {"feoobft", K::token_exchange, O::failure},
    {"feotpft", K::token_exchange, O::failure},
    // A failed password grant (ROPG) is a failed login with a password: DESIGN.md counts it.
    {"fepft", K::login_failure, O::failure},
    {"fepotpft", K::token_exchange, O::failure},
    {"fercft", K::token_exchange, O::failure},
    {"ferrt", K::token_exchange, O::failure},
    {"fertft", K::token_exchange, O::failure},
    {"feta", K::token_exchange, O::failure},
    {"fi", K::other, O::failure},
    {"flo", K::logout, O::failure},
    {"fn", K::other, O::failure},
    {"fp", K::login_failure, O::failure},
    {"fpar", K::other, O::failure},
    {"fpurh", K::other, O::failure},
    {"fs", K::signup_failure, O::failure},
    {"fsa", K::other, O::failure},
    {"fscim", K::other, O::failure},
    {"fu", K::login_failure, O::failure},
    {"fui", K::other, O::failure},
    {"fv", K::other, O::failure},
    {"fvr", K::other, O::failure},
    {"gd_auth_failed", K::mfa, O::failure},
    {"gd_auth_rejected", K::mfa, O::failure},
    {"gd_auth_succeed", K::mfa, O::success},
    {"gd_enrollment_complete", K::mfa, O::success},
    {"gd_otp_rate_limit_exceed", K::mfa, O::failure},
    {"gd_recovery_failed", K::mfa, O::failure},
    {"gd_recovery_rate_limit_exceed", K::mfa, O::failure},
    {"gd_recovery_succeed", K::mfa, O::success},
    {"gd_send_email", K::mfa, O::success},
    {"gd_send_pn", K::mfa, O::success},
    {"gd_send_pn_failure", K::mfa, O::failure},
    {"gd_send_sms", K::mfa, O::success},
    {"gd_send_sms_failure", K::mfa, O::failure},
    {"gd_send_voice", K::mfa, O::success},
    {"gd_send_voice_failure", K::mfa, O::failure},
    {"gd_start_auth", K::mfa, O::unknown},
    {"gd_start_enroll", K::mfa, O::unknown},
    {"gd_start_enroll_failed", K::mfa, O::failure},
    {"gd_tenant_update", K::mfa, O::unknown},
    {"gd_unenroll", K::mfa, O::success},
    {"gd_update_device_account", K::mfa, O::success},
    {"idjag_exchange_failed", K::token_exchange, O::failure},
    {"idjag_exchange_succeeded", K::token_exchange, O::success},
    {"jwt_bearer_exchange_failed", K::token_exchange, O::failure},
    {"limit_delegation", K::attack_protection, O::unknown},
    {"limit_mu", K::attack_protection, O::unknown},
    {"limit_phone", K::attack_protection, O::unknown},
    {"limit_sul", K::attack_protection, O::unknown},
    {"limit_ui", K::attack_protection, O::unknown},
    {"limit_wc", K::attack_protection, O::unknown},
    {"mfar", K::mfa, O::unknown},
    {"mgmt_api_read", K::management_api, O::success},
    {"oidc_backchannel_logout_failed", K::logout, O::failure},
    {"oidc_backchannel_logout_succeeded", K::logout, O::success},
    {"organization_member_added", K::other, O::success},
    {"pla", K::attack_protection, O::unknown},
    {"pwd_leak", K::breached_password, O::unknown},
    {"reset_pwd_leak", K::breached_password, O::unknown},
    {"resource_cleanup", K::other, O::unknown},
    {"rich_consents_access_error", K::other, O::failure},
    {"s", K::login_success, O::success},
    {"sapi", K::management_api, O::success},
    {"sce", K::other, O::success},
    {"scoa", K::login_success, O::success},
    {"scp", K::other, O::success},
    {"scph", K::other, O::success},
    {"scpn", K::other, O::success},
    {"scpr", K::other, O::success},
    {"scu", K::other, O::success},
    {"scv", K::other, O::success},
    {"sd", K::other, O::success},
    {"sdel", K::login_success, O::success},
    {"sdeleacft", K::token_exchange, O::success},
    {"sdelsa", K::other, O::success},
    {"sdu", K::other, O::success},
    {"seacft", K::token_exchange, O::success},
    {"seccft", K::token_exchange, O::success},
    {"secte", K::token_exchange, O::success},
    {"sede", K::token_exchange, O::success},
    {"sens", K::login_success, O::success},
    {"seoobft", K::token_exchange, O::success},
    {"seotpft", K::token_exchange, O::success},
    {"sepft", K::token_exchange, O::success},
    {"sepkoobft", K::token_exchange, O::success},
    {"sepkotpft", K::token_exchange, O::success},
    {"sepkrcft", K::token_exchange, O::success},
    {"sercft", K::token_exchange, O::success},
    {"sertft", K::token_exchange, O::success},
    {"seta", K::token_exchange, O::success},
    {"si", K::other, O::success},
    {"signup_pwd_leak", K::breached_password, O::unknown},
    {"slo", K::logout, O::success},
    {"srrt", K::other, O::success},
    {"ss", K::signup_success, O::success},
    {"ssa", K::other, O::success},
    {"sscim", K::other, O::success},
    {"success_on_behalf_of_token_exchange", K::token_exchange, O::success},
    {"sui", K::other, O::success},
    {"sv", K::other, O::success},
    {"svr", K::other, O::success},
    {"too_many_records", K::mfa, O::failure},
    {"ublkdu", K::attack_protection, O::unknown},
    {"universal_logout_failed", K::logout, O::failure},
    {"universal_logout_succeeded", K::logout, O::success},
    {"w", K::other, O::unknown},
    {"wn", K::other, O::unknown},
    {"wum", K::other, O::unknown},
});

static_assert(std::is_sorted(kAuth0Codes.begin(), kAuth0Codes.end(),
                             [](const CodeEntry& a, const CodeEntry& b) {
                               return a.code < b.code;
                             }),
              "kAuth0Codes must stay sorted by code");

struct PrefixEntry {
  std::string_view prefix;
  EventKind kind;
};

// Families Auth0 documents with a wildcard (gd_webauthn_*_failed, passkey_challenge_*, ...).
constexpr std::array kAuth0Prefixes = std::to_array<PrefixEntry>({
    {"gd_", K::mfa},
    {"passkey_challenge_", K::mfa},
    {"my_account_authentication_method_", K::mfa},
    {"connected_accounts_", K::other},
    {"ss_sso_", K::other},
    {"ciba_start_", K::other},
    {"flows_execution_", K::other},
    {"forms_submission_", K::other},
    {"kms_key_", K::other},
    {"directory_sync_", K::other},
    {"sys_", K::other},
});

Outcome outcome_from_suffix(std::string_view code) noexcept {
  for (std::string_view marker : {"failed", "failure", "rejected"}) {
    if (code.find(marker) != std::string_view::npos) return Outcome::failure;
  }
  for (std::string_view marker : {"succeed", "success", "complete"}) {
    if (code.find(marker) != std::string_view::npos) return Outcome::success;
  }
  return Outcome::unknown;
}

}  // namespace

Classification classify_auth0_type(std::string_view type_code) noexcept {
  const auto it = std::lower_bound(
      kAuth0Codes.begin(), kAuth0Codes.end(), type_code,
      [](const CodeEntry& entry, std::string_view code) { return entry.code < code; });
  if (it != kAuth0Codes.end() && it->code == type_code) return {it->kind, it->outcome, true};
  for (const auto& family : kAuth0Prefixes) {
    if (type_code.starts_with(family.prefix)) {
      return {family.kind, outcome_from_suffix(type_code), true};
    }
  }
  return {EventKind::other, Outcome::unknown, false};
}

std::optional<EventKind> classify_relock_event(std::string_view event_name) noexcept {
  if (event_name == "authentication.success") return EventKind::relock_authentication_success;
  if (event_name == "authentication.failed") return EventKind::relock_authentication_failed;
  if (event_name == "device.registered") return EventKind::relock_device_registered;
  if (event_name == "device.revoked") return EventKind::relock_device_revoked;
  if (event_name == "session.created") return EventKind::relock_session_created;
  if (event_name == "session.ended") return EventKind::relock_session_ended;
  if (event_name == "security.alert") return EventKind::relock_security_alert;
  return std::nullopt;
}

std::string_view to_string(Source source) noexcept {
  return source == Source::auth0 ? "auth0" : "relock";
}

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::success:
      return "success";
    case Outcome::failure:
      return "failure";
    case Outcome::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case K::login_success:
      return "login_success";
    case K::login_failure:
      return "login_failure";
    case K::signup_success:
      return "signup_success";
    case K::signup_failure:
      return "signup_failure";
    case K::mfa:
      return "mfa";
    case K::attack_protection:
      return "attack_protection";
    case K::breached_password:
      return "breached_password";
    case K::token_exchange:
      return "token_exchange";
    case K::logout:
      return "logout";
    case K::management_api:
      return "management_api";
    case K::other:
      return "other";
    case K::relock_authentication_success:
      return "relock_authentication_success";
    case K::relock_authentication_failed:
      return "relock_authentication_failed";
    case K::relock_device_registered:
      return "relock_device_registered";
    case K::relock_device_revoked:
      return "relock_device_revoked";
    case K::relock_session_created:
      return "relock_session_created";
    case K::relock_session_ended:
      return "relock_session_ended";
    case K::relock_security_alert:
      return "relock_security_alert";
  }
  return "other";
}

}  // namespace authcorrd
