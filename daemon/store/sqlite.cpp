// RAII wrapper over the SQLite3 C API used by the store (see sqlite.hpp).
#include "daemon/store/sqlite.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <climits>

namespace authcorrd::sqlite {

namespace {

// SQLite takes lengths as int; a longer value would be silently truncated by a cast.
int checked_length(std::string_view text, std::string_view operation) {
  if (text.size() > static_cast<std::size_t>(INT_MAX)) {
    throw StoreError(fmt::format("store: {}: value longer than 2 GiB", operation));
  }
  return static_cast<int>(text.size());
}

}  // namespace

void throw_error(sqlite3* db, std::string_view operation) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  throw StoreError(fmt::format("store: {}: {}", operation, message));
}

void Database::Closer::operator()(sqlite3* db) const noexcept {
  // close_v2 so that a statement someone forgot to finalize cannot make the close fail and leak
  // the file descriptor; the connection goes away with its last statement.
  sqlite3_close_v2(db);
}

Database Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: one connection, used from one thread (store.hpp); the serialized mode's mutexes
  // would only cost time.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);  // owns the handle even on failure: SQLite allocates one to carry the error
  if (rc != SQLITE_OK) {
    throw_error(raw, fmt::format("opening {}", path));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

void Database::exec(const std::string& sql, std::string_view operation) {
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw_error(db_.get(), operation);
  }
}

std::string Database::query_text(const std::string& sql, std::string_view operation) {
  Statement stmt(db_.get(), sql, operation);
  if (!stmt.step()) {
    throw StoreError(fmt::format("store: {}: no result", operation));
  }
  return stmt.column_text(0);
}

std::int64_t Database::query_int(const std::string& sql, std::string_view operation) {
  Statement stmt(db_.get(), sql, operation);
  if (!stmt.step()) {
    throw StoreError(fmt::format("store: {}: no result", operation));
  }
  return stmt.column_int(0);
}

bool Database::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_.get()) == 0;
}

bool Database::read_only() const noexcept {
  return sqlite3_db_readonly(db_.get(), "main") == 1;
}

void Database::set_busy_timeout(int milliseconds) noexcept {
  sqlite3_busy_timeout(db_.get(), milliseconds);
}

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const noexcept {
  sqlite3_finalize(stmt);
}

Statement::Statement(sqlite3* db, std::string_view sql, std::string_view operation)
    : db_(db), operation_(operation) {
  sqlite3_stmt* raw = nullptr;
  // PERSISTENT: these statements live as long as the connection, which tells SQLite to allocate
  // them outside its short-lived lookaside memory.
  const int rc = sqlite3_prepare_v3(db, sql.data(), checked_length(sql, operation),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) {
    throw_error(db, operation);
  }
}

void Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_.get(), index, value) != SQLITE_OK) {
    throw_error(db_, operation_);
  }
}

void Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_.get(), index, value) != SQLITE_OK) {
    throw_error(db_, operation_);
  }
}

void Statement::bind(int index, std::string_view value) {
  // A null data pointer would bind SQL NULL; an empty string_view must stay an empty text.
  const char* data = value.data() != nullptr ? value.data() : "";
  if (sqlite3_bind_text(stmt_.get(), index, data, checked_length(value, operation_),
                        SQLITE_STATIC) != SQLITE_OK) {
    throw_error(db_, operation_);
  }
}

void Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_.get(), index) != SQLITE_OK) {
    throw_error(db_, operation_);
  }
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  throw_error(db_, operation_);
}

std::int64_t Statement::changes() const noexcept {
  return sqlite3_changes64(db_);
}

bool Statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const noexcept {
  return sqlite3_column_int64(stmt_.get(), column);
}

double Statement::column_double(int column) const noexcept {
  return sqlite3_column_double(stmt_.get(), column);
}

std::string Statement::column_text(int column) const {
  return std::string(column_view(column));
}

std::string_view Statement::column_view(int column) const noexcept {
  // text first, then bytes: that order is what SQLite documents as safe for the length.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  if (text == nullptr) {
    return {};
  }
  const int bytes = sqlite3_column_bytes(stmt_.get(), column);
  return {text, static_cast<std::size_t>(bytes)};
}

void Statement::reset() noexcept {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }
}

Transaction::Transaction(Statement& begin, Statement& commit, Statement& rollback, sqlite3* db)
    : commit_(commit), rollback_(rollback), db_(db) {
  const ResetOnExit reset(begin);
  begin.step();
  open_ = true;
}

Transaction::~Transaction() {
  if (!open_) {
    return;
  }
  // Some errors (SQLITE_FULL, I/O errors) already rolled the transaction back; a second
  // ROLLBACK would then fail and is skipped.
  if (sqlite3_get_autocommit(db_) == 0) {
    const ResetOnExit reset(rollback_);
    try {
      rollback_.step();
    } catch (const StoreError&) {
      // Nothing sensible left to do in a destructor; the next BEGIN reports the state.
    }
  }
}

void Transaction::commit() {
  const ResetOnExit reset(commit_);
  commit_.step();
  open_ = false;
}

}  // namespace authcorrd::sqlite
