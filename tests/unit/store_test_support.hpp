// Helpers shared by the store test files: temporary directories, a raw SQLite connection,
// event builders, and a plain model of the pruning rule. Test-only.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "correlator/stats.hpp"
#include "daemon/store/store.hpp"

namespace authcorrd::store_testing {

namespace fs = std::filesystem;
using namespace std::string_literals;

inline constexpr TimeMs kT0 = 1735689600000;  // 2025-01-01T00:00:00Z

// A fresh directory per test, removed with everything in it (the -wal and -shm files too).
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "authcorrd-store-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name = "state.db") const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// A second, plain connection: how an operator (or another process) sees the file.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  void exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    INFO(sql << ": " << (error != nullptr ? error : ""));
    sqlite3_free(error);
    REQUIRE(rc == SQLITE_OK);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

inline Event event(std::string id, TimeMs time, std::string user = "auth0|u1",
                   EventKind kind = EventKind::login_failure) {
  Event e;
  e.source = kind >= EventKind::relock_authentication_success ? Source::relock : Source::auth0;
  e.kind = kind;
  e.outcome = Outcome::failure;
  e.time = time;
  e.source_id = std::move(id);
  e.type_code = "fp";
  e.tenant = "acme.eu.auth0.com";
  e.user_id = std::move(user);
  e.ip = "198.51.100.7";
  e.user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36";
  return e;
}

struct Journaled {
  Event event;
  TimeMs received_at = 0;
};

inline std::vector<Journaled> read_all(const Store& store) {
  std::vector<Journaled> rows;
  store.for_each_journaled([&rows](const Event& e, TimeMs received_at) {
    rows.push_back({e, received_at});
  });
  return rows;
}

inline std::vector<std::string> ids(const Store& store) {
  std::vector<std::string> out;
  for (const Journaled& row : read_all(store)) {
    out.push_back(row.event.source_id);
  }
  return out;
}

inline bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

inline void check_same(const Event& a, const Event& b) {
  INFO("source_id " << b.source_id);
  CHECK(a.source == b.source);
  CHECK(a.kind == b.kind);
  CHECK(a.outcome == b.outcome);
  CHECK(a.time == b.time);
  CHECK(a.source_id == b.source_id);
  CHECK(a.type_code == b.type_code);
  CHECK(a.tenant == b.tenant);
  CHECK(a.user_id == b.user_id);
  CHECK(a.email == b.email);
  CHECK(a.ip == b.ip);
  CHECK(a.user_agent == b.user_agent);
  CHECK(a.device_id == b.device_id);
  CHECK(a.session_id == b.session_id);
  CHECK(a.organization_id == b.organization_id);
  REQUIRE(a.geo.has_value() == b.geo.has_value());
  if (a.geo) {
    CHECK(same_double(a.geo->latitude, b.geo->latitude));
    CHECK(same_double(a.geo->longitude, b.geo->longitude));
    CHECK(a.geo->country_code == b.geo->country_code);
  }
  CHECK(a.reason == b.reason);
  CHECK(a.alert_type == b.alert_type);
  CHECK(a.description == b.description);
  CHECK(a.session_expires_at == b.session_expires_at);
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const StoreError& error) {
    return error.what();
  }
  FAIL("no StoreError thrown");
  return {};
}

// The pruning rule of store.hpp, written as plainly as possible, for comparison: a row survives
// when it is not both received and dated before the cutoff, or when it is the newest of its
// (user, baseline kind) (ties: the later arrival) and dated at or after the baseline cutoff.
struct ModelRow {
  std::string id;
  std::string user;
  EventKind kind = EventKind::other;
  TimeMs time = 0;
  TimeMs received_at = 0;
};

inline std::vector<ModelRow> apply_rule(const std::vector<ModelRow>& rows, TimeMs cutoff,
                                        TimeMs baseline_cutoff) {
  const std::set<EventKind> baseline = {EventKind::login_success,
                                        EventKind::relock_authentication_success,
                                        EventKind::relock_device_registered,
                                        EventKind::relock_session_created,
                                        EventKind::relock_authentication_failed,
                                        EventKind::relock_device_revoked};
  std::vector<std::size_t> newest_first(rows.size());
  std::iota(newest_first.begin(), newest_first.end(), std::size_t{0});
  std::sort(newest_first.begin(), newest_first.end(), [&rows](std::size_t a, std::size_t b) {
    return rows[a].time != rows[b].time ? rows[a].time > rows[b].time : a > b;
  });
  std::set<std::pair<std::string, EventKind>> seen;
  std::vector<bool> keep(rows.size());
  for (const std::size_t i : newest_first) {
    const ModelRow& row = rows[i];
    const bool newest = !row.user.empty() && baseline.count(row.kind) != 0 &&
                        seen.insert({row.user, row.kind}).second;
    keep[i] =
        row.time >= cutoff || row.received_at >= cutoff || (newest && row.time >= baseline_cutoff);
  }
  std::vector<ModelRow> kept;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (keep[i]) kept.push_back(rows[i]);
  }
  return kept;
}

inline std::vector<std::string> ids_of(const std::vector<ModelRow>& rows) {
  std::vector<std::string> out;
  for (const ModelRow& row : rows)
    out.push_back(row.id);
  return out;
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace authcorrd::store_testing
