// The record of a search run: one SQLite file per run, one row per evaluated
// candidate (its config, resources, accuracies, score, time). It is what makes
// a search resumable: a killed search reopens the file, finds every finished
// evaluation by (stage, key) and redoes none of them.
//
//   SearchStore store = SearchStore::open("runs/cifar.sqlite", RunSettings{seed, settings_json});
//   if (auto done = store.find("selection", key)) { use done->score; }
//   else { SearchRecord r{...}; store.record(r); }   // one transaction: all of the row or none
//
// Tables (docs/search.md "Search records (SQLite)"): `run` (one row: seed,
// settings JSON, created) and `evaluations` (stage, key, iteration, config
// JSON, arena_bytes, constant_bytes, macs, latency_instructions, accuracy_fp32,
// accuracy_pruned, accuracy_int8, extras JSON, score, seconds, status,
// created; unique (stage, key)). The file is in WAL mode, so a kill at any
// moment leaves whole rows only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tinyformer::toolkit {

enum class RecordStatus : uint8_t {
    Ok,          // evaluated; score valid
    Infeasible,  // over a resource limit; not trained
    Failed,      // evaluation ran but failed (e.g. training diverged); score as the caller set it
};
const char* record_status_name(RecordStatus status);  // "ok", "infeasible", "failed"

// One evaluated candidate. Optional fields are NULL in the database.
struct SearchRecord {
    std::string stage;  // e.g. "supernet", "selection", "compression"
    std::string key;    // the candidate's identity within its stage (a genome or config JSON)
    int32_t iteration = 0;
    std::optional<std::string> config_json;  // the candidate's architecture (architecture_json.h)
    // Resources (resources.h): peak SRAM of the activations, flash of the constants, MACs, and the
    // latency as the instruction model's estimate (engine/instruction_model.h).
    std::optional<int64_t> arena_bytes, constant_bytes, macs, latency_instructions;
    // Top-1 accuracies in [0, 1]: trained fp32, after pruning (fp32), int8 from the C kernels.
    std::optional<double> accuracy_fp32, accuracy_pruned, accuracy_int8;
    std::string extras_json = "{}";  // a JSON object: anything else the stage measured
    std::optional<double> score;     // what the search ranks by; required when status is Ok
    double seconds = 0.0;            // wall time of the evaluation
    RecordStatus status = RecordStatus::Ok;
    std::string created;  // UTC "YYYY-MM-DDTHH:MM:SS.SSSZ"; set by the store, ignored by record()
};

// What makes two runs the same search: a resumed run must have the same.
struct RunSettings {
    uint64_t seed = 1;
    std::string settings_json = "{}";  // a JSON object of every option that changes the search's choices
};

enum class OpenMode {
    ResumeOrCreate,  // an existing file must hold the same settings
    Fresh,           // delete an existing file (and its -wal / -shm) first
};

class SearchStore {
public:
    // Creates the file, or reopens one this class made. Throws engine::Error
    // naming the file when it is not an SQLite database, is one with another
    // schema, or was made with other settings (naming the first differing
    // setting, both values, and the remedy: another file or --fresh).
    static SearchStore open(const std::string& path, const RunSettings& settings,
                            OpenMode mode = OpenMode::ResumeOrCreate);

    SearchStore(SearchStore&&) noexcept;
    SearchStore& operator=(SearchStore&&) noexcept;
    ~SearchStore();

    const std::string& path() const;
    uint64_t seed() const;
    const std::string& settings_json() const;  // canonical (sorted keys)
    const std::string& created() const;

    std::optional<SearchRecord> find(const std::string& stage, const std::string& key) const;
    // Writes one row in one transaction. Throws engine::Error when (stage, key)
    // is already recorded, an Ok record has no score, or config / extras is
    // not valid JSON.
    void record(const SearchRecord& record);
    // Every record of a stage, in the order they were recorded.
    std::vector<SearchRecord> records(const std::string& stage) const;

private:
    struct Impl;
    explicit SearchStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tinyformer::toolkit
