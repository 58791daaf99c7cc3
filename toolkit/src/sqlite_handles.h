// RAII handles over the SQLite C API for the search store: a connection and
// a prepared statement, each closed exactly once, every failure an
// engine::Error naming the database file and SQLite's own message.
// Private to tf_search (the public headers do not include sqlite3.h).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit::sqlite {

class Database {
public:
    Database(const std::string& path, int flags) : path_(path)
    {
        const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close_v2(db_);
            db_ = nullptr;
            throw engine::Error("search database '" + path + "': cannot open: " + message);
        }
        sqlite3_extended_result_codes(db_, 1);
    }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database() { sqlite3_close_v2(db_); }

    sqlite3* get() const { return db_; }
    const std::string& path() const { return path_; }

    // Throws when rc is not one of the expected codes: "<what>: <SQLite's message>".
    void check(int rc, const char* what, int ok = SQLITE_OK) const
    {
        if (rc != ok) {
            throw engine::Error("search database '" + path_ + "': " + what + ": " + sqlite3_errmsg(db_) +
                                " (SQLite code " + std::to_string(rc) + ")");
        }
    }

    void exec(const char* sql) const { check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), sql); }

private:
    std::string path_;
    sqlite3* db_ = nullptr;
};

// A prepared statement. Bind indices are 1-based, column indices 0-based, as in SQLite.
class Statement {
public:
    Statement(const Database& db, const char* sql) : db_(db)
    {
        db_.check(sqlite3_prepare_v2(db_.get(), sql, -1, &stmt_, nullptr), sql);
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() { sqlite3_finalize(stmt_); }

    void bind(int i, const std::string& v)
    {
        db_.check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), "bind text");
    }
    void bind(int i, int64_t v) { db_.check(sqlite3_bind_int64(stmt_, i, v), "bind integer"); }
    void bind(int i, double v) { db_.check(sqlite3_bind_double(stmt_, i, v), "bind real"); }
    template <typename T>
    void bind(int i, const std::optional<T>& v)
    {
        if (v) {
            bind(i, *v);
        } else {
            db_.check(sqlite3_bind_null(stmt_, i), "bind null");
        }
    }

    // Steps once: true when a row is ready, false when done.
    bool step()
    {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        db_.check(rc, sqlite3_sql(stmt_), SQLITE_DONE);
        return false;
    }
    void reset()
    {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    int type(int col) const { return sqlite3_column_type(stmt_, col); }
    int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    double real(int col) const { return sqlite3_column_double(stmt_, col); }
    std::string text(int col) const
    {
        const unsigned char* t = sqlite3_column_text(stmt_, col);
        return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t),
                                                          static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
    }

private:
    const Database& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted (an exception).
class Transaction {
public:
    explicit Transaction(const Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction()
    {
        if (!committed_) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }
    void commit()
    {
        db_.exec("COMMIT");
        committed_ = true;
    }

private:
    const Database& db_;
    bool committed_ = false;
};

}  // namespace tinyformer::toolkit::sqlite
