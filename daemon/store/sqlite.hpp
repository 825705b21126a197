// A thin RAII layer over the SQLite3 C API for the store: one connection, prepared statements
// that reset themselves after each use, and an IMMEDIATE transaction that rolls back unless
// committed. Private to daemon/store/; nothing outside the store sees SQLite.
//
// Every failure throws StoreError whose message names the operation and carries SQLite's own
// message (sqlite3_errmsg), never a bound value, so event data cannot leak into logs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace authcorrd::sqlite {

// Builds "store: <operation>: <sqlite message>" from the connection's current error and throws
// it. Call it before anything else touches the connection: a later ROLLBACK overwrites the
// message.
[[noreturn]] void throw_error(sqlite3* db, std::string_view operation);

class Database {
 public:
  // Opens read-write, creating the file (never its directory). The path is part of the error
  // message because an operator has to find the file.
  static Database open(const std::string& path);

  sqlite3* get() const noexcept { return db_.get(); }

  // Runs SQL that returns no rows we need (pragmas with side effects, DDL, BEGIN/COMMIT).
  void exec(const std::string& sql, std::string_view operation);
  // Runs a statement that returns one row of one column and gives that column as text/integer.
  std::string query_text(const std::string& sql, std::string_view operation);
  std::int64_t query_int(const std::string& sql, std::string_view operation);

  bool in_transaction() const noexcept;
  // SQLite silently falls back to read-only when the file is not writable.
  bool read_only() const noexcept;
  // How long a statement waits for another connection's lock before failing with "database is
  // locked".
  void set_busy_timeout(int milliseconds) noexcept;

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

// A prepared statement owned for the connection's lifetime (prepared once, reused per call).
// Parameter indexes are 1-based as in SQLite, columns 0-based.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, std::string_view operation);

  void bind(int index, std::int64_t value);
  void bind(int index, double value);
  // Bound without copying: the text must stay alive until the statement is reset.
  void bind(int index, std::string_view value);
  void bind_null(int index);

  // Steps once: true when a row is available, false when done. Throws on error.
  bool step();
  // Rows modified by the last completed INSERT/UPDATE/DELETE (not counting triggers).
  std::int64_t changes() const noexcept;

  bool is_null(int column) const noexcept;
  std::int64_t column_int(int column) const noexcept;
  double column_double(int column) const noexcept;
  // Exact bytes, embedded NULs included; empty for NULL.
  std::string column_text(int column) const;
  std::string_view column_view(int column) const noexcept;  // valid until the next step/reset

  // Makes the statement reusable and drops the bound pointers.
  void reset() noexcept;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  std::string operation_;
};

// Resets a statement when leaving the scope, whether by return or by exception, so a statement
// that threw (or a callback that threw mid-iteration) never keeps a read transaction open.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& stmt) noexcept : stmt_(stmt) {}
  ~ResetOnExit() { stmt_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& stmt_;
};

// BEGIN IMMEDIATE takes the write lock up front, so a transaction can fail only at its start
// (busy) or on a real error, never half-way on a lock upgrade. Rolls back on destruction unless
// commit() succeeded.
class Transaction {
 public:
  Transaction(Statement& begin, Statement& commit, Statement& rollback, sqlite3* db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Statement& commit_;
  Statement& rollback_;
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace authcorrd::sqlite
