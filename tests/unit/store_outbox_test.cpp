// The webhook outbox in the store: deliveries written with their alerts in one transaction,
// per-user order, retries, dead letters, disabled endpoints, the operator commands, and the
// migration of a version-1 state file. Real SQLite files.

#include <doctest/doctest.h>

#include "store_test_support.hpp"

namespace authcorrd {
namespace {

using namespace store_testing;

AlertRecord alert(std::string id, std::string user) {
  return AlertRecord{std::move(id), "failed_login_burst", "{\"id\":\"x\"}", kT0, std::move(user)};
}

std::vector<std::string> alert_ids(const std::vector<OutboxDelivery>& rows) {
  std::vector<std::string> out;
  for (const OutboxDelivery& row : rows)
    out.push_back(row.alert_id);
  return out;
}

using Ids = std::vector<std::string>;

TEST_CASE("outbox: deliveries are written with new alerts only, in the same transaction") {
  TempDir dir;
  Store store = Store::open(dir.file());
  const std::vector<AlertRecord> alerts{alert("a1", "u1"), alert("a2", "u2")};
  const std::vector<OutboxTarget> targets{{0, "hook", ""}, {1, "hook", ""}, {1, "other", ""}};
  CHECK(store.record_alerts(alerts, kT0, targets) == std::vector<bool>{true, true});
  CHECK(alert_ids(store.outbox_list(false, "hook")) == Ids{"a1", "a2"});
  CHECK(alert_ids(store.outbox_list(false, "other")) == Ids{"a2"});
  CHECK(store.outbox_list(false, "")[0].body == "{\"id\":\"x\"}");

  // A regenerated alert (same id) creates no second delivery, even after the first was sent.
  store.outbox_delivered(store.outbox_list(false, "hook")[0].seq);
  CHECK(store.record_alerts(alerts, kT0 + 5, targets) == std::vector<bool>{false, false});
  CHECK(alert_ids(store.outbox_list(false, "hook")) == Ids{"a2"});
  CHECK(store.outbox_stats("hook").depth == 1);
  CHECK(store.outbox_stats("hook").oldest_created_at == kT0);

  // A refused target goes straight to the dead letters.
  const std::vector<AlertRecord> more{alert("a3", "u3")};
  const std::vector<OutboxTarget> refused{{0, "hook", "outbox full"}};
  store.record_alerts(more, kT0 + 10, refused);
  const auto dead = store.outbox_list(true, "hook");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].alert_id == "a3");
  CHECK(dead[0].last_error == "outbox full");
  CHECK(store.outbox_stats("hook").dead_letters == 1);
}

TEST_CASE("outbox: only each user's oldest pending delivery is due, in queue order") {
  TempDir dir;
  Store store = Store::open(dir.file());
  const std::vector<AlertRecord> alerts{alert("u1-first", "u1"), alert("u2-first", "u2"),
                                        alert("u1-second", "u1")};
  const std::vector<OutboxTarget> targets{{0, "hook", ""}, {1, "hook", ""}, {2, "hook", ""}};
  store.record_alerts(alerts, kT0, targets);
  auto due = store.outbox_due("hook", kT0, 10);
  CHECK(alert_ids(due) == Ids{"u1-first", "u2-first"});
  CHECK(store.outbox_next_attempt("hook") == kT0);

  // u1's head fails and waits: u1's second alert still may not overtake it.
  store.outbox_retry_later(due[0].seq, 1, kT0 + 1000, "HTTP 500");
  CHECK(alert_ids(store.outbox_due("hook", kT0 + 1, 10)) == Ids{"u2-first"});
  store.outbox_delivered(due[1].seq);
  CHECK(store.outbox_due("hook", kT0 + 1, 10).empty());
  CHECK(store.outbox_next_attempt("hook") == kT0 + 1000);
  const auto retried = store.outbox_due("hook", kT0 + 1000, 10);
  REQUIRE(retried.size() == 1);
  CHECK(retried[0].attempts == 1);
  CHECK(retried[0].last_error == "HTTP 500");

  // Dead-lettering the head lets the user's next alert go.
  store.outbox_dead_letter(retried[0].seq, 2, "gave up", kT0 + 2000);
  CHECK(alert_ids(store.outbox_due("hook", kT0 + 2000, 10)) == Ids{"u1-second"});
  CHECK(store.outbox_due("hook", kT0 + 2000, 1).size() == 1);
  CHECK(store.outbox_due("other", kT0 + 2000, 10).empty());
  CHECK_FALSE(store.outbox_next_attempt("other"));
}

TEST_CASE("outbox: a disabled endpoint, dead letters and the operator's retry and purge") {
  TempDir dir;
  Store store = Store::open(dir.file());
  const std::vector<AlertRecord> alerts{alert("a1", "u1"), alert("a2", "u1"), alert("b1", "u2")};
  store.record_alerts(alerts, kT0,
                      std::vector<OutboxTarget>{{0, "hook", ""}, {1, "hook", ""}, {2, "keep", ""}});
  CHECK_FALSE(store.webhook_endpoint_disabled("hook"));
  store.disable_webhook_endpoint("hook", "410 Gone", kT0 + 1);
  CHECK(store.webhook_endpoint_disabled("hook") == "410 Gone");
  CHECK(store.outbox_dead_letter_all("hook", "410 Gone", kT0 + 1) == 2);
  CHECK(store.outbox_list(false, "hook").empty());
  CHECK(alert_ids(store.outbox_list(true, "")) == Ids{"a1", "a2"});
  CHECK(alert_ids(store.outbox_list(false, "")) == Ids{"b1"});

  // Retry of one alert keeps the other dead; retry re-enables the endpoint.
  CHECK(store.outbox_retry("hook", "a2", kT0 + 5) == 1);
  CHECK_FALSE(store.webhook_endpoint_disabled("hook"));
  CHECK(alert_ids(store.outbox_list(true, "hook")) == Ids{"a1"});
  CHECK(store.outbox_retry("hook", "", kT0 + 6) == 1);
  // Back under their original seq: a1 is again ahead of a2 in u1's queue.
  CHECK(alert_ids(store.outbox_due("hook", kT0 + 6, 10)) == Ids{"a1"});
  const auto pending = store.outbox_list(false, "hook");
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].attempts == 0);
  CHECK(store.outbox_retry("hook", "nope", kT0 + 7) == 0);
  // An unknown id re-enables nothing; a known one re-enables only its own endpoint.
  store.disable_webhook_endpoint("hook", "410 Gone", kT0 + 7);
  store.disable_webhook_endpoint("keep", "410 Gone", kT0 + 7);
  CHECK(store.outbox_retry("", "nope", kT0 + 7) == 0);
  CHECK(store.webhook_endpoint_disabled("hook"));
  store.outbox_dead_letter(store.outbox_list(false, "hook")[0].seq, 1, "x", kT0 + 7);
  CHECK(store.outbox_retry("", "a1", kT0 + 7) == 1);
  CHECK_FALSE(store.webhook_endpoint_disabled("hook"));
  CHECK(store.webhook_endpoint_disabled("keep"));
  CHECK(store.outbox_retry("", "", kT0 + 7) == 0);
  CHECK_FALSE(store.webhook_endpoint_disabled("keep"));

  CHECK(store.outbox_purge(false, "hook") == 2);
  CHECK(store.outbox_list(false, "hook").empty());
  CHECK(alert_ids(store.outbox_list(false, "")) == Ids{"b1"});
  store.outbox_dead_letter(store.outbox_list(false, "keep")[0].seq, 1, "x", kT0 + 8);
  CHECK(store.outbox_purge(true, "") == 1);
  CHECK(store.outbox_stats("keep").dead_letters == 0);
}

TEST_CASE("outbox: dead letters are pruned with the alerts; pending deliveries never") {
  TempDir dir;
  Store store = Store::open(dir.file());
  store.record_alerts(std::vector<AlertRecord>{alert("old", "u1"), alert("pending", "u2")}, kT0,
                      std::vector<OutboxTarget>{{0, "hook", "outbox full"}, {1, "hook", ""}});
  store.prune(kT0 + 10 * kDayMs, kT0, kT0 + 10 * kDayMs);
  CHECK(store.outbox_list(true, "hook").empty());
  CHECK(alert_ids(store.outbox_list(false, "hook")) == Ids{"pending"});
}

TEST_CASE("outbox: a version-1 state file migrates and keeps its data") {
  TempDir dir;
  const std::string path = dir.file();
  {
    Store store = Store::open(path);
    store.journal(std::vector<Event>{event("a", 1)}, 1);
  }
  {
    // Make it look like a file written by the previous release.
    RawDb raw(path);
    raw.exec(
        "DROP TABLE webhook_outbox; DROP TABLE webhook_dead_letters; DROP TABLE "
        "webhook_endpoints; PRAGMA user_version = 1");
  }
  Store store = Store::open(path);
  CHECK(RawDb(path).text("PRAGMA user_version") == "2");
  CHECK(ids(store) == std::vector<std::string>{"a"});
  store.record_alerts(std::vector<AlertRecord>{alert("a1", "u1")}, kT0,
                      std::vector<OutboxTarget>{{0, "hook", ""}});
  CHECK(store.outbox_stats("hook").depth == 1);
}

}  // namespace
}  // namespace authcorrd
