// The search report: parsing the firmware's profile, the plots' scales and
// ticks, and the HTML of a small synthetic run (a point per candidate, the
// limits where the scale puts them, every layer, escaped user text, balanced
// and finite SVG). With TF_EXAMPLE_REPORT=<path> set, one test also writes a
// larger example report there, to look at.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "../../toolkit/src/svg_plot.h"  // private to tf_search: the scale the report draws with
#include "../common/error_of.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/toolkit/architecture_json.h"
#include "tinyformer/toolkit/search_report.h"

namespace tinyformer::toolkit {
namespace {

using test_support::error_of;

size_t count_of(const std::string& text, const std::string& part)
{
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) {
        n++;
    }
    return n;
}

// ---------------------------------------------------------------- firmware profile

// What firmware/model_main.c prints on the board (QEMU's own lines and CR LF line ends included).
const char* const kBoardOutput =
    "qemu-system-arm: warning: nic lan9118.0 has no peer\n"
    "model: 3 layers, arena 4352 bytes, constants 1234 bytes, 22544 MACs\r\n"
    "layer 0 dot1.down.conv: 18432 MACs, 41240 instructions\r\n"
    "layer 1 dot1.mbv2.0.expand: 4096 MACs, 9000 instructions\n"
    "layer 2 head.fc: 16 MACs, 300 instructions\n"
    "total: 50540 instructions\n"
    "output: 0c fd 80 7f\n";

TEST(FirmwareProfile, ReadsTheBoardBuildsOutput)
{
    const FirmwareProfile p = parse_firmware_profile(kBoardOutput);
    EXPECT_EQ(p.arena_bytes, 4352);
    EXPECT_EQ(p.constant_bytes, 1234);
    EXPECT_EQ(p.total_macs, 22544);
    ASSERT_EQ(p.layers.size(), 3u);
    EXPECT_EQ(p.layers[0].name, "dot1.down.conv");
    EXPECT_EQ(p.layers[1].name, "dot1.mbv2.0.expand");
    EXPECT_EQ(p.layers[2].name, "head.fc");
    EXPECT_EQ(p.layers[0].macs, 18432);
    EXPECT_EQ(p.layers[0].instructions, 41240);
    EXPECT_EQ(p.layers[2].instructions, 300);
    ASSERT_TRUE(p.profiled());
    EXPECT_EQ(*p.total_instructions, 41240 + 9000 + 300);
    EXPECT_EQ(p.output, (std::vector<uint8_t>{0x0c, 0xfd, 0x80, 0x7f}));
}

TEST(FirmwareProfile, ReadsTheHostBuildsOutputWithoutInstructions)
{
    const FirmwareProfile p = parse_firmware_profile(
        "model: 2 layers, arena 64 bytes, constants 10 bytes, 30 MACs\n"
        "layer 0 a: 10 MACs\nlayer 1 name: with colon: 20 MACs\noutput: 01\n");
    ASSERT_EQ(p.layers.size(), 2u);
    EXPECT_EQ(p.layers[1].name, "name: with colon");  // the last ": <n> MACs" ends the name
    EXPECT_FALSE(p.layers[0].instructions.has_value());
    EXPECT_FALSE(p.profiled());
    EXPECT_EQ(p.output, std::vector<uint8_t>{1});
}

TEST(FirmwareProfile, MalformedOrInconsistentOutputNamesTheLine)
{
    const std::string head = "model: 2 layers, arena 64 bytes, constants 10 bytes, 30 MACs\n";
    struct Case {
        std::string text, mentions;
    };
    const Case cases[] = {
        {head + "layer 0 a: 10 MACs, many instructions\n", "line 2 'layer 0 a: 10 MACs, many instructions'"},
        {head + "layer 0 a: 10 MACs\nlayer 2 b: 20 MACs\noutput: 00\n", "line 3 'layer 2 b: 20 MACs': layer index 2 out of order"},
        {head + "layer 0 a: 10 MACs, 5 instructions\nlayer 1 b: 20 MACs\n", "line 3"},
        {head + "layer 0 a: 10 MACs, 5 instructions\nlayer 1 b: 20 MACs, 6 instructions\ntotal: 12 instructions\n",
         "line 4 'total: 12 instructions': the total is not the sum"},
        {head + "layer 0 a: 10 MACs\nlayer 1 b: 20 MACs\noutput: 0g\n", "line 4 'output: 0g'"},
        {head + "layer 0 a: 10 MACs\nlayer 1 b: 20 MACs\n", "no 'output: xx xx ...' line"},
        {head + "layer 0 a: 10 MACs\noutput: 00\n", "1 layer lines, but the 'model:' line announced 2"},
        {head + "model_run failed: status 3\n", "line 2 'model_run failed: status 3': the firmware reported a failure"},
        {"model: 2 layers, arena 64 bytes\n", "line 1"},
        {"layer 0 a: 10 MACs\n", "after the 'model:' line"},
        {"hello\n", "no 'model: <n> layers"},
        {head + "layer 0 a: 10 MACs, 5 instructions\nlayer 1 b: 20 MACs, 6 instructions\noutput: 00\n", "no 'total:"},
        {head + "layer 0 a: 10 MACs\nlayer 1 b: 21 MACs\noutput: 00\n", "add up to 31"},
    };
    for (const Case& c : cases) {
        const std::string message = error_of([&] { parse_firmware_profile(c.text); });
        EXPECT_ERROR_MENTIONS(message, c.mentions) << "\nfor the output:\n" << c.text;
    }
}

// ---------------------------------------------------------------- ticks and scales

TEST(SvgPlot, TicksFollowTheOneTwoFiveSequenceAndCoverTheData)
{
    struct Case {
        double lo, hi;
        double want_lo, want_hi, want_step;
    };
    // By hand: the smallest step of {1, 2, 5} x 10^k giving at most 5 intervals over [floor, ceil].
    const Case cases[] = {
        {0.0, 315.0, 0.0, 400.0, 100.0},   // 50 would need 7 intervals
        {0.0, 974.4, 0.0, 1000.0, 200.0},
        {72.5, 91.3, 70.0, 95.0, 5.0},     // step 2 needs 72..92: 10 intervals
        {0.0, 1.0, 0.0, 1.0, 0.2},
        {0.0, 100.0, 0.0, 100.0, 20.0},
        {3.0, 3.0, 2.6, 3.4, 0.2},         // one point: 2.7..3.3 (+-10 %); step 0.1 needs 6 intervals
    };
    for (const Case& c : cases) {
        const svg::Ticks t = svg::nice_ticks(c.lo, c.hi);
        EXPECT_NEAR(t.lo, c.want_lo, 1e-9) << "[" << c.lo << ", " << c.hi << "]";
        EXPECT_NEAR(t.hi, c.want_hi, 1e-9) << "[" << c.lo << ", " << c.hi << "]";
        EXPECT_NEAR(t.step, c.want_step, 1e-12) << "[" << c.lo << ", " << c.hi << "]";
        ASSERT_FALSE(t.values.empty());
        EXPECT_NEAR(t.values.front(), t.lo, 1e-9);
        EXPECT_NEAR(t.values.back(), t.hi, 1e-9);
        EXPECT_LE(t.values.size(), 6u);
    }
    EXPECT_THROW(svg::nice_ticks(2.0, 1.0), engine::Error);
    EXPECT_THROW(svg::nice_ticks(0.0, INFINITY), engine::Error);
}

TEST(SvgPlot, ScaleMapsTheDomainLinearlyOntoThePixels)
{
    const svg::Frame& f = svg::kScatterFrame;
    // x: 0..400 KB onto 64..460 px (480 wide, margins 64 and 20).
    const svg::Scale x{0.0, 400.0, f.plot_left(), f.plot_right()};
    EXPECT_DOUBLE_EQ(x(0.0), 64.0);
    EXPECT_DOUBLE_EQ(x(400.0), 460.0);
    EXPECT_DOUBLE_EQ(x(300.0), 361.0);  // 64 + 0.75 * 396
    // y points up: 70..95 % onto 282..20 px.
    const svg::Scale y{70.0, 95.0, f.plot_bottom(), f.plot_top()};
    EXPECT_DOUBLE_EQ(y(70.0), 282.0);
    EXPECT_DOUBLE_EQ(y(95.0), 20.0);
    EXPECT_DOUBLE_EQ(y(80.0), 282.0 - 0.4 * 262.0);
    EXPECT_EQ(svg::coord(-0.04), "0.0");
    EXPECT_EQ(svg::number(0.25), "0.25");
    EXPECT_EQ(svg::number(300.0), "300");
    EXPECT_THROW(svg::coord(NAN), engine::Error);
    EXPECT_EQ(svg::html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

// ---------------------------------------------------------------- the HTML

ArchConfig tiny_sparse()
{
    ArchConfig c = named_architecture("tiny");
    c.set_uniform_sparsity(0.5f, 4);
    return c;
}

SearchRecord candidate(const std::string& stage, int iteration, int64_t arena, int64_t flash,
                       std::optional<double> int8, RecordStatus status = RecordStatus::Ok)
{
    SearchRecord r;
    r.stage = stage;
    r.key = stage + "-" + std::to_string(iteration) + "-" + std::to_string(arena);
    r.iteration = iteration;
    r.config_json = to_json(named_architecture("tiny"));
    r.arena_bytes = arena;
    r.constant_bytes = flash;
    r.macs = 100000;
    r.accuracy_int8 = int8;
    r.score = status == RecordStatus::Ok ? int8 : std::nullopt;
    r.seconds = 1.5;
    r.status = status;
    return r;
}

struct Fixture {
    engine::CompiledModel model;
    SearchReport report;
};

// 320 KB SRAM with 20 KB reserved, 1 MB flash with 96 KB: the model may use 300 KB and 928 KB.
// Six candidates with resources (one over the SRAM limit, untrained), one without.
Fixture small_report()
{
    Fixture f;
    const ArchConfig config = tiny_sparse();
    f.model = engine::compile(build_engine_graph(config));
    SearchReport& r = f.report;
    r.title = "<script>alert(1)</script> & co";
    r.dataset = "fashion-mnist <small>";
    r.target = custom_target("test-mcu", 320 * 1024, 1024 * 1024, 20 * 1024, 96 * 1024);
    r.clock_hz = 216e6;
    r.preset = "quick";
    r.seed = 7;
    r.seconds = 125.0;
    r.candidates = {
        candidate("supernet", 0, 100 * 1024, 200 * 1024, 0.80),
        candidate("supernet", 0, 150 * 1024, 300 * 1024, 0.85),
        candidate("supernet", 1, 50 * 1024, 500 * 1024, 0.83),
        candidate("selection <b>", 0, 60 * 1024, 100 * 1024, 0.90),
        candidate("selection <b>", 0, 330 * 1024, 400 * 1024, std::nullopt, RecordStatus::Infeasible),
        candidate("selection <b>", 1, 80 * 1024, 120 * 1024, 0.88),
    };
    SearchRecord no_resources = candidate("selection <b>", 2, 0, 0, 0.5, RecordStatus::Failed);
    no_resources.arena_bytes.reset();
    no_resources.constant_bytes.reset();
    r.candidates.push_back(no_resources);
    r.chosen.config = config;
    r.chosen.model = &f.model;
    r.chosen.accuracy_fp32 = 0.91;
    r.chosen.accuracy_pruned = 0.90;
    r.chosen.accuracy_int8 = 0.895;
    r.chosen.notes = {"trained on <all> data"};
    return f;
}

// "layer <i> <name>: <macs> MACs, <instr> instructions" for every layer of `m`, as the board firmware prints.
std::string board_output_of(const engine::CompiledModel& m)
{
    std::ostringstream s;
    s << "model: " << m.layers.size() << " layers, arena " << m.arena_bytes() << " bytes, constants "
      << m.constant_bytes() << " bytes, " << m.total_macs() << " MACs\n";
    int64_t total = 0;
    for (size_t i = 0; i < m.layers.size(); i++) {
        const int64_t instructions = 2 * m.layers[i].macs + 500;
        total += instructions;
        s << "layer " << i << " " << m.layers[i].name << ": " << m.layers[i].macs << " MACs, " << instructions
          << " instructions\n";
    }
    s << "total: " << total << " instructions\noutput: 01 02\n";
    return s.str();
}

TEST(SearchReport, PlotsOnePointPerCandidateWithResourcesInEachScatter)
{
    const Fixture f = small_report();
    const std::string html = html_report(f.report);
    // Six of seven candidates have resources; each appears in the SRAM plot and in the flash plot.
    EXPECT_EQ(count_of(html, "<circle class=\"candidate"), 2u * 6u);
    EXPECT_EQ(count_of(html, "<circle class=\"candidate infeasible\""), 2u);
    const std::regex hollow(R"(<circle class="candidate infeasible"[^>]* fill="none" stroke="#)");
    EXPECT_EQ(std::distance(std::sregex_iterator(html.begin(), html.end(), hollow), std::sregex_iterator()), 2);
    EXPECT_EQ(count_of(html, "<circle class=\"chosen\""), 2u);
    EXPECT_NE(html.find("no accuracy (not trained)"), std::string::npos);  // the untrained one's strip
}

TEST(SearchReport, DrawsTheLimitsWhereTheScalePutsThem)
{
    const Fixture f = small_report();
    const std::string html = html_report(f.report);
    const svg::Frame& fr = svg::kScatterFrame;
    // SRAM: data up to 330 KB, limit 300 KB: nice_ticks(0, 330 * 1.05) = 0..400 KB, so x = 64 + 300 / 400 * 396.
    const svg::Scale sram{0.0, 400.0, fr.plot_left(), fr.plot_right()};
    EXPECT_DOUBLE_EQ(sram(300.0), 361.0);
    EXPECT_NE(html.find("<line class=\"limit\" x1=\"361.0\" y1=\"20.0\" x2=\"361.0\" y2=\"282.0\"/>"),
              std::string::npos);
    // Flash: limit 928 KB above the data: nice_ticks(0, 928 * 1.05) = 0..1000 KB, x = 64 + 0.928 * 396 = 431.488.
    const svg::Scale flash{0.0, 1000.0, fr.plot_left(), fr.plot_right()};
    EXPECT_NEAR(flash(928.0), 431.488, 1e-9);
    EXPECT_NE(html.find("<line class=\"limit\" x1=\"431.5\" y1=\"20.0\" x2=\"431.5\" y2=\"282.0\"/>"),
              std::string::npos);
    EXPECT_NE(html.find("SRAM for the model: 300 KB"), std::string::npos);
    EXPECT_NE(html.find("flash for the model: 928 KB"), std::string::npos);
    // The candidate at 150 KB SRAM / 85 %: the y axis runs over 80..90 % (+ the chosen 89.5 %) = 80..90 in
    // steps of 2, above the 24 px strip of the untrained one: y = 258 - (85 - 80) / 10 * 238 = 139.
    EXPECT_NE(html.find("<circle class=\"candidate\" cx=\"212.5\" cy=\"139.0\""), std::string::npos)
        << "x = 64 + 150 / 400 * 396 = 212.5";
}

TEST(SearchReport, ShowsEveryLayerOfTheChosenModelAndItsProfile)
{
    Fixture f = small_report();
    f.report.chosen.profile = parse_firmware_profile(board_output_of(f.model));
    const std::string html = html_report(f.report);
    ASSERT_FALSE(f.model.layers.empty());
    for (const engine::Layer& l : f.model.layers) {
        EXPECT_NE(html.find(svg::html_escape(l.name)), std::string::npos) << "layer " << l.name;
    }
    // One flash bar and one compute bar per layer; the compute panel counts instructions.
    EXPECT_EQ(count_of(html, "<rect class=\"bar-flash\""), f.model.layers.size());
    EXPECT_EQ(count_of(html, "<rect class=\"bar-compute\""), f.model.layers.size());
    EXPECT_NE(html.find(">instructions"), std::string::npos);
    // One sparsity bar per prunable layer of the config.
    size_t prunable = 0;
    for (const LayerSpec& l : layers(f.report.chosen.config)) {
        if (l.prunable) {
            prunable++;
            EXPECT_NE(html.find(svg::html_escape(l.name)), std::string::npos) << "layer " << l.name;
        }
    }
    EXPECT_EQ(count_of(html, "<rect class=\"bar-block") + count_of(html, "<rect class=\"bar-dense"), prunable);
    // The summary names the instruction model's estimate beside the measured count.
    std::string estimated = std::to_string(engine::estimate_instructions(f.model).total);
    for (int i = static_cast<int>(estimated.size()) - 3; i > 0; i -= 3) {
        estimated.insert(static_cast<size_t>(i), ",");
    }
    EXPECT_NE(html.find("measured under QEMU; estimated " + estimated + " ("), std::string::npos) << estimated;
    // The summary's time at 216 MHz: instructions / 216e6 s.
    const double ms = 1e3 * static_cast<double>(*f.report.chosen.profile->total_instructions) / 216e6;
    EXPECT_NE(html.find(svg::number(ms, 1) + " ms at 216 MHz"), std::string::npos);
}

TEST(SearchReport, EscapesEveryUserString)
{
    const Fixture f = small_report();
    const std::string html = html_report(f.report);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
    EXPECT_NE(html.find("fashion-mnist &lt;small&gt;"), std::string::npos);
    EXPECT_NE(html.find("selection &lt;b&gt;"), std::string::npos);
    EXPECT_EQ(html.find("selection <b>"), std::string::npos);
    EXPECT_NE(html.find("trained on &lt;all&gt; data"), std::string::npos);
}

TEST(SearchReport, IsWellFormedAndEveryCoordinateIsFinite)
{
    Fixture f = small_report();
    f.report.chosen.profile = parse_firmware_profile(board_output_of(f.model));
    const std::string html = html_report(f.report);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(count_of(html, "<svg "), 4u);  // two scatters, the layers, the sparsity
    EXPECT_EQ(count_of(html, "</svg>"), 4u);
    for (const char* tag : {"section", "table", "main", "title"}) {
        EXPECT_EQ(count_of(html, "<" + std::string(tag) + ">") + count_of(html, "<" + std::string(tag) + " "),
                  count_of(html, "</" + std::string(tag) + ">"))
            << tag;
    }
    // Every geometric attribute is a finite number.
    const std::regex attribute(R"re( (x|y|x1|y1|x2|y2|cx|cy|r|width|height)="([^"]*)")re");
    size_t checked = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), attribute); it != std::sregex_iterator(); ++it) {
        const std::string value = (*it)[2].str();
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        ASSERT_TRUE(end != value.c_str() && *end == '\0' && std::isfinite(v))
            << (*it)[1].str() << "=\"" << value << "\"";
        checked++;
    }
    EXPECT_GT(checked, 100u);
    // Nothing fetched: no script, no external reference.
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
    EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(SearchReport, WithoutCandidatesShowsTheChosenModelAlone)
{
    Fixture f = small_report();
    f.report.candidates.clear();
    f.report.chosen.accuracy_int8 = NAN;  // unmeasured: falls back to the pruned accuracy on the plots
    const std::string html = html_report(f.report);
    EXPECT_EQ(count_of(html, "<circle class=\"candidate"), 0u);
    EXPECT_EQ(count_of(html, "<circle class=\"chosen\""), 2u);
    EXPECT_NE(html.find("No candidates were recorded."), std::string::npos);
    EXPECT_EQ(html.find("nan"), std::string::npos);
    EXPECT_EQ(count_of(html, "<svg "), count_of(html, "</svg>"));
}

TEST(SearchReport, RefusesInputItCannotReport)
{
    {
        Fixture f = small_report();
        f.report.chosen.model = nullptr;
        EXPECT_ERROR_MENTIONS(error_of([&] { html_report(f.report); }), "chosen.model is null");
    }
    {
        Fixture f = small_report();
        std::string out = board_output_of(f.model);
        const std::string first = f.model.layers[0].name;
        out.replace(out.find(first), first.size(), "renamed");
        f.report.chosen.profile = parse_firmware_profile(out);
        EXPECT_ERROR_MENTIONS(error_of([&] { html_report(f.report); }),
                              "firmware profile layer 0 is 'renamed', the chosen model's is '" + first + "'");
    }
    {
        Fixture f = small_report();
        f.report.candidates[0].config_json = "{\"classes\": 10}";
        EXPECT_ERROR_MENTIONS(error_of([&] { html_report(f.report); }), "candidate 'supernet-0-102400' of stage 'supernet'");
    }
    {
        Fixture f = small_report();
        f.report.target.reserved_sram = f.report.target.sram_bytes;
        EXPECT_ERROR_MENTIONS(error_of([&] { html_report(f.report); }), "leaves nothing");
    }
}

TEST(SearchReport, WritesTheFile)
{
    const Fixture f = small_report();
    const std::string path = ::testing::TempDir() + "search_report_test.html";
    write_html_report(f.report, path);
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    EXPECT_EQ(content.str(), html_report(f.report));
    std::filesystem::remove(path);
    EXPECT_ERROR_MENTIONS(error_of([&] { write_html_report(f.report, "/nonexistent-dir/r.html"); }),
                          "/nonexistent-dir/r.html");
}

// A larger report to look at: variations of the "fmnist" single path, costed by the engine, with
// made-up accuracies (said so in the report). Written only when TF_EXAMPLE_REPORT names a file.
TEST(SearchReport, ExampleForALookWhenAsked)
{
    const char* path = std::getenv("TF_EXAMPLE_REPORT");
    if (path == nullptr) {
        GTEST_SKIP() << "set TF_EXAMPLE_REPORT=/tmp/example_report.html to write the example";
    }
    std::mt19937 rng(5);
    auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    SearchReport r;
    r.title = "Example: Fashion-MNIST on a small MCU (made-up accuracies)";
    r.dataset = "Fashion-MNIST";
    r.target = custom_target("example-mcu", 128 * 1024, 256 * 1024, 20 * 1024, 96 * 1024);
    r.clock_hz = 216e6;
    r.preset = "quick";
    r.seed = 5;
    const std::pair<const char*, int> stages[] = {{"supernet", 40}, {"selection", 30}, {"compression", 10}};
    int64_t best_params = 0;
    for (const auto& [stage, count] : stages) {
        for (int i = 0; i < count; i++) {
            ArchConfig c = named_architecture("fmnist");
            c.dots[0].dim = 8 * static_cast<int32_t>(1 + rng() % 4);
            c.dots[1].dim = 16 * static_cast<int32_t>(1 + rng() % 5);
            c.dots[0].mbv2_expansions = {static_cast<int32_t>(2 + 2 * (rng() % 3))};
            c.last_dim = 32 * static_cast<int32_t>(1 + rng() % 4);
            if (std::string(stage) != "supernet") {
                c.set_overall_sparsity(static_cast<float>(uniform(0.1, 0.7)), (rng() % 2) ? 4 : 2, 64);
            }
            const Resources res = evaluate_resources(c);
            const double params = static_cast<double>(effective_parameter_count(c));
            SearchRecord rec;
            rec.stage = stage;
            rec.key = to_json(c);
            rec.iteration = i / 10;
            rec.config_json = rec.key;
            rec.arena_bytes = res.arena_bytes;
            rec.constant_bytes = res.constant_bytes;
            rec.macs = res.macs;
            rec.seconds = uniform(5.0, 40.0);
            if (!fits(res, r.target)) {
                rec.status = RecordStatus::Infeasible;
            } else {
                const double accuracy = 0.80 + 0.09 * (1.0 - std::exp(-params / 40000.0)) + uniform(-0.01, 0.01);
                rec.accuracy_fp32 = accuracy + 0.004;
                if (std::string(stage) != "supernet") {
                    rec.accuracy_pruned = accuracy + 0.002;
                    rec.accuracy_int8 = accuracy;
                }
                rec.score = accuracy;
                if (std::string(stage) == "compression" && (best_params == 0 || rec.score > r.chosen.accuracy_int8)) {
                    r.chosen.config = c;
                    r.chosen.accuracy_fp32 = accuracy + 0.004;
                    r.chosen.accuracy_pruned = accuracy + 0.002;
                    r.chosen.accuracy_int8 = accuracy;
                    best_params = static_cast<int64_t>(params);
                }
            }
            r.seconds += rec.seconds;
            r.candidates.push_back(rec);
        }
    }
    ASSERT_GT(best_params, 0);
    const engine::CompiledModel model = engine::compile(build_engine_graph(r.chosen.config));
    r.chosen.model = &model;
    r.chosen.profile = parse_firmware_profile(board_output_of(model));
    r.chosen.notes = {"Accuracies and instruction counts in this example are made up (the test's synthetic "
                      "objective); the resources are the engine's."};
    write_html_report(r, path);
    std::cout << "wrote " << path << "\n";
}

}  // namespace
}  // namespace tinyformer::toolkit
