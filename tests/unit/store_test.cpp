// Tests of the SQLite store on real database files, each test in its own temporary directory:
// round trips, dedupe, transaction atomicity under injected failures, pruning, crash recovery
// (a child killed without closing) and refusal of files that are not ours.
#include <doctest/doctest.h>

#include "store_test_support.hpp"

using namespace authcorrd;
using namespace authcorrd::store_testing;
using namespace std::string_literals;

TEST_CASE("store: every Event member round-trips, across a reopen") {
  TempDir dir;
  std::vector<Event> events;
  Event full = event("full", kT0 + 123, "auth0|ünïcødé-用户");
  full.outcome = Outcome::success;
  full.kind = EventKind::login_success;
  full.type_code = "s";
  full.email = "zoë@example.com";
  full.ip = "2001:db8::1";
  full.device_id = "dev-Ω";
  full.session_id = "sess-1";
  full.organization_id = "org_123";
  full.geo = GeoPoint{48.8566, 2.3522, "FR"};
  full.reason = "key mismatch";
  full.alert_type = "replay";
  full.description = "line1\nline2 \"quoted\" \0 after-nul"s;
  full.session_expires_at = std::numeric_limits<TimeMs>::max();
  events.push_back(full);

  Event bare;  // geo absent, every string empty
  bare.source_id = "bare";
  bare.time = kNoTime;
  events.push_back(bare);

  Event odd_geo = event("odd-geo", -5, "");
  odd_geo.geo = GeoPoint{-33.8688, -151.2093, ""};  // present, but country unknown
  odd_geo.session_expires_at = std::numeric_limits<TimeMs>::min();
  events.push_back(odd_geo);

  Event nan_geo = event("nan-geo", 7);
  nan_geo.geo = GeoPoint{std::numeric_limits<double>::quiet_NaN(), 1e-300, "DE"};
  events.push_back(nan_geo);

  for (std::size_t i = 0; i < kEventKindCount; ++i) {  // every kind, both sources
    Event e = event("kind-" + std::to_string(i), kT0 + static_cast<TimeMs>(i), "auth0|k",
                    static_cast<EventKind>(i));
    e.outcome = static_cast<Outcome>(i % 3);
    events.push_back(e);
  }

  {
    Store store = Store::open(dir.file());
    const JournalResult result = store.journal(events, kT0 + 999);
    CHECK(result.new_events == events.size());
    CHECK(result.duplicates == 0);
  }
  const Store store = Store::open(dir.file());
  const std::vector<Journaled> rows = read_all(store);
  REQUIRE(rows.size() == events.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    check_same(rows[i].event, events[i]);
    CHECK(rows[i].received_at == kT0 + 999);
  }
}

TEST_CASE("store: duplicates are reported and not inserted, across and within batches") {
  TempDir dir;
  Store store = Store::open(dir.file());
  const std::vector<Event> first = {event("a", 1), event("b", 2)};
  const JournalResult r1 = store.journal(first, 10);
  CHECK(r1.inserted == std::vector<bool>{true, true});

  Event same_id_other_source = event("a", 3);
  same_id_other_source.source = Source::relock;
  const std::vector<Event> second = {event("b", 99), event("c", 4), event("c", 5),
                                     same_id_other_source};
  const JournalResult r2 = store.journal(second, 20);
  CHECK(r2.inserted == std::vector<bool>{false, true, false, true});
  CHECK(r2.new_events == 2);
  CHECK(r2.duplicates == 2);

  const std::vector<Journaled> rows = read_all(store);
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].event.time == 2);  // the first "b" stays, the repeat did not overwrite it
  CHECK(rows[2].event.time == 4);
  CHECK(store.counts().journal_rows == 4);
}

TEST_CASE("store: arrival order is kept across reopen and prune, whatever the event times") {
  TempDir dir;
  {
    Store store = Store::open(dir.file());
    store.journal(std::vector<Event>{event("late", 500), event("early", 100)}, kT0);
    store.journal(std::vector<Event>{event("older", 50)}, kT0 + 1);
  }
  Store store = Store::open(dir.file());
  store.journal(std::vector<Event>{event("oldest", 10)}, kT0 + 2);
  CHECK(ids(store) == std::vector<std::string>{"late", "early", "older", "oldest"});
  // Rows journaled after a prune still sort after every survivor.
  store.prune(kT0 + 2, kT0, 0);
  CHECK(ids(store) == std::vector<std::string>{"oldest"});
  store.journal(std::vector<Event>{event("after-prune", 1)}, kT0 + 3);
  CHECK(ids(store) == std::vector<std::string>{"oldest", "after-prune"});
}

TEST_CASE("store: checkpoints move with their events; an empty batch just moves it") {
  TempDir dir;
  Store store = Store::open(dir.file());
  CHECK_FALSE(store.checkpoint("auth0.logs").has_value());
  store.journal(std::vector<Event>{event("a", 1)}, 10, Checkpoint{"auth0.logs", "9001"});
  CHECK(store.checkpoint("auth0.logs") == "9001");
  const JournalResult empty = store.journal({}, 11, Checkpoint{"auth0.logs", "9002"});
  CHECK(empty.inserted.empty());
  CHECK(store.checkpoint("auth0.logs") == "9002");
  store.set_checkpoint({"relock.events", "cursor-ü"});
  CHECK(store.checkpoint("relock.events") == "cursor-ü");
  CHECK(store.checkpoint("auth0.logs") == "9002");
  store.journal({}, 12);  // nothing at all: a no-op
  CHECK(store.counts().journal_rows == 1);
}

TEST_CASE("store: a failing batch inserts nothing and leaves the checkpoint where it was") {
  TempDir dir;
  Store store = Store::open(dir.file());
  store.journal(std::vector<Event>{event("before", 1)}, 10, Checkpoint{"auth0.logs", "100"});
  const std::vector<Event> batch = {event("x1", 2), event("x2", 3), event("secret-poison", 4),
                                    event("x3", 5)};

  SUBCASE("an error in the middle of the batch") {
    RawDb raw(dir.file());
    raw.exec(
        "CREATE TRIGGER poison BEFORE INSERT ON journal WHEN NEW.source_id = 'secret-poison'"
        " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    const std::string message = error_of([&] {
      store.journal(batch, 20, Checkpoint{"auth0.logs", "200"});
    });
    CHECK(contains(message, "journal"));
    CHECK(contains(message, "injected failure"));
    CHECK_FALSE(contains(message, "secret"));  // never event contents
  }
  SUBCASE("an error writing the checkpoint, after every event was inserted") {
    RawDb raw(dir.file());
    raw.exec(
        "CREATE TRIGGER stuck BEFORE UPDATE ON checkpoints"
        " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    const std::string message = error_of([&] {
      store.journal(batch, 20, Checkpoint{"auth0.logs", "200"});
    });
    CHECK(contains(message, "checkpoint"));
    raw.exec("DROP TRIGGER stuck");
  }
  SUBCASE("another connection holds the write lock") {
    Store impatient = Store::open(dir.file(), StoreOptions{.busy_timeout_ms = 50});
    RawDb raw(dir.file());
    raw.exec("BEGIN EXCLUSIVE");
    const std::string message = error_of([&] {
      impatient.journal(batch, 20, Checkpoint{"auth0.logs", "200"});
    });
    CHECK(contains(message, "locked"));
    raw.exec("ROLLBACK");
  }
  CHECK(ids(store) == std::vector<std::string>{"before"});
  CHECK(store.checkpoint("auth0.logs") == "100");
  // The store is still usable: the failed transaction was rolled back, not left open.
  store.journal(std::vector<Event>{event("x1", 2)}, 30, Checkpoint{"auth0.logs", "300"});
  CHECK(ids(store) == std::vector<std::string>{"before", "x1"});
  CHECK(store.checkpoint("auth0.logs") == "300");
}

TEST_CASE("store: alerts are new once, then undelivered until marked") {
  TempDir dir;
  Store store = Store::open(dir.file());
  const AlertRecord a{"id-a", "failed_login_burst", R"({"id":"id-a"})", kT0, "u1"};
  const AlertRecord b{"id-b", "impossible_travel", R"({"id":"id-b","x":"é"})", kT0 + 1, "u1"};
  const AlertRecord c{"id-c", "failed_login_burst", "{}", kT0 + 2, "u1"};
  CHECK(store.record_alerts(std::vector<AlertRecord>{b, a, b}, 200) ==
        std::vector<bool>{true, true, false});
  CHECK(store.record_alerts(std::vector<AlertRecord>{a, c}, 100) == std::vector<bool>{false, true});
  StoreCounts counts = store.counts();
  CHECK(counts.alert_rows == 3);
  CHECK(counts.undelivered_alerts == 3);

  std::vector<AlertRecord> pending = store.undelivered_alerts();
  REQUIRE(pending.size() == 3);
  CHECK(pending[0].id == "id-c");  // recorded earliest (now=100)
  CHECK(pending[1].id == "id-b");  // same recorded_at as a: insertion order
  CHECK(pending[2].id == "id-a");
  CHECK(pending[1].type == b.type);
  CHECK(pending[1].json == b.json);
  CHECK(pending[1].event_time == b.event_time);

  store.mark_delivered(std::vector<std::string>{"id-b", "id-c", "unknown-id"});
  pending = store.undelivered_alerts();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].id == "id-a");
  counts = store.counts();
  CHECK(counts.alert_rows == 3);
  CHECK(counts.undelivered_alerts == 1);
  // A delivered alert regenerated later is still a duplicate: never emitted twice.
  CHECK(store.record_alerts(std::vector<AlertRecord>{b}, 300) == std::vector<bool>{false});
}

TEST_CASE("store: a batch journaled by a process killed without closing survives") {
  TempDir dir;
  const std::string path = dir.file();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 1;
    try {
      auto* store = new Store(Store::open(path));  // deliberately never destroyed
      store->journal(std::vector<Event>{event("c1", 1), event("c2", 2)}, 10,
                     Checkpoint{"auth0.logs", "c2"});
      code = 0;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);  // no destructors, no close, no WAL checkpoint
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(fs::exists(path + "-wal"));  // the batch lives only in the WAL so far

  Store store = Store::open(path);
  CHECK(ids(store) == std::vector<std::string>{"c1", "c2"});
  CHECK(store.checkpoint("auth0.logs") == "c2");
}

TEST_CASE("store: open refuses files that are not ours and leaves them untouched") {
  TempDir dir;
  SUBCASE("not SQLite at all") {
    const std::string path = dir.file("notes.txt");
    std::ofstream(path) << "these are not the pages you are looking for\n"
                        << std::string(2000, 'x');
    const std::string before = read_bytes(path);
    const std::string message = error_of([&] { Store::open(path); });
    CHECK(contains(message, path));
    CHECK(contains(message, "file is not a database"));
    CHECK(read_bytes(path) == before);
  }
  SUBCASE("another application's SQLite database") {
    const std::string path = dir.file("other.db");
    RawDb(path).exec("CREATE TABLE journal (x); INSERT INTO journal VALUES (1)");
    const std::string before = read_bytes(path);
    const std::string message = error_of([&] { Store::open(path); });
    CHECK(contains(message, path));
    CHECK(contains(message, "not an authcorrd database"));
    CHECK(read_bytes(path) == before);
    CHECK(RawDb(path).text("PRAGMA journal_mode") == "delete");
  }
  SUBCASE("written by a newer authcorrd") {
    const std::string path = dir.file();
    Store::open(path);
    RawDb(path).exec("PRAGMA user_version = 99");
    const std::string message = error_of([&] { Store::open(path); });
    CHECK(contains(message, "created by a newer authcorrd"));
    CHECK(contains(message, path));
  }
  SUBCASE("a directory that does not exist is not created") {
    const std::string path = dir.file("missing/state.db");
    const std::string message = error_of([&] { Store::open(path); });
    CHECK(contains(message, path));
    CHECK_FALSE(fs::exists(dir.file("missing")));
  }
}

TEST_CASE("store: WAL mode and the schema are in place") {
  TempDir dir;
  Store store = Store::open(dir.file(), StoreOptions{.synchronous_full = true});
  store.journal(std::vector<Event>{event("a", 1)}, 1);
  RawDb raw(dir.file());
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  CHECK(raw.text("PRAGMA user_version") == "2");
  CHECK(raw.text("PRAGMA application_id") == std::to_string(0x41434F52));
  CHECK(raw.text("SELECT kind || '/' || outcome FROM journal") == "login_failure/failure");
  CHECK(fs::exists(dir.file() + "-wal"));
  // Reopening an existing database of ours migrates nothing and keeps the data.
  Store again = Store::open(dir.file());
  CHECK(again.counts().journal_rows == 1);
}

TEST_CASE("store: rows of unknown kind are skipped; a throwing visitor stops the walk") {
  TempDir dir;
  Store store = Store::open(dir.file());
  store.journal(std::vector<Event>{event("a", 1), event("future", 2), event("b", 3)}, 1);
  RawDb(dir.file()).exec("UPDATE journal SET kind = 'quantum_login' WHERE source_id = 'future'");
  CHECK(ids(store) == std::vector<std::string>{"a", "b"});

  int visited = 0;
  CHECK_THROWS_AS(store.for_each_journaled([&](const Event&, TimeMs) {
    ++visited;
    throw std::runtime_error("stop");
  }),
                  std::runtime_error);
  CHECK(visited == 1);
  // The interrupted read left no transaction open: writes and a fresh walk still work.
  store.journal(std::vector<Event>{event("c", 4)}, 2);
  CHECK(ids(store) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("store: a moved-from store throws instead of crashing") {
  TempDir dir;
  Store store = Store::open(dir.file());
  Store moved = std::move(store);
  CHECK_THROWS_AS(store.counts(), StoreError);  // NOLINT(bugprone-use-after-move)
  CHECK(moved.counts().journal_rows == 0);
}

// A random mix of batches (out-of-order times, repeated ids, users without id) and prunes,
// checked after every prune against the rule applied to a plain list of rows. With monotonic
// cutoffs the survivors must be exactly the rule's; after backwards steps of the cutoff the
// store may keep more (prune.hpp), but never deletes a row the rule keeps.
