// The store's pruning: the rule of store.hpp on hand-made cases, against a plain model over
// random histories, and at scale.
#include <doctest/doctest.h>

#include "store_test_support.hpp"

using namespace authcorrd;
using namespace authcorrd::store_testing;
using namespace std::string_literals;

TEST_CASE("store: prune keeps recent rows and the newest baseline per user and kind") {
  TempDir dir;
  Store store = Store::open(dir.file());
  constexpr TimeMs kCutoff = 1'000'000;
  constexpr TimeMs kBaseline = 100'000;
  using K = EventKind;
  const auto at = [](std::string id, TimeMs time, std::string user, K kind) {
    return event(std::move(id), time, std::move(user), kind);
  };
  // Each batch's received_at is the second argument of journal().
  store.journal(
      std::vector<Event>{
          at("u1-login-old", 200'000, "u1", K::login_success),
          at("u1-login-tie-first", 300'000, "u1", K::login_success),
          at("u1-login-tie-last", 300'000, "u1", K::login_success),  // newest: tie, higher seq
          at("u1-registered", 250'000, "u1", K::relock_device_registered),
          at("u1-failure", 400'000, "u1", K::login_failure),  // not a baseline kind
          at("u2-login-beyond-horizon", 50'000, "u2", K::login_success),
          at("u3-login-superseded", 200'000, "u3", K::login_success),
          at("u3-login-recent", 1'100'000, "u3", K::login_success),
          at("nouser-login", 500'000, "", K::login_success),
          at("u4-at-cutoff", kCutoff, "u4", K::login_failure),
          at("u4-just-before", kCutoff - 1, "u4", K::login_failure),
          at("u5-session-ended", 500'000, "u5", K::relock_session_ended),
          at("u6-auth-ok", 500'000, "u6", K::relock_authentication_success),
          at("u6-registered", 500'000, "u6", K::relock_device_registered),
          at("u6-session", 500'000, "u6", K::relock_session_created),
          at("u6-auth-failed", 500'000, "u6", K::relock_authentication_failed),
          at("u6-revoked", 500'000, "u6", K::relock_device_revoked),
          at("u6-login", 500'000, "u6", K::login_success),
          at("u6-security-alert", 500'000, "u6", K::relock_security_alert),
          at("u7-login-at-horizon", kBaseline, "u7", K::login_success),
      },
      900'000);
  // Dated long ago but received after the cutoff: a late arrival, still needed.
  store.journal(std::vector<Event>{at("u4-late-arrival", 200'000, "u4", K::login_failure)},
                kCutoff);

  const std::vector<AlertRecord> alerts = {{"old", "t", "{}", 1, "u"}, {"edge", "t", "{}", 1, "u"}};
  store.record_alerts(std::span(alerts).first(1), 10);
  store.record_alerts(std::span(alerts).last(1), 20);

  CHECK(store.prune(kCutoff, kBaseline, 20) == 9);
  const std::vector<std::string> kept = {
      "u1-login-tie-last", "u1-registered", "u3-login-recent",     "u4-at-cutoff",
      "u6-auth-ok",        "u6-registered", "u6-session",          "u6-auth-failed",
      "u6-revoked",        "u6-login",      "u7-login-at-horizon", "u4-late-arrival"};
  CHECK(ids(store) == kept);
  CHECK(store.counts().alert_rows == 1);
  CHECK(store.undelivered_alerts().at(0).id == "edge");
  CHECK(store.prune(kCutoff, kBaseline, 20) == 0);  // idempotent

  // Once the baseline horizon passes them, baselines go too; recent rows still stay.
  CHECK(store.prune(kCutoff, 600'000, 20) == 9);
  CHECK(ids(store) ==
        std::vector<std::string>{"u3-login-recent", "u4-at-cutoff", "u4-late-arrival"});
}

TEST_CASE("store: prune agrees with the rule over random histories") {
  for (const bool steps_back : {false, true}) {
    CAPTURE(steps_back);
    std::mt19937 rng(steps_back ? 7 : 11);
    const auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const EventKind kinds[] = {EventKind::login_success, EventKind::relock_device_revoked,
                               EventKind::relock_session_created, EventKind::login_failure,
                               EventKind::relock_security_alert};
    TempDir dir;
    std::optional<Store> store = Store::open(dir.file());
    std::vector<ModelRow> model;
    TimeMs now = 1000;
    TimeMs cutoff = 0;
    for (int step = 0; step < 400; ++step) {
      const int op = pick(10);
      if (op < 7) {
        std::vector<Event> batch;
        for (int n = 1 + pick(12); n > 0; --n) {
          // The id names the source: (source, id) is what makes a row unique.
          const EventKind kind = kinds[pick(5)];
          const std::string id = (kind >= EventKind::relock_authentication_success ? "r" : "a") +
                                 std::to_string(pick(step + 40) + step * 2);
          const std::string user = pick(6) == 0 ? "" : "u" + std::to_string(pick(5));
          batch.push_back(event(id, now - 60 + pick(80), user, kind));
        }
        store->journal(batch, now);
        for (const Event& e : batch) {
          const bool known = std::any_of(model.begin(), model.end(),
                                         [&](const ModelRow& r) { return r.id == e.source_id; });
          if (!known) model.push_back({e.source_id, e.user_id, e.kind, e.time, now});
        }
        now += pick(6);
      } else if (op < 9) {
        const bool back = steps_back && pick(3) == 0;
        cutoff = back ? cutoff - pick(40) : std::max(cutoff, now - 50);
        const TimeMs baseline_cutoff = cutoff - 40;
        const std::vector<ModelRow> rule = apply_rule(model, cutoff, baseline_cutoff);
        const std::size_t deleted = store->prune(cutoff, baseline_cutoff, 0);
        const std::vector<std::string> kept = ids(*store);
        if (!steps_back) {
          CHECK(deleted == model.size() - rule.size());
          CHECK(kept == ids_of(rule));
        }
        for (const ModelRow& row : rule) {  // everything the rule keeps is still there
          CHECK(std::find(kept.begin(), kept.end(), row.id) != kept.end());
        }
        std::erase_if(model, [&](const ModelRow& r) {
          return std::find(kept.begin(), kept.end(), r.id) == kept.end();
        });
        REQUIRE(model.size() == kept.size());
      } else {
        store.reset();
        store = Store::open(dir.file());
      }
    }
  }
}

// Scale: batches of 100 as the pollers write them, then a prune of half the journal and then
// prunes a minute apart, as the daemon runs them. Timings are reported, never asserted;
// AUTHCORRD_STORE_ROWS=1000000 runs the full-size measurement.
TEST_CASE("store: journal and prune at scale") {
  std::size_t rows = 200'000;
  if (const char* env = std::getenv("AUTHCORRD_STORE_ROWS")) {
    rows = std::stoul(env);
  }
  constexpr std::size_t kBatch = 100;
  const EventKind kinds[] = {EventKind::login_success,
                             EventKind::login_failure,
                             EventKind::relock_authentication_success,
                             EventKind::relock_session_created,
                             EventKind::relock_session_ended,
                             EventKind::login_failure,
                             EventKind::relock_device_registered,
                             EventKind::mfa};
  // Users seen early are mostly not seen again, so many old baselines stay pinned (as for the
  // users of a tenant who logged in weeks ago): the steady-state prune must not rescan them.
  const auto user_of = [&](std::size_t i) -> std::string {
    if (i % 50 == 0) return "";
    const std::size_t users = i < rows / 2 ? rows / 4 : rows / 40;
    return "auth0|user-" + std::to_string((i * 7919) % users);
  };
  const auto time_of = [](std::size_t i) { return kT0 + static_cast<TimeMs>(i) * 1000; };

  TempDir dir;
  Store store = Store::open(dir.file());
  using Clock = std::chrono::steady_clock;
  const auto ms_since = [](Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  std::vector<double> batch_ms;
  std::vector<Event> batch;
  std::vector<ModelRow> model;
  for (std::size_t start = 0; start < rows; start += kBatch) {
    batch.clear();
    const TimeMs received_at = time_of(start) + 500;
    for (std::size_t i = start; i < std::min(rows, start + kBatch); ++i) {
      Event e = event("log-" + std::to_string(i), time_of(i), user_of(i), kinds[i % 8]);
      e.session_id = "sess-" + std::to_string(i / 7);
      model.push_back({e.source_id, e.user_id, e.kind, e.time, received_at});
      batch.push_back(std::move(e));
    }
    const auto t0 = Clock::now();
    store.journal(batch, received_at, Checkpoint{"auth0.logs", batch.back().source_id});
    batch_ms.push_back(ms_since(t0));
  }
  double total_ms = 0;
  for (const double ms : batch_ms)
    total_ms += ms;
  std::sort(batch_ms.begin(), batch_ms.end());
  const auto pct = [&batch_ms](std::size_t p) { return batch_ms[batch_ms.size() * p / 100]; };
  MESSAGE("journal: " << rows << " events in batches of " << kBatch << ", ms per batch: mean "
                      << total_ms / static_cast<double>(batch_ms.size()) << ", median " << pct(50)
                      << ", p90 " << pct(90) << ", p99 " << pct(99) << ", max " << batch_ms.back());

  TimeMs cutoff = time_of(rows / 2);
  TimeMs baseline_cutoff = time_of(rows / 8);
  // The first prune after the big one also resets the WAL the big one grew (and truncates it to
  // journal_size_limit): the second one a minute later shows the steady state.
  for (const std::string what : {"prune of half the journal", "next prune, a minute later",
                                 "steady-state prune, another minute later"}) {
    const std::vector<ModelRow> rule = apply_rule(model, cutoff, baseline_cutoff);
    const auto t0 = Clock::now();
    const std::size_t deleted = store.prune(cutoff, baseline_cutoff, cutoff);
    const double prune_ms = ms_since(t0);
    const StoreCounts counts = store.counts();
    const auto baselines =
        std::count_if(rule.begin(), rule.end(), [&](const ModelRow& r) { return r.time < cutoff; });
    MESSAGE(what << ": deleted " << deleted << " of " << model.size() << " rows in " << prune_ms
                 << " ms; " << counts.journal_rows << " left, " << baselines
                 << " of them baselines older than the cutoff");
    CHECK(deleted == model.size() - rule.size());
    CHECK(counts.journal_rows == rule.size());
    model = rule;
    cutoff += kMinuteMs;
    baseline_cutoff += kMinuteMs;
  }
  CHECK(store.checkpoint("auth0.logs") == "log-" + std::to_string(rows - 1));
}
