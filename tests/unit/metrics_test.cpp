// Observability counts: what the correlator counts for the metrics (trusted devices, MFA
// outcomes, the risk histogram, source lag, index size, evictions) on scripted event sequences,
// and DaemonMetrics turning snapshots of them into Prometheus families without double counting.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "daemon/metrics.hpp"
#include "daemon/version.hpp"
#include "tests/unit/event_builders.hpp"

using namespace authcorrd;
using namespace authcorrd::testing;

namespace {

std::uint64_t bucket(const CorrelatorStats& stats, int upper_bound) {
  return stats.login_risk_buckets[risk_bucket(upper_bound)];
}

// The value of the sample written exactly as `sample` ("name{labels}"), or -1 when the
// exposition has no such line.
double sample(const std::string& exposition, const std::string& sample) {
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > sample.size() && line.compare(0, sample.size(), sample) == 0 &&
        line[sample.size()] == ' ') {
      return std::strtod(line.c_str() + sample.size() + 1, nullptr);
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("risk scores fall into the bucket of the first upper bound at least as large") {
  CHECK(risk_bucket(-5) == 0);
  CHECK(risk_bucket(0) == 0);
  CHECK(risk_bucket(10) == 0);
  CHECK(risk_bucket(11) == 1);
  CHECK(risk_bucket(30) == 2);
  CHECK(risk_bucket(65) == 6);
  CHECK(risk_bucket(100) == 9);
  CHECK(risk_bucket(101) == kRiskBucketBounds);  // +Inf
}

TEST_CASE("trusted devices follow each device's newest Relock signal and expire with the TTL") {
  CorrelatorParams params;
  params.device_trust_ttl = 1 * kHourMs;
  Correlator correlator(params);
  std::vector<Alert> alerts;
  auto feed_at = [&](const Event& event) { correlator.ingest(event, event.time, alerts); };

  feed_at(relock("authentication.success", kT0, "u1", "r1", "198.51.100.1", "UA-1", "dev-1"));
  CHECK(correlator.stats().trusted_devices == 1);
  feed_at(relock("device.registered", kT0 + 1000, "u1", "r2", "198.51.100.1", "UA-1", "dev-2"));
  feed_at(relock("session.created", kT0 + 2000, "u2", "r3", "198.51.100.2", "UA-2", "dev-3", "s1"));
  CHECK(correlator.stats().trusted_devices == 3);
  // Re-verifying a trusted device does not count it twice.
  feed_at(
      relock("authentication.success", kT0 + 3000, "u1", "r4", "198.51.100.1", "UA-1", "dev-1"));
  CHECK(correlator.stats().trusted_devices == 3);

  // A failure makes dev-1's newest signal negative; an older success arriving late does not
  // bring it back.
  feed_at(relock("authentication.failed", kT0 + 4000, "u1", "r5", "198.51.100.1", "UA-1", "dev-1"));
  CHECK(correlator.stats().trusted_devices == 2);
  correlator.ingest(
      relock("authentication.success", kT0 + 3500, "u1", "r6", "198.51.100.1", "UA-1", "dev-1"),
      kT0 + 5000, alerts);
  CHECK(correlator.stats().trusted_devices == 2);
  // A revocation of u2's device.
  feed_at(relock("device.revoked", kT0 + 6000, "u2", "r7", "198.51.100.2", "UA-2", "dev-3"));
  CHECK(correlator.stats().trusted_devices == 1);
  // Security alerts and session ends are not trust signals.
  feed_at(relock("security.alert", kT0 + 7000, "u1", "r8", "198.51.100.1", "UA-1", "dev-2"));
  CHECK(correlator.stats().trusted_devices == 1);

  // dev-2 was verified at kT0 + 1 s: trusted until kT0 + 1 h + 1 s, counted to the minute.
  correlator.advance(kT0 + 1 * kHourMs - kMinuteMs);
  CHECK(correlator.stats().trusted_devices == 1);
  correlator.advance(kT0 + 1 * kHourMs + 2 * kMinuteMs);
  CHECK(correlator.stats().trusted_devices == 0);
  // A verification that is already older than the TTL is not trusted.
  correlator.ingest(relock("authentication.success", kT0 + 30 * kMinuteMs, "u3", "r9",
                           "198.51.100.3", "UA-3", "dev-9"),
                    kT0 + 2 * kHourMs, alerts);
  CHECK(correlator.stats().trusted_devices == 0);
}

TEST_CASE("an evicted user's devices stop counting as trusted") {
  CorrelatorParams params;
  params.max_users = 1;
  Correlator correlator(params);
  std::vector<Alert> alerts;
  correlator.ingest(relock("authentication.success", kT0, "u1", "r1"), kT0, alerts);
  CHECK(correlator.stats().trusted_devices == 1);
  correlator.ingest(relock("authentication.failed", kT0 + 1, "u2", "r2"), kT0 + 1, alerts);
  CHECK(correlator.stats().users_evicted == 1);
  CHECK(correlator.stats().trusted_devices == 0);
}

TEST_CASE("a successful login used MFA when a Guardian success of the user precedes it") {
  Correlator correlator(without_risk_alerts());  // correlation window: 60 s
  std::vector<Alert> alerts;
  auto feed_at = [&](const Event& event) { correlator.ingest(event, event.time, alerts); };
  const auto& stats = correlator.stats();

  feed_at(auth0("gd_start_auth", kT0, "u1", "a0"));
  feed_at(auth0("gd_auth_succeed", kT0 + 1000, "u1", "a1"));
  feed_at(auth0("s", kT0 + 5000, "u1", "a2"));
  CHECK(stats.logins_with_mfa == 1);
  CHECK(stats.logins_without_mfa == 0);

  // Another user's MFA does not count for u2; a login long after the MFA does not either.
  feed_at(auth0("s", kT0 + 6000, "u2", "a3"));
  feed_at(auth0("s", kT0 + 5 * kMinuteMs, "u1", "a4"));
  CHECK(stats.logins_with_mfa == 1);
  CHECK(stats.logins_without_mfa == 2);

  // A started or failed MFA is not a completed one.
  feed_at(auth0("gd_auth_failed", kT0 + 6 * kMinuteMs, "u3", "a5"));
  feed_at(auth0("s", kT0 + 6 * kMinuteMs + 1000, "u3", "a6"));
  CHECK(stats.logins_without_mfa == 3);

  // Recovery codes and enrollment during the login complete MFA too.
  feed_at(auth0("gd_recovery_succeed", kT0 + 7 * kMinuteMs, "u4", "a7"));
  feed_at(auth0("sens", kT0 + 7 * kMinuteMs + 1000, "u4", "a8"));
  feed_at(auth0("gd_enrollment_complete", kT0 + 8 * kMinuteMs, "u5", "a9"));
  feed_at(auth0("s", kT0 + 8 * kMinuteMs + 1000, "u5", "a10"));
  CHECK(stats.logins_with_mfa == 3);

  // The login arrives after a later MFA of the same user: its own MFA is still found.
  feed_at(auth0("gd_auth_succeed", kT0 + 9 * kMinuteMs, "u6", "a11"));
  feed_at(auth0("gd_auth_succeed", kT0 + 9 * kMinuteMs + 30000, "u6", "a12"));
  correlator.ingest(auth0("s", kT0 + 9 * kMinuteMs + 2000, "u6", "a13"),
                    kT0 + 9 * kMinuteMs + 30000, alerts);
  CHECK(stats.logins_with_mfa == 4);

  // An MFA success after the login (in event time) does not count for it.
  feed_at(auth0("gd_auth_succeed", kT0 + 10 * kMinuteMs + 5000, "u7", "a14"));
  correlator.ingest(auth0("s", kT0 + 10 * kMinuteMs, "u7", "a15"), kT0 + 10 * kMinuteMs + 5000,
                    alerts);
  CHECK(stats.logins_without_mfa == 4);

  // A re-delivered login is not counted again; failures are counted apart.
  feed_at(auth0("s", kT0 + 5000, "u1", "a2"));
  feed_at(auth0("fp", kT0 + 11 * kMinuteMs, "u1", "a16"));
  feed_at(auth0("fu", kT0 + 11 * kMinuteMs, "", "a17"));
  CHECK(stats.logins_with_mfa + stats.logins_without_mfa ==
        stats.events[0][static_cast<std::size_t>(EventKind::login_success)]);
  CHECK(stats.logins_with_mfa == 4);
  CHECK(stats.logins_without_mfa == 4);
  CHECK(stats.login_failures() == 2);
  // MFA tracking never changes what the correlator decides.
  CHECK(alerts.empty());
}

TEST_CASE("the MFA tracker forgets successes once no login in time can need them") {
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  correlator.ingest(auth0("gd_auth_succeed", kT0, "u1", "a1"), kT0, alerts);
  // The Auth0 watermark moves 20 minutes on (allowed lateness: 10 minutes).
  correlator.ingest(auth0("s", kT0 + 20 * kMinuteMs, "u2", "a2"), kT0 + 20 * kMinuteMs, alerts);
  correlator.advance(kT0 + 20 * kMinuteMs);
  // A very late login of u1 right after its MFA no longer finds it.
  correlator.ingest(auth0("s", kT0 + 1000, "u1", "a3"), kT0 + 20 * kMinuteMs, alerts);
  CHECK(correlator.stats().logins_with_mfa == 0);
  CHECK(correlator.stats().logins_without_mfa == 2);
}

TEST_CASE("every assessed login lands in the risk histogram") {
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  auto feed_at = [&](const Event& event) { correlator.ingest(event, event.time, alerts); };
  const auto& stats = correlator.stats();

  // No Relock verification: low_device_trust (30).
  feed_at(auth0("s", kT0, "u1", "a1", "198.51.100.1", "UA-1"));
  CHECK(bucket(stats, 30) == 1);
  // Verified, same IP and user agent as the baseline: 0.
  feed_at(relock("authentication.success", kT0 + 1000, "u1", "r1", "198.51.100.1", "UA-1"));
  feed_at(auth0("s", kT0 + 2000, "u1", "a2", "198.51.100.1", "UA-1"));
  CHECK(bucket(stats, 0) == 1);
  // New IP and user agent: 35; a failure is assessed too.
  feed_at(auth0("fp", kT0 + 3000, "u1", "a3", "203.0.113.9", "UA-9"));
  CHECK(bucket(stats, 40) == 1);
  // Not assessed: late, unattributed, duplicate, not a login.
  feed_at(auth0("fu", kT0 + 4000, "", "a4"));
  feed_at(auth0("fp", kT0 + 3000, "u1", "a3", "203.0.113.9", "UA-9"));
  feed_at(auth0("slo", kT0 + 5000, "u1", "a5"));
  correlator.ingest(auth0("s", kT0 - 3 * kDayMs, "u1", "a6"), kT0 + 5000, alerts);
  CHECK(stats.late_events[0] == 1);

  std::uint64_t total = 0;
  for (std::uint64_t count : stats.login_risk_buckets)
    total += count;
  CHECK(total == 3);
  CHECK(stats.login_risk_score_sum == 30 + 0 + 35);
}

TEST_CASE("source lag is arrival time minus the newest event time of the source's last batch") {
  Correlator correlator;
  std::vector<Alert> alerts;
  const auto& stats = correlator.stats();
  CHECK_FALSE(stats.source_lag_known[0]);

  // One batch arriving at kT0 + 10 s: its newest event is kT0 + 2 s, whatever the order.
  correlator.ingest(auth0("s", kT0 + 2000, "u1", "a1"), kT0 + 10000, alerts);
  correlator.ingest(auth0("s", kT0, "u2", "a2"), kT0 + 10000, alerts);
  CHECK(stats.source_lag_known[0]);
  CHECK(stats.source_lag_ms[0] == 8000);
  CHECK_FALSE(stats.source_lag_known[1]);

  // The next batch replaces it, even when its events are older (a backlog being caught up).
  correlator.ingest(auth0("fp", kT0 - 60000, "u1", "a3"), kT0 + 20000, alerts);
  CHECK(stats.source_lag_ms[0] == 80000);
  // Late events still tell how far behind the source is; future-dated ones do not.
  correlator.ingest(auth0("fp", kT0 - 3 * kDayMs, "u1", "a4"), kT0 + 30000, alerts);
  CHECK(stats.source_lag_ms[0] == 3 * kDayMs + 30000);
  correlator.ingest(auth0("fp", kT0 + kDayMs, "u1", "a5"), kT0 + 40000, alerts);
  CHECK(stats.source_lag_ms[0] == 3 * kDayMs + 30000);

  correlator.ingest(relock("authentication.success", kT0 + 39500, "u1", "r1"), kT0 + 40000, alerts);
  CHECK(stats.source_lag_known[1]);
  CHECK(stats.source_lag_ms[1] == 500);
}

TEST_CASE("index size and evictions by kind are counted") {
  CorrelatorParams params = without_risk_alerts();
  params.max_users = 2;
  params.max_events_per_user = 2;
  params.max_sessions_per_user = 1;
  Correlator correlator(params);
  std::vector<Alert> alerts;
  auto feed_at = [&](const Event& event) { correlator.ingest(event, event.time, alerts); };
  const auto& stats = correlator.stats();

  feed_at(auth0("s", kT0, "u1", "a1"));
  feed_at(auth0("s", kT0 + 1, "u1", "a2"));
  CHECK(stats.indexed_events == 2);
  feed_at(auth0("s", kT0 + 2, "u1", "a3"));
  CHECK(stats.records_evicted == 1);
  CHECK(stats.indexed_events == 2);

  feed_at(relock("session.created", kT0 + 3, "u2", "r1", "198.51.100.1", "UA-1", "dev-1", "s1"));
  feed_at(relock("session.created", kT0 + 4, "u2", "r2", "198.51.100.1", "UA-1", "dev-1", "s2"));
  CHECK(stats.sessions_evicted == 1);
  CHECK(stats.tracked_sessions == 1);
  CHECK(stats.indexed_events == 4);  // two records each, within the limit

  feed_at(auth0("s", kT0 + 5, "u3", "a4"));  // evicts u1, the least recently active
  CHECK(stats.users_evicted == 1);
  CHECK(stats.tracked_users == 2);
  CHECK(stats.indexed_events == 3);
  CHECK(stats.interned_strings > 0);

  // Everything expires once nothing can need it: the index is empty again.
  correlator.advance(kT0 + 100 * kDayMs);
  CHECK(stats.tracked_users == 0);
  CHECK(stats.tracked_sessions == 0);
  CHECK(stats.indexed_events == 0);
  CHECK(stats.trusted_devices == 0);
}

TEST_CASE("DaemonMetrics maps correlator snapshots by difference: nothing is counted twice") {
  DaemonMetrics metrics;
  CorrelatorStats stats;
  stats.tracked_users = 5;
  stats.tracked_sessions = 3;
  stats.indexed_events = 40;
  stats.interned_strings = 77;
  stats.trusted_devices = 2;
  stats.users_evicted = 1;
  stats.records_evicted = 4;
  stats.late_events = {7, 1};
  stats.future_events = {2, 3};
  stats.duplicate_events = 6;
  stats.unattributed_events = 8;
  stats.logins_with_mfa = 10;
  stats.logins_without_mfa = 4;
  stats.events[0][static_cast<std::size_t>(EventKind::login_failure)] = 9;
  stats.events[1][static_cast<std::size_t>(EventKind::relock_authentication_success)] = 12;
  stats.events[1][static_cast<std::size_t>(EventKind::relock_authentication_failed)] = 2;
  stats.login_risk_buckets[risk_bucket(0)] = 3;
  stats.login_risk_buckets[risk_bucket(30)] = 2;
  stats.login_risk_buckets[kRiskBucketBounds] = 1;  // a score above 100
  stats.login_risk_score_sum = 0 + 60 + 120;
  stats.source_lag_ms = {1500, 0};
  stats.source_lag_known = {true, false};

  // The same snapshot twice (a tick with no new events) must not add anything.
  metrics.update_correlator(stats);
  metrics.update_correlator(stats);
  std::string text = metrics.serialize();
  CHECK(sample(text, "authcorrd_correlator_users") == 5);
  CHECK(sample(text, "authcorrd_correlator_sessions") == 3);
  CHECK(sample(text, "authcorrd_correlator_index_entries{kind=\"events\"}") == 40);
  CHECK(sample(text, "authcorrd_correlator_index_entries{kind=\"strings\"}") == 77);
  CHECK(sample(text, "authcorrd_correlator_trusted_devices") == 2);
  CHECK(sample(text, "authcorrd_correlator_evictions_total{kind=\"user\"}") == 1);
  CHECK(sample(text, "authcorrd_correlator_evictions_total{kind=\"event\"}") == 4);
  CHECK(sample(text, "authcorrd_correlator_evictions_total{kind=\"session\"}") == 0);
  CHECK(sample(text, "authcorrd_ingest_late_events_total{source=\"auth0\"}") == 7);
  CHECK(sample(text, "authcorrd_ingest_late_events_total{source=\"relock\"}") == 1);
  CHECK(sample(text, "authcorrd_correlator_events_dropped_total{reason=\"future\"}") == 5);
  CHECK(sample(text, "authcorrd_correlator_events_dropped_total{reason=\"duplicate\"}") == 6);
  CHECK(sample(text, "authcorrd_correlator_events_dropped_total{reason=\"unattributed\"}") == 8);
  CHECK(sample(text, "authcorrd_correlator_events_dropped_total{reason=\"late\"}") == -1);
  CHECK(sample(text, "authcorrd_correlator_logins_total{mfa=\"with_mfa\"}") == 10);
  CHECK(sample(text, "authcorrd_correlator_logins_total{mfa=\"without_mfa\"}") == 4);
  CHECK(sample(text, "authcorrd_correlator_login_failures_total") == 9);
  CHECK(sample(text, "authcorrd_correlator_device_verifications_total{result=\"success\"}") == 12);
  CHECK(sample(text, "authcorrd_correlator_device_verifications_total{result=\"failure\"}") == 2);
  CHECK(sample(text, "authcorrd_source_lag_seconds{source=\"auth0\"}") == 1.5);
  CHECK(sample(text, "authcorrd_source_lag_seconds{source=\"relock\"}") == -1);  // no event yet
  // Cumulative buckets, as Prometheus wants them.
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_bucket{le=\"10\"}") == 3);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_bucket{le=\"30\"}") == 5);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_bucket{le=\"100\"}") == 5);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_bucket{le=\"+Inf\"}") == 6);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_count") == 6);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_sum") == 180);

  // New counts add only what is new; gauges follow the latest snapshot.
  stats.tracked_users = 4;
  stats.logins_with_mfa = 11;
  stats.users_evicted = 3;
  stats.login_risk_buckets[risk_bucket(30)] = 3;
  stats.login_risk_score_sum += 25;
  metrics.update_correlator(stats);
  text = metrics.serialize();
  CHECK(sample(text, "authcorrd_correlator_users") == 4);
  CHECK(sample(text, "authcorrd_correlator_logins_total{mfa=\"with_mfa\"}") == 11);
  CHECK(sample(text, "authcorrd_correlator_evictions_total{kind=\"user\"}") == 3);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_bucket{le=\"30\"}") == 6);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_count") == 7);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_sum") == 205);

  // A fresh correlator (counting from zero again): its counts are all new, counters never fall.
  CorrelatorStats fresh;
  fresh.logins_with_mfa = 2;
  fresh.login_risk_buckets[0] = 1;
  metrics.update_correlator(fresh);
  text = metrics.serialize();
  CHECK(sample(text, "authcorrd_correlator_logins_total{mfa=\"with_mfa\"}") == 13);
  CHECK(sample(text, "authcorrd_correlator_login_risk_score_count") == 8);
  CHECK(sample(text, "authcorrd_correlator_evictions_total{kind=\"user\"}") == 3);
}

TEST_CASE("DaemonMetrics exports build info and the webhook and Alertmanager families") {
  DaemonMetrics metrics;
  std::string text = metrics.serialize();
  CHECK(sample(text, std::string("authcorrd_build_info{version=\"") + kVersion + "\"}") == 1);
  // Before any sink reports, its families have no samples.
  CHECK(text.find("authcorrd_webhook_deliveries_total{") == std::string::npos);

  metrics.webhook_delivery("primary", "delivered", 0.2);
  metrics.webhook_delivery("primary", "failed", 3.0);
  metrics.webhook_delivery("primary", "dead_lettered", -1);  // no attempt: no duration
  metrics.webhook_outbox("primary", 4, 12.5, 1);
  metrics.webhook_overflow("primary", 3);
  metrics.webhook_overflow("primary", 2);
  metrics.webhook_endpoint_enabled("primary", false);
  metrics.alertmanager_post("am", true);
  metrics.alertmanager_post("am", false);
  metrics.alertmanager_post("am", true);
  metrics.alertmanager_active("am", 7);
  text = metrics.serialize();
  CHECK(sample(text, "authcorrd_webhook_deliveries_total{result=\"delivered\",sink=\"primary\"}") ==
        1);
  CHECK(sample(text, "authcorrd_webhook_deliveries_total{result=\"failed\",sink=\"primary\"}") ==
        1);
  CHECK(sample(text,
               "authcorrd_webhook_deliveries_total{result=\"dead_lettered\",sink=\"primary\"}") ==
        1);
  CHECK(sample(text, "authcorrd_webhook_delivery_duration_seconds_count{sink=\"primary\"}") == 2);
  CHECK(sample(text, "authcorrd_webhook_delivery_duration_seconds_sum{sink=\"primary\"}") ==
        doctest::Approx(3.2));
  CHECK(sample(text, "authcorrd_webhook_outbox_depth{sink=\"primary\"}") == 4);
  CHECK(sample(text, "authcorrd_webhook_outbox_oldest_age_seconds{sink=\"primary\"}") == 12.5);
  CHECK(sample(text, "authcorrd_webhook_dead_letters{sink=\"primary\"}") == 1);
  CHECK(sample(text, "authcorrd_webhook_outbox_overflow_total{sink=\"primary\"}") == 5);
  CHECK(sample(text, "authcorrd_webhook_endpoint_enabled{sink=\"primary\"}") == 0);
  CHECK(sample(text, "authcorrd_alertmanager_posts_total{result=\"ok\",sink=\"am\"}") == 2);
  CHECK(sample(text, "authcorrd_alertmanager_posts_total{result=\"error\",sink=\"am\"}") == 1);
  CHECK(sample(text, "authcorrd_alertmanager_active_alerts{sink=\"am\"}") == 7);
  metrics.webhook_endpoint_enabled("primary", true);
  CHECK(sample(metrics.serialize(), "authcorrd_webhook_endpoint_enabled{sink=\"primary\"}") == 1);
}
