// The plots of the search report: candidates against the limits, the chosen
// model's layers, its sparsity. Each is one inline <svg>.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "search_report_internal.h"
#include "svg_plot.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/engine/model_report.h"

namespace tinyformer::toolkit::report {

std::string kb(int64_t bytes) { return svg::number(static_cast<double>(bytes) / 1024.0, 1); }

std::string grouped(int64_t n)
{
    const std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); i++) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return (n < 0 ? "-" : "") + out;
}

std::string percent(std::optional<double> fraction)
{
    if (!fraction || !std::isfinite(*fraction)) {
        return "–";
    }
    char buffer[32];  // always two decimals: table columns line up
    std::snprintf(buffer, sizeof buffer, "%.2f %%", *fraction * 100.0);
    return buffer;
}

std::vector<std::string> stage_order(const std::vector<SearchRecord>& candidates)
{
    std::vector<std::string> stages;
    for (const SearchRecord& c : candidates) {
        if (std::find(stages.begin(), stages.end(), c.stage) == stages.end()) {
            stages.push_back(c.stage);
        }
    }
    return stages;
}

std::string stage_colour(size_t stage_index)
{
    // Okabe-Ito: told apart with the common colour-vision deficiencies.
    static const char* const colours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9"};
    return colours[stage_index % (sizeof colours / sizeof colours[0])];
}

std::optional<double> plotted_accuracy(const SearchRecord& record)
{
    if (record.accuracy_int8 && std::isfinite(*record.accuracy_int8)) {
        return record.accuracy_int8;
    }
    if (record.score && std::isfinite(*record.score)) {
        return record.score;
    }
    return std::nullopt;
}

bool is_infeasible(const SearchRecord& record, const McuTarget& target)
{
    if (record.status == RecordStatus::Infeasible) {
        return true;
    }
    Resources r;
    r.arena_bytes = record.arena_bytes.value_or(0);
    r.constant_bytes = record.constant_bytes.value_or(0);
    r.macs = record.macs.value_or(0);
    r.instructions = record.latency_instructions.value_or(0);
    return !fits(r, target);
}

namespace {

double to_kb(int64_t bytes) { return static_cast<double>(bytes) / 1024.0; }

// Enough decimals to tell the ticks apart: 0 for a step of 1 or more, 1 for 0.5, 2 for 0.05, ...
int tick_decimals(const svg::Ticks& t)
{
    return t.step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(t.step) - 1e-9));
}

std::string shortened(const std::string& text, size_t most)
{
    return text.size() <= most ? text : text.substr(0, most - 1) + "…";
}

std::optional<double> chosen_accuracy(const ChosenModel& chosen)
{
    for (const std::optional<double>& a : {chosen.accuracy_int8, chosen.accuracy_pruned, chosen.accuracy_fp32}) {
        if (a && std::isfinite(*a)) {
            return a;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string candidate_scatter(const SearchReport& report, bool flash)
{
    const svg::Frame& f = svg::kScatterFrame;
    const McuTarget& t = report.target;
    const int64_t limit = flash ? t.flash_bytes - t.reserved_flash : t.sram_bytes - t.reserved_sram;
    const std::vector<std::string> stages = stage_order(report.candidates);

    struct Point {
        double x_kb = 0.0;
        std::optional<double> y;
        bool infeasible = false;
        size_t stage = 0;
        std::string tooltip;
    };
    std::vector<Point> points;
    for (const SearchRecord& c : report.candidates) {
        const std::optional<int64_t>& bytes = flash ? c.constant_bytes : c.arena_bytes;
        if (!bytes) {
            continue;
        }
        Point p;
        p.x_kb = to_kb(*bytes);
        p.y = plotted_accuracy(c);
        p.infeasible = is_infeasible(c, t);
        p.stage = static_cast<size_t>(std::find(stages.begin(), stages.end(), c.stage) - stages.begin());
        p.tooltip = c.stage + ", iteration " + std::to_string(c.iteration) + ": arena " +
                    (c.arena_bytes ? kb(*c.arena_bytes) + " KB" : "?") + ", flash " +
                    (c.constant_bytes ? kb(*c.constant_bytes) + " KB" : "?") + ", " +
                    (c.accuracy_int8 ? "int8 " + percent(c.accuracy_int8)
                                     : (p.y ? "score " + svg::number(*p.y, 4) : "no accuracy")) +
                    ", " + record_status_name(c.status) + (p.infeasible ? " (over a limit)" : "") + "\n" +
                    shortened(c.key, 120);
        points.push_back(std::move(p));
    }
    const engine::CompiledModel& model = *report.chosen.model;
    const double chosen_x = to_kb(flash ? model.constant_bytes() : model.arena_bytes());
    const std::optional<double> chosen_y = chosen_accuracy(report.chosen);

    // Accuracies as percentages when every plotted value is a fraction; scores as they are otherwise.
    bool fractions = !chosen_y || (*chosen_y >= 0.0 && *chosen_y <= 1.0);
    double x_max = std::max(to_kb(limit), chosen_x);
    double y_lo = chosen_y.value_or(INFINITY), y_hi = chosen_y.value_or(-INFINITY);
    bool strip = !chosen_y;  // the "no accuracy" strip under the plot
    for (const Point& p : points) {
        x_max = std::max(x_max, p.x_kb);
        if (p.y) {
            fractions = fractions && *p.y >= 0.0 && *p.y <= 1.0;
            y_lo = std::min(y_lo, *p.y);
            y_hi = std::max(y_hi, *p.y);
        } else {
            strip = true;
        }
    }
    const double y_unit = fractions ? 100.0 : 1.0;
    const svg::Ticks xt = svg::nice_ticks(0.0, x_max * 1.05);
    const svg::Ticks yt = y_lo <= y_hi ? svg::nice_ticks(y_lo * y_unit, y_hi * y_unit) : svg::nice_ticks(0.0, 100.0);
    const double strip_height = strip ? 24.0 : 0.0;
    const svg::Scale xs{xt.lo, xt.hi, f.plot_left(), f.plot_right()};
    const svg::Scale ys{yt.lo, yt.hi, f.plot_bottom() - strip_height, f.plot_top()};
    auto y_of = [&](const std::optional<double>& y) {
        return y ? ys(*y * y_unit) : f.plot_bottom() - strip_height / 2.0;
    };

    const std::string what = flash ? "flash" : "SRAM";
    svg::Svg s(f.width, f.height, "accuracy against " + what + " of every candidate");
    svg::x_axis(s, f, xs, xt, flash ? "flash of the constants (KB)" : "peak SRAM of the arena (KB)",
                tick_decimals(xt));
    svg::y_axis(s, f, ys, yt, fractions ? "accuracy (%)" : "accuracy or score", tick_decimals(yt));
    if (strip) {
        s.line(f.plot_left(), f.plot_bottom() - strip_height, f.plot_right(), f.plot_bottom() - strip_height,
               "strip");
        s.text(f.plot_right() - 4.0, f.plot_bottom() - 4.0, "no accuracy (not trained)", "strip-label", "end");
    }
    const double limit_x = xs(to_kb(limit));
    s.line(limit_x, f.plot_top(), limit_x, f.plot_bottom(), "limit");
    s.text(limit_x - 4.0, f.plot_top() + 12.0, what + " for the model: " + kb(limit) + " KB", "limit-label", "end");
    // Hollow (infeasible) first, so that filled points stay on top.
    for (const bool hollow : {true, false}) {
        for (const Point& p : points) {
            if (p.infeasible == hollow) {
                const std::string colour = stage_colour(p.stage);
                s.circle(xs(p.x_kb), y_of(p.y), 4.0, hollow ? "candidate infeasible" : "candidate",
                         hollow ? "none" : colour, colour, p.tooltip);
            }
        }
    }
    const double cx = xs(chosen_x), cy = y_of(chosen_y);
    s.circle(cx, cy, 8.0, "chosen", "none", "#111111",
             "chosen: " + kb(flash ? model.constant_bytes() : model.arena_bytes()) + " KB, " +
                 (chosen_y ? percent(chosen_y) : "no accuracy"));
    const bool label_left = cx > (f.plot_left() + f.plot_right()) / 2.0;
    s.text(label_left ? cx - 11.0 : cx + 11.0, cy - 9.0, "chosen", "chosen-label", label_left ? "end" : "start");
    return s.str();
}

std::string layer_bars(const SearchReport& report)
{
    const engine::CompiledModel& m = *report.chosen.model;
    const std::vector<engine::LayerCost> costs = engine::layer_costs(m);
    const std::optional<FirmwareProfile>& profile = report.chosen.profile;
    const bool profiled = profile && profile->profiled();
    // Instructions per layer: measured under QEMU when profiled, else the engine's estimate.
    const engine::InstructionEstimate estimate = engine::estimate_instructions(m);
    const auto instructions = [&](size_t i) {
        return profiled ? *profile->layers[i].instructions : estimate.layers[i];
    };
    const double name_width = 210.0, panel_width = 220.0, gap = 26.0, top = 64.0, row = 16.0;
    const double width = name_width + 3.0 * (panel_width + gap);
    const double height = top + row * static_cast<double>(costs.size()) + 10.0;

    double live_max = to_kb(m.arena_bytes()), flash_max = 0.0, compute_max = 0.0;
    for (size_t i = 0; i < costs.size(); i++) {
        live_max = std::max(live_max, to_kb(costs[i].live_bytes));
        flash_max = std::max(flash_max, to_kb(costs[i].flash_bytes));
        compute_max = std::max(compute_max, static_cast<double>(instructions(i)));
    }
    const double compute_unit = compute_max >= 1e6 ? 1e6 : (compute_max >= 1e3 ? 1e3 : 1.0);
    const std::string compute_unit_name = compute_unit == 1e6 ? " (millions)" : (compute_unit == 1e3 ? " (thousands)" : "");

    svg::Svg s(width, height,
               "per-layer arena, flash and " + std::string(profiled ? "instructions" : "estimated instructions"));
    const double rows_bottom = height - 10.0;
    for (size_t i = 1; i < costs.size(); i += 2) {  // banded rows: a row is followed across the panels
        s.rect(0.0, top + row * static_cast<double>(i), width, row, "band");
    }
    struct Panel {
        std::string title;
        double max = 0.0;
    };
    const Panel panels[3] = {
        {"arena live (KB)", live_max},
        {"flash (KB)", flash_max},
        {std::string(profiled ? "instructions" : "est. instructions") + compute_unit_name, compute_max / compute_unit},
    };
    svg::Scale scales[3];
    for (int p = 0; p < 3; p++) {
        const double x0 = name_width + p * (panel_width + gap);
        const svg::Ticks ticks = svg::nice_ticks(0.0, panels[p].max, 4);
        scales[p] = svg::Scale{ticks.lo, ticks.hi, x0, x0 + panel_width};
        s.text(x0, 16.0, panels[p].title, "panel-title");
        for (const double v : ticks.values) {
            s.line(scales[p](v), top - 4.0, scales[p](v), rows_bottom, "grid");
            s.text(scales[p](v), top - 8.0, svg::number(v, tick_decimals(ticks)), "tick", "middle");
        }
    }
    // Key of the arena panel: its stacked bars and the arena line, one row across the panels.
    double key_x = name_width;
    for (const auto& [css, label] : {std::pair<const char*, const char*>{"bar-output", "output"},
                                     {"bar-scratch", "scratch"}, {"bar-held", "inputs and held activations"}}) {
        s.rect(key_x, 26.0, 9.0, 9.0, std::string("key-swatch ") + css);
        s.text(key_x + 12.0, 34.5, label, "key");
        key_x += 12.0 + 6.0 * static_cast<double>(std::string(label).size()) + 14.0;
    }
    s.line(key_x, 30.5, key_x + 16.0, 30.5, "arena");
    s.text(key_x + 20.0, 34.5, "the arena: " + kb(m.arena_bytes()) + " KB", "key");
    const double arena_x = scales[0](to_kb(m.arena_bytes()));
    s.line(arena_x, top - 4.0, arena_x, rows_bottom, "arena");

    for (size_t i = 0; i < costs.size(); i++) {
        const engine::LayerCost& c = costs[i];
        const double y = top + row * static_cast<double>(i) + 3.0, h = row - 6.0;
        const std::string name = std::to_string(i) + " " + c.name;
        s.text(name_width - 8.0, y + h - 0.5, shortened(name, 34), "row-label", "end");
        // Arena: output, then scratch, then everything else live (inputs, activations held for later layers).
        const int64_t scratch = engine::aligned_size(c.scratch_bytes, 4);
        const int64_t held = std::max<int64_t>(0, c.live_bytes - c.output_bytes - scratch);
        double x = scales[0](0.0);
        for (const auto& [bytes, css] : {std::pair<int64_t, const char*>{c.output_bytes, "bar-output"},
                                         {scratch, "bar-scratch"}, {held, "bar-held"}}) {
            const double w = scales[0](to_kb(bytes)) - scales[0](0.0);
            s.rect(x, y, w, h, css, "",
                   c.name + ": output " + grouped(c.output_bytes) + " B, scratch " + grouped(c.scratch_bytes) +
                       " B, live in all " + grouped(c.live_bytes) + " B of the " + grouped(m.arena_bytes()) +
                       " B arena");
            x += w;
        }
        s.rect(scales[1](0.0), y, scales[1](to_kb(c.flash_bytes)) - scales[1](0.0), h, "bar-flash", "",
               c.name + ": " + grouped(c.flash_bytes) + " B of constants (" + c.kernel + ")");
        const int64_t compute = instructions(i);
        std::string tip = c.name + ": " + grouped(c.macs) + " MACs, " + grouped(compute) +
                          (profiled ? " instructions (estimated " + grouped(estimate.layers[i]) + ")"
                                    : " instructions (estimated)") +
                          (c.macs > 0 ? ", " + svg::number(static_cast<double>(compute) / c.macs, 2) + " per MAC" : "");
        s.rect(scales[2](0.0), y, scales[2](compute / compute_unit) - scales[2](0.0), h, "bar-compute", "", tip);
    }
    return s.str();
}

std::string sparsity_bars(const ArchConfig& config)
{
    std::vector<LayerSpec> prunable;
    for (LayerSpec& l : layers(config)) {
        if (l.prunable) {
            prunable.push_back(std::move(l));
        }
    }
    const double name_width = 210.0, bar_width = 320.0, text_width = 230.0, top = 40.0, row = 16.0;
    const double width = name_width + bar_width + text_width;
    const double height = top + row * static_cast<double>(prunable.size()) + 10.0;
    svg::Svg s(width, height, "per-layer sparsity and block size");
    const svg::Ticks ticks = svg::nice_ticks(0.0, 100.0);
    const svg::Scale xs{ticks.lo, ticks.hi, name_width, name_width + bar_width};
    s.text(name_width, 16.0, "zero blocks, rho (% of the layer's blocks)", "panel-title");
    double key_x = name_width + bar_width + 20.0;
    for (const auto& [css, label] : {std::pair<const char*, const char*>{"bar-block2", "block 2"},
                                     {"bar-block3", "block 3"}, {"bar-block4", "block 4"}}) {
        s.rect(key_x, 8.0, 9.0, 9.0, std::string("key-swatch ") + css);
        s.text(key_x + 12.0, 16.5, label, "key");
        key_x += 66.0;
    }
    for (size_t i = 1; i < prunable.size(); i += 2) {
        s.rect(0.0, top + row * static_cast<double>(i), width, row, "band");
    }
    for (const double v : ticks.values) {
        s.line(xs(v), top - 4.0, xs(v), height - 10.0, "grid");
        s.text(xs(v), top - 8.0, svg::number(v, 0), "tick", "middle");
    }
    for (size_t i = 0; i < prunable.size(); i++) {
        const LayerSpec& l = prunable[i];
        const auto it = config.sparsity.find(l.name);
        const LayerSparsity sp = it == config.sparsity.end() ? LayerSparsity{} : it->second;
        const double y = top + row * static_cast<double>(i) + 3.0, h = row - 6.0;
        s.text(name_width - 8.0, y + h - 0.5, shortened(l.name, 34), "row-label", "end");
        const std::string block_class = sp.block == 0 || sp.rho == 0.0f ? "dense" : "block" + std::to_string(sp.block);
        s.rect(xs(0.0), y, xs(sp.rho * 100.0) - xs(0.0), h, "bar-" + block_class, "",
               l.name + ": rho " + svg::number(sp.rho, 3) + ", block " + std::to_string(sp.block) + ", " +
                   grouped(l.weight_count()) + " weights");
        const std::string label = sp.block == 0 || sp.rho == 0.0f
                                      ? "dense · " + grouped(l.weight_count()) + " weights"
                                      : svg::number(sp.rho * 100.0, 1) + " % · block " + std::to_string(sp.block) +
                                            " · " + grouped(l.weight_count()) + " weights";
        s.text(name_width + bar_width + 10.0, y + h - 0.5, label, "row-note");
    }
    return s.str();
}

}  // namespace tinyformer::toolkit::report
