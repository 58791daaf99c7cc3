// The HTML page of the search report: summary card, plots
// (search_report_plots.cpp), the best candidates of each stage, notes.
#include "tinyformer/toolkit/search_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "search_report_internal.h"
#include "svg_plot.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/toolkit/architecture_json.h"

namespace tinyformer::toolkit {

namespace {

using report::grouped;
using report::kb;
using report::percent;
using svg::html_escape;

constexpr size_t kBestPerStage = 5;

// Inline, so the file opens offline; system fonts only.
const char* const kStyle = R"(
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --card: #ffffff; --page: #f5f6f8; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 28px 20px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 8px; }
p.sub, p.hint { color: var(--muted); margin: 0 0 12px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin-top: 18px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 14px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.tile .label { color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .04em; }
.tile .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .detail { color: var(--muted); font-size: 13px; font-variant-numeric: tabular-nums; }
.gauge { display: flex; height: 10px; border-radius: 5px; background: var(--line); overflow: hidden; margin: 8px 0 4px; }
.gauge .model { background: #0072B2; } .gauge .reserve { background: #9ca3af; }
.over { color: var(--bad); font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
svg { max-width: 100%; height: auto; font-family: inherit; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; font-size: 13px; color: var(--muted); margin-top: 6px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px; vertical-align: -1px; }
.swatch.hollow { background: none !important; border: 1.5px solid var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.config, th.config { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
code { font-size: 12px; }
.tick { font-size: 11px; fill: #6b7280; } .axis-title, .panel-title { font-size: 12px; fill: #374151; font-weight: 600; }
.grid { stroke: #eceef1; } .axis { stroke: #9ca3af; }
.limit { stroke: #b91c1c; stroke-width: 1.5; stroke-dasharray: 6 4; } .limit-label { font-size: 11px; fill: #b91c1c; }
.arena { stroke: #111827; stroke-width: 1; stroke-dasharray: 4 3; } .arena-label { font-size: 11px; fill: #111827; }
.strip { stroke: #d1d5db; stroke-dasharray: 2 3; } .strip-label { font-size: 10px; fill: #9ca3af; }
.candidate { stroke-width: 1.2; fill-opacity: .75; } .candidate.infeasible { stroke-width: 1.5; }
.chosen { stroke-width: 2.2; } .chosen-label { font-size: 12px; font-weight: 700; fill: #111827; }
.chosen-label, .limit-label, .strip-label { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
.row-label, .row-note, .key { font-size: 11px; fill: #374151; } .band { fill: #f7f8fa; }
.bar-output { fill: #0072B2; } .bar-scratch { fill: #E69F00; } .bar-held { fill: #9ecae1; }
.bar-flash { fill: #009E73; } .bar-compute { fill: #CC79A7; }
.bar-dense { fill: #9ca3af; } .bar-block2 { fill: #56B4E9; } .bar-block3 { fill: #E69F00; } .bar-block4 { fill: #009E73; }
)";

std::string tile(const std::string& label, const std::string& value, const std::string& detail_html)
{
    return "<div class=\"tile\"><div class=\"label\">" + html_escape(label) + "</div><div class=\"value\">" +
           html_escape(value) + "</div><div class=\"detail\">" + detail_html + "</div></div>\n";
}

// A bar of the limit: the model's part, then the reserve's (CSS widths in % of the limit, capped at 100).
std::string gauge(int64_t model_bytes, int64_t reserve_bytes, int64_t limit_bytes)
{
    auto width = [&](int64_t bytes, int64_t room) {
        return svg::number(std::clamp(100.0 * static_cast<double>(bytes) / static_cast<double>(limit_bytes), 0.0,
                                      100.0 * static_cast<double>(std::max<int64_t>(room, 0)) /
                                          static_cast<double>(limit_bytes)),
                           2);
    };
    return "<div class=\"gauge\"><div class=\"model\" style=\"width:" + width(model_bytes, limit_bytes) +
           "%\"></div><div class=\"reserve\" style=\"width:" + width(reserve_bytes, limit_bytes - model_bytes) +
           "%\"></div></div>";
}

std::string memory_tile(const std::string& what, const std::string& model_part, int64_t model_bytes,
                        int64_t reserve_bytes, int64_t limit_bytes)
{
    const int64_t needed = model_bytes + reserve_bytes;
    std::string detail = gauge(model_bytes, reserve_bytes, limit_bytes) + html_escape(model_part) + " " +
                         kb(model_bytes) + " KB + reserve " + kb(reserve_bytes) + " KB = " + kb(needed) + " KB of " +
                         kb(limit_bytes) + " KB";
    if (needed > limit_bytes) {
        detail += " <span class=\"over\">over by " + kb(needed - limit_bytes) + " KB</span>";
    }
    return tile(what, svg::number(100.0 * static_cast<double>(needed) / static_cast<double>(limit_bytes), 1) +
                          " % used",
                detail);
}

std::string summary_card(const SearchReport& r)
{
    const ChosenModel& c = r.chosen;
    const engine::CompiledModel& m = *c.model;
    const McuTarget& t = r.target;
    std::string tiles;
    tiles += tile("int8 accuracy (C kernels)", percent(c.accuracy_int8),
                  "dense fp32 " + html_escape(percent(c.accuracy_fp32)) + " · pruned fp32 " +
                      html_escape(percent(c.accuracy_pruned)));
    tiles += memory_tile("SRAM", "arena", m.arena_bytes(), t.reserved_sram, t.sram_bytes);
    tiles += memory_tile("Flash", "constants", m.constant_bytes(), t.reserved_flash, t.flash_bytes);
    // Instructions: the firmware's count under QEMU when profiled, else the engine's estimate.
    const int64_t estimated = engine::estimate_instructions(m).total;
    std::string compute_detail = grouped(m.total_macs()) + " MACs";
    int64_t instructions = estimated;
    if (c.profile && c.profile->profiled()) {
        instructions = *c.profile->total_instructions;
        const double off = 100.0 * static_cast<double>(estimated - instructions) /
                           static_cast<double>(std::max<int64_t>(1, instructions));
        compute_detail += " · measured under QEMU; estimated " + grouped(estimated) + " (" +
                          (off >= 0.0 ? "+" : "") + svg::number(off, 1) + "%)";
    } else {
        compute_detail += " · estimated by the instruction model (not profiled on the target)";
    }
    const std::string compute_value =
        svg::number(static_cast<double>(instructions) / 1e6, 2) + " M instructions";
    compute_detail += " · " + svg::number(static_cast<double>(instructions) / std::max<int64_t>(1, m.total_macs()), 2) +
                      " instructions per MAC";
    if (r.clock_hz > 0.0) {
        compute_detail += " · " + svg::number(1e3 * static_cast<double>(instructions) / r.clock_hz, 1) + " ms at " +
                          svg::number(r.clock_hz / 1e6, 0) + " MHz (one instruction per cycle)";
    }
    if (t.max_macs > 0) {
        compute_detail += " · limit " + grouped(t.max_macs) + " MACs" +
                          (m.total_macs() > t.max_macs ? " <span class=\"over\">over</span>" : "");
    }
    if (t.max_instructions > 0) {
        compute_detail += " · limit " + grouped(t.max_instructions) + " estimated instructions" +
                          (estimated > t.max_instructions ? " <span class=\"over\">over</span>" : "");
    }
    tiles += tile("Compute per inference", compute_value, compute_detail);
    tiles += tile("Parameters", grouped(effective_parameter_count(c.config)) + " kept",
                  "of " + grouped(parameter_count(c.config)) + " dense · " + std::to_string(m.layers.size()) +
                      " layers");
    return "<section class=\"card\">\n<p class=\"sub\">Target <b>" + html_escape(t.name) + "</b>: " +
           kb(t.sram_bytes) + " KB SRAM (" + kb(t.reserved_sram) + " KB reserved for stack, heap and runtime), " +
           kb(t.flash_bytes) + " KB flash (" + kb(t.reserved_flash) +
           " KB reserved for code). The chosen model:</p>\n<div class=\"tiles\">\n" + tiles + "</div>\n</section>\n";
}

std::string legend(const SearchReport& r)
{
    std::string out = "<div class=\"legend\">";
    const std::vector<std::string> stages = report::stage_order(r.candidates);
    for (size_t i = 0; i < stages.size(); i++) {
        const auto n = std::count_if(r.candidates.begin(), r.candidates.end(),
                                     [&](const SearchRecord& c) { return c.stage == stages[i]; });
        out += "<span><span class=\"swatch\" style=\"background:" + report::stage_colour(i) + "\"></span>" +
               html_escape(stages[i]) + " (" + std::to_string(n) + ")</span>";
    }
    out += "<span><span class=\"swatch hollow\"></span>over a limit or not trained</span>"
           "<span>◯ chosen</span><span style=\"color:#b91c1c\">- - - what the model may use (limit minus "
           "reserve)</span></div>\n";
    return out;
}

// "16/2 stride2 m[2] · 32/2 maxpool m[2] T[r2 pair e1] · seqpool · fc 64 · 43 % pruned"
std::string config_summary(const SearchRecord& record)
{
    if (!record.config_json) {
        return record.key;
    }
    ArchConfig c;
    try {
        c = arch_config_from_json(*record.config_json);
    } catch (const engine::Error& e) {
        throw engine::Error("candidate '" + record.key + "' of stage '" + record.stage + "': config: " + e.what());
    }
    std::string s;
    for (size_t d = 0; d < c.dots.size(); d++) {
        const DoTConfig& dot = c.dots[d];
        s += (d ? " · " : "") + std::to_string(dot.dim) + "/" + std::to_string(dot.heads) + " " +
             downsample_name(dot.downsample) + " m[";
        for (size_t i = 0; i < dot.mbv2_expansions.size(); i++) {
            s += (i ? "," : "") + std::to_string(dot.mbv2_expansions[i]);
        }
        s += "]";
        for (const TransformerChoice& tr : dot.transformers) {
            s += " T[r" + std::to_string(tr.mlp_ratio) + (tr.conv_pair ? " pair" : "") + " e" +
                 std::to_string(tr.encoders) + "]";
        }
    }
    s += std::string(" · ") + pooling_name(c.pooling) + " · fc " + std::to_string(c.last_dim);
    if (!c.sparsity.empty()) {
        const double kept = static_cast<double>(effective_parameter_count(c));
        s += " · " + svg::number(100.0 * (1.0 - kept / static_cast<double>(parameter_count(c))), 0) + " % pruned";
    }
    return s;
}

// Table cells: a fixed number of decimals, so a column's digits line up.
std::string fixed(double value, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string optional_kb(const std::optional<int64_t>& bytes)
{
    return bytes ? fixed(static_cast<double>(*bytes) / 1024.0, 1) : "–";
}

std::string best_candidates(const SearchReport& r)
{
    std::string out;
    for (const std::string& stage : report::stage_order(r.candidates)) {
        std::vector<const SearchRecord*> records;
        std::map<RecordStatus, int> by_status;
        double seconds = 0.0;
        for (const SearchRecord& c : r.candidates) {
            if (c.stage == stage) {
                records.push_back(&c);
                by_status[c.status]++;
                seconds += c.seconds;
            }
        }
        // Best score first; records without a finite score last; the earlier record first among equals.
        auto rank = [](const SearchRecord* c) {
            return c->score && std::isfinite(*c->score) ? *c->score : -INFINITY;
        };
        std::stable_sort(records.begin(), records.end(),
                         [&](const SearchRecord* a, const SearchRecord* b) { return rank(a) > rank(b); });
        out += "<h3>" + html_escape(stage) + "</h3>\n<p class=\"hint\">" + std::to_string(records.size()) +
               " candidates (" + std::to_string(by_status[RecordStatus::Ok]) + " ok, " +
               std::to_string(by_status[RecordStatus::Infeasible]) + " infeasible, " +
               std::to_string(by_status[RecordStatus::Failed]) + " failed), " + svg::number(seconds, 1) +
               " s of evaluation. The best " + std::to_string(std::min(kBestPerStage, records.size())) +
               " by score:</p>\n<table>\n<tr><th>#</th><th>iter.</th><th class=\"config\">config</th><th>arena KB</th>"
               "<th>flash KB</th><th>M MACs</th><th>M instr. (est.)</th><th>fp32</th><th>pruned</th><th>int8</th><th>score</th><th>s</th>"
               "<th>status</th></tr>\n";
        for (size_t i = 0; i < std::min(kBestPerStage, records.size()); i++) {
            const SearchRecord& c = *records[i];
            const bool over = report::is_infeasible(c, r.target);
            out += "<tr><td>" + std::to_string(i + 1) + "</td><td>" + std::to_string(c.iteration) +
                   "</td><td class=\"config\"><code>" + html_escape(config_summary(c)) + "</code></td><td>" +
                   optional_kb(c.arena_bytes) + "</td><td>" + optional_kb(c.constant_bytes) + "</td><td>" +
                   (c.macs ? fixed(static_cast<double>(*c.macs) / 1e6, 2) : "–") + "</td><td>" +
                   (c.latency_instructions ? fixed(static_cast<double>(*c.latency_instructions) / 1e6, 2) : "–") +
                   "</td><td>" + percent(c.accuracy_fp32) + "</td><td>" + percent(c.accuracy_pruned) + "</td><td>" +
                   percent(c.accuracy_int8) + "</td><td>" +
                   (c.score && std::isfinite(*c.score) ? fixed(*c.score, 4) : "–") + "</td><td>" +
                   fixed(c.seconds, 1) + "</td><td" + (over ? " class=\"over\"" : "") + ">" +
                   record_status_name(c.status) + "</td></tr>\n";
        }
        out += "</table>\n";
    }
    return out;
}

void check_report(const SearchReport& r)
{
    check_target(r.target);
    TF_CHECK(r.chosen.model != nullptr, "search report '", r.title,
             "': the chosen model's CompiledModel is missing (chosen.model is null)");
    (void)layers(r.chosen.config);  // throws for a config that cannot be built, naming the setting
    if (r.chosen.profile) {
        const FirmwareProfile& p = *r.chosen.profile;
        const engine::CompiledModel& m = *r.chosen.model;
        TF_CHECK(p.layers.size() == m.layers.size(), "search report: the firmware profile has ", p.layers.size(),
                 " layers, the chosen model ", m.layers.size(), ": the profile is of another model");
        for (size_t i = 0; i < p.layers.size(); i++) {
            TF_CHECK(p.layers[i].name == m.layers[i].name, "search report: firmware profile layer ", i, " is '",
                     p.layers[i].name, "', the chosen model's is '", m.layers[i].name,
                     "': the profile is of another model");
        }
    }
}

}  // namespace

std::string html_report(const SearchReport& r)
{
    check_report(r);
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" << html_escape(r.title)
      << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<main>\n";
    h << "<h1>" << html_escape(r.title) << "</h1>\n<p class=\"sub\">";
    if (!r.dataset.empty()) {
        h << html_escape(r.dataset) << " · ";
    }
    h << "target " << html_escape(r.target.name);
    if (!r.preset.empty()) {
        h << " · preset " << html_escape(r.preset);
    }
    h << " · seed " << r.seed << " · " << r.candidates.size() << " candidates evaluated · "
      << svg::number(r.seconds / 60.0, 1) << " min</p>\n";
    h << summary_card(r);

    h << "<section class=\"card\">\n<h2>Candidates against the limits</h2>\n<p class=\"hint\">Every evaluated "
         "candidate with resources: accuracy (int8 from the C kernels, else the search's score) against the "
         "peak SRAM of its activation arena and against the flash of its constants, as the engine's planner and "
         "codec lay them out. Hover a point for its figures.</p>\n<div class=\"plots\">\n"
      << report::candidate_scatter(r, false) << report::candidate_scatter(r, true) << "</div>\n"
      << legend(r) << "</section>\n";

    const bool profiled = r.chosen.profile && r.chosen.profile->profiled();
    h << "<section class=\"card\">\n<h2>The chosen model, layer by layer</h2>\n<p class=\"hint\">Arena bytes live "
         "while each layer runs (its output, its scratch, and its inputs and activations held for later layers), "
         "the flash of its weights, biases and requantization parameters, and "
      << (profiled ? "the instructions it took on the target (firmware profile)"
                   : "its multiply-accumulates (not profiled on the target)")
      << ".</p>\n"
      << report::layer_bars(r) << "</section>\n";

    h << "<section class=\"card\">\n<h2>Sparsity</h2>\n<p class=\"hint\">Per prunable layer: the fraction of "
         "all-zero weight blocks (rho) and the block size (2 or 4 along the reduction, 3 along the width of 3x3 "
         "kernels).</p>\n"
      << report::sparsity_bars(r.chosen.config) << "</section>\n";

    h << "<section class=\"card\">\n<h2>Best candidates per stage</h2>\n";
    if (r.candidates.empty()) {
        h << "<p class=\"hint\">No candidates were recorded.</p>\n";
    }
    h << best_candidates(r) << "</section>\n";

    if (!r.chosen.notes.empty()) {
        h << "<section class=\"card\">\n<h2>Notes</h2>\n";
        for (const std::string& note : r.chosen.notes) {
            h << "<p>" << html_escape(note) << "</p>\n";
        }
        h << "</section>\n";
    }
    h << "<p class=\"hint\">1 KB = 1024 bytes. Made by TinyFormer; this file is self-contained.</p>\n"
      << "</main>\n</body>\n</html>\n";
    return h.str();
}

void write_html_report(const SearchReport& report, const std::string& path)
{
    const std::string html = html_report(report);
    std::ofstream out(path, std::ios::binary);
    TF_CHECK(out.good(), "search report: cannot open '", path, "' for writing");
    out << html;
    out.close();
    TF_CHECK(!out.fail(), "search report: writing '", path, "' failed (disk full?)");
}

}  // namespace tinyformer::toolkit
