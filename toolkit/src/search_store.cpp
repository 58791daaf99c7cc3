// The SQLite record of a search run (search_store.h).
#include "tinyformer/toolkit/search_store.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "sqlite_handles.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {
namespace {

using nlohmann::json;

// PRAGMA application_id marks the file as ours ("TFSR"); user_version is the
// schema version, raised whenever the tables change.
constexpr int32_t kApplicationId = 0x54465352;
constexpr int32_t kSchemaVersion = 1;

const char* const kSchema = R"sql(
CREATE TABLE run (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seed INTEGER NOT NULL,          -- the uint64 seed's bits as int64
  settings TEXT NOT NULL,         -- canonical JSON object
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stage TEXT NOT NULL,
  key TEXT NOT NULL,
  iteration INTEGER NOT NULL,
  config TEXT,
  arena_bytes INTEGER,
  constant_bytes INTEGER,
  macs INTEGER,
  latency_instructions INTEGER,
  accuracy_fp32 REAL,
  accuracy_pruned REAL,
  accuracy_int8 REAL,
  extras TEXT NOT NULL DEFAULT '{}',
  score REAL,
  seconds REAL NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'infeasible', 'failed')),
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (stage, key)
);
)sql";

const char* const kEvaluationColumns =
    "stage, key, iteration, config, arena_bytes, constant_bytes, macs, latency_instructions, accuracy_fp32, "
    "accuracy_pruned, accuracy_int8, extras, score, seconds, status, created, id";

std::string select_evaluations(const char* where)
{
    return std::string("SELECT ") + kEvaluationColumns + " FROM evaluations WHERE " + where;
}

bool has_sqlite_header(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    return in.gcount() == 0 || std::memcmp(header, "SQLite format 3", 16) == 0;
}

int64_t pragma_integer(const sqlite::Database& db, const char* sql)
{
    sqlite::Statement s(db, sql);
    return s.step() ? s.integer(0) : 0;
}

json parse_json(const std::string& text, const std::string& what)
{
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        throw engine::Error(what + " is not valid JSON (byte " + std::to_string(e.byte) + "): " + text);
    }
}

// The first place two settings differ, as "setting 'a.b': stored X, this run Y".
std::optional<std::string> first_difference(const json& stored, const json& now, const std::string& path)
{
    if (stored.is_object() && now.is_object()) {
        std::set<std::string> keys;
        for (auto it = stored.begin(); it != stored.end(); ++it) keys.insert(it.key());
        for (auto it = now.begin(); it != now.end(); ++it) keys.insert(it.key());
        for (const std::string& k : keys) {
            const std::string sub = path.empty() ? k : path + "." + k;
            if (!stored.contains(k) || !now.contains(k)) {
                return "setting '" + sub + "': stored " + (stored.contains(k) ? stored[k].dump() : "(absent)") +
                       ", this run " + (now.contains(k) ? now[k].dump() : "(absent)");
            }
            if (auto d = first_difference(stored[k], now[k], sub)) {
                return d;
            }
        }
        return std::nullopt;
    }
    if (stored != now) {
        return "setting '" + (path.empty() ? std::string("(all)") : path) + "': stored " + stored.dump() +
               ", this run " + now.dump();
    }
    return std::nullopt;
}

RecordStatus status_from_name(const std::string& name, const std::string& where)
{
    for (RecordStatus s : {RecordStatus::Ok, RecordStatus::Infeasible, RecordStatus::Failed}) {
        if (name == record_status_name(s)) {
            return s;
        }
    }
    throw engine::Error(where + ": status '" + name + "' is not one of ok, infeasible, failed");
}

}  // namespace

const char* record_status_name(RecordStatus status)
{
    switch (status) {
    case RecordStatus::Ok: return "ok";
    case RecordStatus::Infeasible: return "infeasible";
    case RecordStatus::Failed: return "failed";
    }
    TF_INTERNAL_ASSERT(false);
    return "";
}

struct SearchStore::Impl {
    // Declaration order matters: the schema is checked (or made) before the
    // statements are prepared, and they are finalized before the connection closes.
    sqlite::Database db;
    bool schema_ready;
    std::string path;
    uint64_t seed = 0;
    std::string settings_json;
    std::string created;
    sqlite::Statement find_statement;
    sqlite::Statement insert_statement;
    sqlite::Statement stage_statement;

    explicit Impl(const std::string& p)
        : db(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE),
          schema_ready(prepare_schema(db)),
          path(p),
          find_statement(db, select_evaluations("stage = ? AND key = ?").c_str()),
          insert_statement(db, "INSERT INTO evaluations (stage, key, iteration, config, arena_bytes, constant_bytes, "
                               "macs, latency_instructions, accuracy_fp32, accuracy_pruned, accuracy_int8, extras, "
                               "score, seconds, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          stage_statement(db, select_evaluations("stage = ? ORDER BY id").c_str())
    {
    }

    // Checks the file is ours, or empty (and then makes it ours).
    static bool prepare_schema(const sqlite::Database& db)
    {
        const std::string& path = db.path();
        db.check(sqlite3_busy_timeout(db.get(), 5000), "set busy timeout");
        const int64_t application_id = pragma_integer(db, "PRAGMA application_id");
        const int64_t tables = pragma_integer(db, "SELECT count(*) FROM sqlite_master");
        if (application_id == kApplicationId) {
            const int64_t version = pragma_integer(db, "PRAGMA user_version");
            TF_CHECK(version == kSchemaVersion, "search database '", path, "' has schema version ", version,
                     "; this build reads version ", kSchemaVersion, ": use another file or --fresh");
        } else {
            TF_CHECK(tables == 0 && application_id == 0, "search database '", path,
                     "' is an SQLite database but not a TinyFormer search record (application_id ", application_id,
                     ", ", tables, " schema entries; expected application_id ", kApplicationId,
                     "): use another file");
            // WAL: a kill mid-write leaves the last committed row intact and no half row. NORMAL sync
            // survives a killed process (only a power cut can lose the newest rows, never corrupt them).
            db.exec("PRAGMA journal_mode = WAL");
            sqlite::Transaction t(db);
            db.exec(kSchema);
            db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
            db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
            t.commit();
        }
        db.exec("PRAGMA synchronous = NORMAL");
        return true;
    }

    SearchRecord read_row(const sqlite::Statement& s) const
    {
        const std::string where = "search database '" + path + "', evaluations row " + std::to_string(s.integer(16));
        SearchRecord r;
        r.stage = s.text(0);
        r.key = s.text(1);
        r.iteration = static_cast<int32_t>(s.integer(2));
        if (!s.is_null(3)) r.config_json = s.text(3);
        auto integer = [&](int col) { return s.is_null(col) ? std::optional<int64_t>() : s.integer(col); };
        auto real = [&](int col) { return s.is_null(col) ? std::optional<double>() : s.real(col); };
        r.arena_bytes = integer(4);
        r.constant_bytes = integer(5);
        r.macs = integer(6);
        r.latency_instructions = integer(7);
        r.accuracy_fp32 = real(8);
        r.accuracy_pruned = real(9);
        r.accuracy_int8 = real(10);
        r.extras_json = s.text(11);
        r.score = real(12);
        r.seconds = s.real(13);
        r.status = status_from_name(s.text(14), where);
        r.created = s.text(15);
        TF_CHECK(r.status != RecordStatus::Ok || r.score.has_value(), where, " (stage '", r.stage, "', key '", r.key,
                 "'): status ok without a score");
        return r;
    }
};

SearchStore::SearchStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchStore::SearchStore(SearchStore&&) noexcept = default;
SearchStore& SearchStore::operator=(SearchStore&&) noexcept = default;
SearchStore::~SearchStore() = default;

SearchStore SearchStore::open(const std::string& path, const RunSettings& settings, OpenMode mode)
{
    const json wanted = parse_json(settings.settings_json, "search settings for '" + path + "'");
    TF_CHECK(wanted.is_object(), "search settings for '", path, "' must be a JSON object, got ",
             settings.settings_json);
    if (mode == OpenMode::Fresh) {
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            std::filesystem::remove(path + suffix);
        }
    }
    // SQLite would only say "file is not a database" at the first query; say which file and what to do.
    TF_CHECK(has_sqlite_header(path), "search database '", path,
             "' is not an SQLite database (no SQLite header): use another file");

    auto impl = std::make_unique<Impl>(path);
    sqlite::Transaction t(impl->db);
    sqlite::Statement read(impl->db, "SELECT seed, settings, created FROM run WHERE id = 1");
    if (read.step()) {
        const auto stored_seed = static_cast<uint64_t>(read.integer(0));
        TF_CHECK(stored_seed == settings.seed, "search database '", path, "' belongs to a search with seed ",
                 stored_seed, ", not ", settings.seed, ": use another file, or --fresh to start over");
        const json stored = parse_json(read.text(1), "search database '" + path + "': stored settings");
        if (auto difference = first_difference(stored, wanted, "")) {
            throw engine::Error("search database '" + path + "' belongs to a search with other settings (" +
                                *difference + "): use another file, or --fresh to start over");
        }
        impl->created = read.text(2);
    } else {
        sqlite::Statement insert(impl->db, "INSERT INTO run (id, seed, settings) VALUES (1, ?, ?)");
        insert.bind(1, static_cast<int64_t>(settings.seed));
        insert.bind(2, wanted.dump());
        insert.step();
        sqlite::Statement read_created(impl->db, "SELECT created FROM run WHERE id = 1");
        read_created.step();
        impl->created = read_created.text(0);
    }
    t.commit();
    impl->seed = settings.seed;
    impl->settings_json = wanted.dump();
    return SearchStore(std::move(impl));
}

const std::string& SearchStore::path() const { return impl_->path; }
uint64_t SearchStore::seed() const { return impl_->seed; }
const std::string& SearchStore::settings_json() const { return impl_->settings_json; }
const std::string& SearchStore::created() const { return impl_->created; }

std::optional<SearchRecord> SearchStore::find(const std::string& stage, const std::string& key) const
{
    sqlite::Statement& s = impl_->find_statement;
    s.reset();
    s.bind(1, stage);
    s.bind(2, key);
    std::optional<SearchRecord> found;
    if (s.step()) {
        found = impl_->read_row(s);
    }
    s.reset();
    return found;
}

void SearchStore::record(const SearchRecord& r)
{
    const std::string what = "search record (stage '" + r.stage + "', key '" + r.key + "')";
    TF_CHECK(!r.stage.empty() && !r.key.empty(), what, ": stage and key must not be empty");
    TF_CHECK(r.status != RecordStatus::Ok || r.score.has_value(), what, ": status ok needs a score");
    // SQLite stores NaN as NULL: a NaN score would come back as "no score".
    TF_CHECK(!r.score || !std::isnan(*r.score), what, ": score is NaN");
    if (r.config_json) {
        parse_json(*r.config_json, what + ": config");
    }
    TF_CHECK(parse_json(r.extras_json, what + ": extras").is_object(), what, ": extras must be a JSON object, got ",
             r.extras_json);

    sqlite::Transaction t(impl_->db);
    TF_CHECK(!find(r.stage, r.key), what, " is already in '", impl_->path, "': each candidate is recorded once");
    sqlite::Statement& s = impl_->insert_statement;
    s.reset();
    s.bind(1, r.stage);
    s.bind(2, r.key);
    s.bind(3, static_cast<int64_t>(r.iteration));
    s.bind(4, r.config_json);
    s.bind(5, r.arena_bytes);
    s.bind(6, r.constant_bytes);
    s.bind(7, r.macs);
    s.bind(8, r.latency_instructions);
    s.bind(9, r.accuracy_fp32);
    s.bind(10, r.accuracy_pruned);
    s.bind(11, r.accuracy_int8);
    s.bind(12, r.extras_json);
    s.bind(13, r.score);
    s.bind(14, r.seconds);
    s.bind(15, std::string(record_status_name(r.status)));
    s.step();
    s.reset();
    t.commit();
}

std::vector<SearchRecord> SearchStore::records(const std::string& stage) const
{
    sqlite::Statement& s = impl_->stage_statement;
    s.reset();
    s.bind(1, stage);
    std::vector<SearchRecord> out;
    while (s.step()) {
        out.push_back(impl_->read_row(s));
    }
    s.reset();
    return out;
}

}  // namespace tinyformer::toolkit
