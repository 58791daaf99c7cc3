// The search spaces (genomes and their decoders), the resource model (targets,
// fits) and SuperNAS's search-space analysis (Alg. 1) and adjustment (eqs. 1-3).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/toolkit/search_space.h"

namespace tinyformer::toolkit {
namespace {

// Runs f, expects an engine::Error whose message contains every part.
template <typename F>
void expect_error(F&& f, const std::vector<std::string>& parts)
{
    try {
        f();
        ADD_FAILURE() << "no engine::Error thrown (expected one mentioning '" << parts.front() << "')";
    } catch (const engine::Error& e) {
        for (const std::string& p : parts) {
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "message: " << e.what() << "\nmissing: " << p;
        }
    }
}

// A supernet with a known shape: DoT1 one MobileNetV2 + one transformer, DoT2 two + one.
SupernetSpace known_supernet(const SearchSpace& space)
{
    // genes: dot1 dim, heads, mbv2_count, transformer_count, dot2 ..., last_dim
    return space.decode_supernet({1, 1, 0, 0, 2, 2, 1, 0, 0});
}

// 28x28x1 -> conv s2 (8) -> conv s2 (16) -> AvgPool -> fc1 (last) -> fc2 (10): no modules, every layer dense.
// Parameters by hand: 9*1*8 + 8 + 9*8*16 + 16 + (3*3*16)*last + last + last*10 + 10 = 1258 + 155 * last.
SearchSpace hand_space()
{
    SearchSpace s = SearchSpace::for_input(28, 28, 1, 10);
    s.dot1_dims = {8};
    s.dot2_dims = {16};
    s.last_dims = {16, 64};
    s.heads = {2};
    s.mbv2_counts = {0};
    s.transformer_counts = {0};
    s.downsample = {DownsampleKind::ConvStride2};
    s.pooling = {PoolingKind::AvgPool};
    s.sparsities = {0.0f};
    return s;
}

int64_t hand_parameters(int32_t last) { return 1258 + 155 * int64_t{last}; }

// ---- portable sampling ----

TEST(SearchSampling, Mt19937_64IsTheStandardsSequence)
{
    // [rand.predef]: the 10000th output of a default-constructed mt19937_64 is 9981545732273789042.
    std::mt19937_64 rng;
    rng.discard(9999);
    EXPECT_EQ(rng(), 9981545732273789042ull);
}

TEST(SearchSampling, UniformIndexIsRejectionOnTheRawOutput)
{
    std::mt19937_64 rng(42), raw(42);
    for (uint64_t n : {1ull, 2ull, 3ull, 6ull, 7ull, 1000ull}) {
        for (int i = 0; i < 100; i++) {
            // Rejection happens for outputs >= 2^64 - (2^64 % n) only: never in 600 draws for these n.
            ASSERT_EQ(uniform_index(rng, n), raw() % n) << "n = " << n << ", draw " << i;
        }
    }
}

TEST(SearchSampling, UniformIndexIsUniform)
{
    std::mt19937_64 rng(3);
    std::vector<int> hits(6, 0);
    const int draws = 60000;
    for (int i = 0; i < draws; i++) {
        hits[uniform_index(rng, 6)]++;
    }
    for (size_t v = 0; v < hits.size(); v++) {
        EXPECT_NEAR(hits[v], draws / 6, draws / 6 * 0.05) << "value " << v;  // ~7 standard deviations
    }
    expect_error([&] { uniform_index(rng, 0); }, {"n = 0"});
}

// ---- genomes ----

TEST(SearchSpaceGenes, SupernetCardinalitiesAreTheListSizes)
{
    const SearchSpace s;
    EXPECT_EQ(s.supernet_genes(), (std::vector<int32_t>{2, 3, 2, 2, 3, 3, 2, 2, 3}));
    EXPECT_EQ(s.supernet_gene_names().size(), s.supernet_genes().size());
    const SupernetSpace sup = s.decode_supernet({1, 2, 1, 0, 2, 1, 0, 1, 1});
    EXPECT_EQ(sup.base.dots[0].dim, 44);
    EXPECT_EQ(sup.base.dots[0].heads, 4);
    EXPECT_EQ(sup.base.dots[0].mbv2_expansions.size(), 2u);
    EXPECT_EQ(sup.base.dots[0].transformers.size(), 1u);
    EXPECT_EQ(sup.base.dots[1].dim, 256);
    EXPECT_EQ(sup.base.dots[1].heads, 2);
    EXPECT_EQ(sup.base.dots[1].mbv2_expansions.size(), 1u);
    EXPECT_EQ(sup.base.dots[1].transformers.size(), 2u);
    EXPECT_EQ(sup.base.last_dim, 768);
    EXPECT_EQ(sup.expansions, s.expansions);
    EXPECT_EQ(sup.downsample, s.downsample);
}

TEST(SearchSpaceGenes, PathCardinalitiesCountModulesAndPrunableSlots)
{
    const SearchSpace s;
    const SupernetSpace sup = known_supernet(s);
    // Choice genes: dot1 downsample + 1 expansion + 1 variant, dot2 downsample + 2 expansions + 1 variant, pooling.
    // Prunable slots (counted from the layer list of architecture.h): per DoT the downsample conv, 2 per
    // MobileNetV2 (expand, project), 10 per transformer with the conv pair and one encoder (conv3x3_in,
    // conv1x1_in, q, k, v, proj, mlp1, mlp2, conv1x1_out, conv3x3_out); SeqPool's logits, fc1, fc2.
    const size_t choices = 3 + 4 + 1;
    const size_t slots = (1 + 2 + 10) + (1 + 4 + 10) + 3;
    const std::vector<int32_t> genes = s.path_genes(sup);
    ASSERT_EQ(genes.size(), choices + 2 * slots);
    const std::vector<int32_t> expected_choices{2, 3, 3, 2, 3, 3, 3, 2};
    EXPECT_EQ(std::vector<int32_t>(genes.begin(), genes.begin() + choices), expected_choices);
    const std::vector<PrunableSlot> ps = s.prunable_slots(sup);
    ASSERT_EQ(ps.size(), slots);
    int conv3x3 = 0;
    for (size_t i = 0; i < slots; i++) {
        EXPECT_EQ(genes[choices + 2 * i], 6) << ps[i].layer;
        EXPECT_EQ(genes[choices + 2 * i + 1], ps[i].conv3x3 ? 1 : 2) << ps[i].layer;
        conv3x3 += ps[i].conv3x3;
    }
    EXPECT_EQ(conv3x3, 6);  // per DoT: down.conv, vit_1.conv3x3_in, vit_1.conv3x3_out
    EXPECT_EQ(s.path_gene_names(sup).size(), genes.size());
    EXPECT_EQ(s.path_gene_names(sup)[choices], "dot1.down.conv.sparsity");
}

TEST(SearchSpaceGenes, RandomGenomesDecodeToValidConfigsWithTheirGenesValues)
{
    for (const SearchSpace& s : {SearchSpace::for_input(32, 32, 3, 10), SearchSpace::for_input(28, 28, 1, 10)}) {
        std::mt19937_64 rng(11);
        for (int i = 0; i < 40; i++) {
            const std::vector<int32_t> g = s.random_supernet_genome(rng);
            const SupernetSpace sup = s.decode_supernet(g);
            EXPECT_EQ(sup.base.dots[0].dim, s.dot1_dims[static_cast<size_t>(g[0])]);
            EXPECT_EQ(sup.base.dots[1].heads, s.heads[static_cast<size_t>(g[5])]);
            EXPECT_EQ(sup.base.last_dim, s.last_dims[static_cast<size_t>(g[8])]);
            const std::vector<int32_t> p = s.random_path_genome(sup, rng);
            const ArchConfig c = s.decode_path(sup, p);
            EXPECT_EQ(c.input_h, s.input_h);
            EXPECT_EQ(c.input_c, s.input_c);
            EXPECT_EQ(c.dots[0].downsample, s.downsample[static_cast<size_t>(p[0])]);
            EXPECT_EQ(c.dots[0].mbv2_expansions[0], s.expansions[static_cast<size_t>(p[1])]);
            std::vector<LayerSpec> ls;
            ASSERT_NO_THROW(ls = layers(c)) << "sample " << i;
            // Every sparsity entry names a prunable layer of the path with a supported block.
            for (const auto& [name, sp] : c.sparsity) {
                const std::string& layer = name;  // a lambda cannot capture a structured binding (C++17)
                auto it = std::find_if(ls.begin(), ls.end(), [&](const LayerSpec& l) { return l.name == layer; });
                ASSERT_NE(it, ls.end()) << name;
                EXPECT_TRUE(it->prunable) << name;
                const bool conv3 = it->kind == LayerKind::Conv && it->kernel == 3;
                EXPECT_EQ(sp.block == 3, conv3) << name;
                EXPECT_GT(sp.rho, 0.0f) << name;
            }
        }
    }
}

TEST(SearchSpaceGenes, SameSeedSameGenomesOtherSeedOthers)
{
    const SearchSpace s;
    const auto draw = [&](uint64_t seed) {
        std::mt19937_64 rng(seed);
        std::vector<std::vector<int32_t>> out;
        for (int i = 0; i < 5; i++) {
            out.push_back(s.random_supernet_genome(rng));
            out.push_back(s.random_path_genome(s.decode_supernet(out.back()), rng));
        }
        return out;
    };
    EXPECT_EQ(draw(5), draw(5));
    EXPECT_NE(draw(5), draw(6));
}

TEST(SearchSpaceGenes, EveryCandidateOfEveryGeneIsReachable)
{
    const SearchSpace s;
    std::mt19937_64 rng(2);
    const std::vector<int32_t> sup_genes = s.supernet_genes();
    std::vector<std::set<int32_t>> seen_sup(sup_genes.size());
    for (int i = 0; i < 300; i++) {
        const std::vector<int32_t> g = s.random_supernet_genome(rng);
        for (size_t j = 0; j < g.size(); j++) {
            seen_sup[j].insert(g[j]);
        }
    }
    for (size_t j = 0; j < sup_genes.size(); j++) {
        EXPECT_EQ(seen_sup[j].size(), static_cast<size_t>(sup_genes[j])) << s.supernet_gene_names()[j];
    }
    const SupernetSpace sup = known_supernet(s);
    const std::vector<int32_t> genes = s.path_genes(sup);
    std::vector<std::set<int32_t>> seen(genes.size());
    std::set<float> rhos;
    std::set<int32_t> blocks;
    std::set<int> downsample, pooling;
    for (int i = 0; i < 300; i++) {
        const std::vector<int32_t> g = s.random_path_genome(sup, rng);
        for (size_t j = 0; j < g.size(); j++) {
            seen[j].insert(g[j]);
        }
        const ArchConfig c = s.decode_path(sup, g);
        downsample.insert(static_cast<int>(c.dots[1].downsample));
        pooling.insert(static_cast<int>(c.pooling));
        for (const auto& [name, sp] : c.sparsity) {
            rhos.insert(sp.rho);
            blocks.insert(sp.block);
        }
    }
    for (size_t j = 0; j < genes.size(); j++) {
        EXPECT_EQ(seen[j].size(), static_cast<size_t>(genes[j])) << s.path_gene_names(sup)[j];
    }
    EXPECT_EQ(rhos, (std::set<float>{0.4f, 0.5f, 0.6f, 0.7f, 0.8f}));  // 0 is dense: no entry
    EXPECT_EQ(blocks, (std::set<int32_t>{2, 3, 4}));
    EXPECT_EQ(downsample.size(), s.downsample.size());
    EXPECT_EQ(pooling.size(), s.pooling.size());
}

TEST(SearchSpaceGenes, UnusedSlotsAreIgnored)
{
    const SearchSpace s;
    const SupernetSpace sup = known_supernet(s);
    std::vector<int32_t> g(s.path_genes(sup).size(), 0);
    const std::vector<std::string> names = s.path_gene_names(sup);
    // Transformer variant 2 ({2, false, 1}) has no conv pair; AvgPool has no logits layer.
    g[2] = 2;
    g[7] = static_cast<int32_t>(std::find(s.pooling.begin(), s.pooling.end(), PoolingKind::AvgPool) - s.pooling.begin());
    for (size_t i = 8; i < g.size(); i += 2) {
        g[i] = 5;  // sparsity 0.8 everywhere
    }
    const ArchConfig c = s.decode_path(sup, g);
    EXPECT_EQ(c.sparsity.count("dot1.vit_1.conv3x3_in"), 0u);
    EXPECT_EQ(c.sparsity.count("pool.logits"), 0u);
    EXPECT_EQ(c.sparsity.count("dot2.vit_1.conv3x3_in"), 1u);
    size_t prunable = 0;
    for (const LayerSpec& l : layers(c)) {
        prunable += l.prunable;
    }
    EXPECT_EQ(c.sparsity.size(), prunable);
}

TEST(SearchSpaceGenes, InvalidGenomesNameTheGene)
{
    const SearchSpace s;
    expect_error([&] { s.decode_supernet({0, 0, 0}); }, {"supernet genome has 3 genes", "9"});
    expect_error([&] { s.decode_supernet({0, 0, 0, 0, 0, 3, 0, 0, 0}); }, {"'dot2.heads' = 3", "0..2"});
    expect_error([&] { s.decode_supernet({0, 0, 0, 0, 0, 0, 0, 0, -1}); }, {"'last_dim' = -1"});
    const SupernetSpace sup = known_supernet(s);
    std::vector<int32_t> g(s.path_genes(sup).size(), 0);
    g[8] = 6;
    expect_error([&] { s.decode_path(sup, g); }, {"'dot1.down.conv.sparsity' = 6", "0..5"});
    g[8] = 0;
    g[9] = 1;  // the 3x3 conv's block gene has one choice
    expect_error([&] { s.decode_path(sup, g); }, {"'dot1.down.conv.block' = 1"});
    g.pop_back();
    expect_error([&] { s.decode_path(sup, g); }, {"path genome has"});
}

TEST(SearchSpaceGenes, InvalidSpacesAreRejected)
{
    SearchSpace s;
    s.dot2_dims = {};
    expect_error([&] { s.check(); }, {"'dot2.dim' is empty"});
    s = SearchSpace{};
    s.dot1_dims = {30};
    expect_error([&] { s.check(); }, {"heads 4 does not divide dot1.dim 30"});
    s = SearchSpace{};
    s.sparsities = {0.0f, 1.0f};
    expect_error([&] { s.check(); }, {"sparsity 1"});
    s = SearchSpace{};
    s.blocks = {3};
    expect_error([&] { s.check(); }, {"block 3 is not supported"});
    s = SearchSpace::for_input(4, 4, 1, 10);
    expect_error([&] { s.check(); }, {"4x4x1", "smallest feature maps"});
}

// ---- resources ----

TEST(SearchResources, KnownTargetsAndErrors)
{
    const McuTarget f = mcu_target("stm32f746");
    EXPECT_EQ(f.sram_bytes, 320 * 1024);
    EXPECT_EQ(f.flash_bytes, 1024 * 1024);
    const McuTarget h = mcu_target("stm32h743");
    EXPECT_EQ(h.sram_bytes, 512 * 1024);
    EXPECT_EQ(h.flash_bytes, 2048 * 1024);
    expect_error([] { mcu_target("esp32"); }, {"'esp32'", "stm32f746", "stm32h743"});
    expect_error([] { custom_target("x", 1000, 100000, 1000, 0); }, {"SRAM reserve of 1000", "leaves nothing"});
    expect_error([] { custom_target("x", 100000, 0); }, {"must be positive"});
    expect_error([] { custom_target("x", 100000, 200000, -1, 0); }, {"negative"});
}

TEST(SearchResources, EqualAnIndependentCompile)
{
    ArchConfig c = ArchConfig::tinyformer_300k();
    c.set_uniform_sparsity(0.6f, 4);
    const Resources r = evaluate_resources(c);
    const engine::CompiledModel m = engine::compile(build_engine_graph(c, 1));
    EXPECT_EQ(r.arena_bytes, m.arena_bytes());
    EXPECT_EQ(r.constant_bytes, m.constant_bytes());
    EXPECT_EQ(r.macs, m.total_macs());
    EXPECT_EQ(r.instructions, engine::estimate_instructions(m).total);
    EXPECT_GT(r.seconds_to_evaluate, 0.0);
    // Sparse coding shrinks the constants below the dense int8 weights.
    EXPECT_LT(r.constant_bytes, parameter_count(c));
}

TEST(SearchResources, FitsExactlyAtTheLimits)
{
    Resources r;
    r.arena_bytes = 100000;
    r.constant_bytes = 500000;
    r.macs = 1000000;
    const McuTarget at = custom_target("edge", 100000 + 20000, 500000 + 90000, 20000, 90000, 1000000);
    EXPECT_TRUE(fits(r, at));
    EXPECT_EQ(describe_misfit(r, at), "");

    McuTarget t = at;
    t.sram_bytes -= 1;
    ASSERT_EQ(exceeded_limits(r, t).size(), 1u);
    EXPECT_EQ(exceeded_limits(r, t)[0].limit, "SRAM");
    EXPECT_EQ(exceeded_limits(r, t)[0].over(), 1);
    EXPECT_FALSE(fits(r, t));
    EXPECT_NE(describe_misfit(r, t).find("SRAM: arena 100000 + reserve 20000 = 120000 bytes > 119999"),
              std::string::npos) << describe_misfit(r, t);

    t = at;
    t.flash_bytes -= 7;
    t.max_macs -= 3;
    const auto ex = exceeded_limits(r, t);
    ASSERT_EQ(ex.size(), 2u);
    EXPECT_EQ(ex[0].limit, "flash");
    EXPECT_EQ(ex[0].over(), 7);
    EXPECT_EQ(ex[1].limit, "MACs");
    EXPECT_EQ(ex[1].over(), 3);
    EXPECT_NE(describe_misfit(r, t).find("(over by 7)"), std::string::npos);

    t = at;
    t.max_macs = 0;  // no latency limit
    r.macs = int64_t{1} << 40;
    EXPECT_TRUE(fits(r, t));
}

TEST(SearchResources, BoundsTheEstimatedInstructions)
{
    Resources r;
    r.arena_bytes = 1000;
    r.constant_bytes = 1000;
    r.instructions = 5'000'000;
    McuTarget t = custom_target("edge", 100000, 500000, 20000, 90000, 0, 5'000'000);
    EXPECT_TRUE(fits(r, t));
    t.max_instructions = 4'999'990;
    const auto ex = exceeded_limits(r, t);
    ASSERT_EQ(ex.size(), 1u);
    EXPECT_EQ(ex[0].limit, "instructions");
    EXPECT_EQ(ex[0].over(), 10);
    EXPECT_EQ(describe_misfit(r, t),
              "instructions: estimated 5000000 per inference > limit 4999990 on edge (over by 10)\n");
    t.max_instructions = 0;  // no limit
    EXPECT_TRUE(fits(r, t));
    expect_error([] { custom_target("x", 100000, 200000, 0, 0, 0, -5); }, {"max_instructions = -5", ">= 0"});
}

TEST(SearchResources, SparsityShortensTheEstimatedLatency)
{
    // The instruction model's estimate falls with blockwise sparsity, as the
    // firmware's count does (bench/results/tinyformer-300k-cortex-m7.md: 184 M
    // dense, 107 M at 60%), while the MACs stay.
    ArchConfig c = ArchConfig::tinyformer_300k();
    const Resources dense = evaluate_resources(c);
    c.set_uniform_sparsity(0.6f, 4);
    const Resources sparse = evaluate_resources(c);
    EXPECT_EQ(dense.macs, sparse.macs);
    EXPECT_LT(sparse.instructions, dense.instructions * 3 / 4);
    // Within 10% of the firmware's measured 183,890,360 and 107,301,920 (that benchmark's table).
    EXPECT_NEAR(static_cast<double>(dense.instructions), 183890360.0, 0.1 * 183890360.0);
    EXPECT_NEAR(static_cast<double>(sparse.instructions), 107301920.0, 0.1 * 107301920.0);
}

// ---- Alg. 1 ----

TEST(SearchSpaceAnalysis, CountsOnASpaceWithHandComputedParameters)
{
    const SearchSpace s = hand_space();
    AnalysisOptions o;
    o.samples = 60;
    o.seed = 4;
    // L_m = 327680; accept [3000, 8400]: last_dim 16 (3738 parameters) in, 64 (11178) out.
    o.lambda_lo = 3000.0 / 327680.0;
    o.lambda_up = 8400.0 / 327680.0;
    const SpaceAnalysis a = analyze_search_space(s, mcu_target("stm32f746"), o);
    ASSERT_EQ(a.samples.size(), 60u);
    EXPECT_EQ(a.n_eval, 60);  // a few KB of arena and constants: all fit
    int with_16 = 0;
    for (const AnalysisSample& x : a.samples) {
        ASSERT_EQ(x.parameters, hand_parameters(x.dims[2])) << "last_dim " << x.dims[2];
        EXPECT_EQ(x.effective_parameters, x.parameters);
        EXPECT_EQ(x.dims[0], 8);
        EXPECT_EQ(x.dims[1], 16);
        EXPECT_EQ(x.accepted, x.dims[2] == 16);
        with_16 += x.dims[2] == 16;
    }
    EXPECT_EQ(a.n_accept, with_16);
    EXPECT_NEAR(a.probability(), 0.5, 0.2);  // half the samples draw last_dim 16
    EXPECT_DOUBLE_EQ(a.accept_lo, 3000.0);

    // A target too small for any sample: nothing evaluated, probability 0, no adjustment possible.
    const SpaceAnalysis none = analyze_search_space(s, custom_target("tiny", 2000, 1 << 20, 0, 0), o);
    EXPECT_EQ(none.n_eval, 0);
    EXPECT_EQ(none.probability(), 0.0);
    expect_error([&] { adjust_search_space(s, none); }, {"no sampled model fits tiny"});
    o.lambda_lo = 3.0;
    expect_error([&] { analyze_search_space(s, mcu_target("stm32f746"), o); }, {"lambda_lo 3"});
}

TEST(SearchSpaceAnalysis, AnalysisIsDeterministicForASeed)
{
    const SearchSpace s = SearchSpace::for_input(28, 28, 1, 10);
    SearchSpace small = s;
    small.dot1_dims = {8};
    small.dot2_dims = {16, 32};
    small.last_dims = {32};
    small.heads = {2};
    AnalysisOptions o;
    o.samples = 6;
    o.seed = 9;
    const SpaceAnalysis a = analyze_search_space(small, mcu_target("stm32f746"), o);
    const SpaceAnalysis b = analyze_search_space(small, mcu_target("stm32f746"), o);
    ASSERT_EQ(a.samples.size(), b.samples.size());
    for (size_t i = 0; i < a.samples.size(); i++) {
        EXPECT_EQ(a.samples[i].path_genome, b.samples[i].path_genome) << i;
        EXPECT_EQ(a.samples[i].resources.arena_bytes, b.samples[i].resources.arena_bytes) << i;
        EXPECT_EQ(a.samples[i].resources.constant_bytes, b.samples[i].resources.constant_bytes) << i;
    }
}

// ---- eqs. 1-3 ----

AnalysisSample sample(std::array<int32_t, 3> dims, int64_t n, bool fits)
{
    AnalysisSample s;
    s.dims = dims;
    s.effective_parameters = n;
    s.fits = fits;
    return s;
}

TEST(SearchSpaceAdjustment, EquationsOneToThreeOnHandComputedNumbers)
{
    const SearchSpace s;  // dims {32,44} / {96,128,256} / {512,768,1024}, heads {1,2,4}
    SpaceAnalysis a;
    a.samples = {sample({32, 96, 512}, 100, true), sample({32, 128, 512}, 200, true),
                 sample({44, 256, 1024}, 300, true), sample({44, 128, 768}, 600, true),
                 sample({64, 512, 2048}, 10000000, false)};  // does not fit: not in the statistics
    a.n_eval = 4;
    a.n_accept = 2;
    // k = 2/4 + 0.1 = 0.6; mean N = 300, N in [100, 600]: position (300-100)/500 = 0.4.
    // DoT1: mean 38, range [32, 44], b = 36.8: 32 -> 33.2 -> 32; 44 -> 40.4 -> 40.
    // DoT2: mean 152, range [96, 256], b = 160: 96 -> 126.4 -> 128; 128 -> 145.6 -> 144; 256 -> 222.4 -> 224.
    // last: mean 704, range [512, 1024], b = 716.8: 512 -> 601.6 -> 600; 768 -> 755.2 -> 756; 1024 -> 908.8 -> 908.
    const SearchSpace y = adjust_search_space(s, a);
    EXPECT_EQ(y.dot1_dims, (std::vector<int32_t>{32, 40}));
    EXPECT_EQ(y.dot2_dims, (std::vector<int32_t>{128, 144, 224}));
    EXPECT_EQ(y.last_dims, (std::vector<int32_t>{600, 756, 908}));
    EXPECT_EQ(y.heads, s.heads);
    EXPECT_EQ(y.mbv2_counts, s.mbv2_counts);
    EXPECT_EQ(y.transformer_counts, s.transformer_counts);
    EXPECT_NO_THROW(y.check());
}

TEST(SearchSpaceAdjustment, DimsStayMultiplesOfTheHeads)
{
    SearchSpace s;
    s.heads = {3};
    s.dot1_dims = {36, 60};
    s.dot2_dims = {96};
    s.last_dims = {500};
    SpaceAnalysis a;
    a.samples = {sample({36, 96, 500}, 10, true), sample({60, 96, 500}, 30, true)};
    a.n_eval = 2;
    a.n_accept = 0;
    // k = 0.1; mean N 20 in [10, 30]: position 0.5; DoT1 mean 48, b = 48: 36 -> 46.8, 60 -> 49.2: both 48
    // (the nearest multiple of lcm(4, 3) = 12), once. DoT2 and last: one value, b = x: unchanged (the last
    // linear has no heads: multiple of 4).
    const SearchSpace y = adjust_search_space(s, a);
    EXPECT_EQ(y.dot1_dims, (std::vector<int32_t>{48}));
    EXPECT_EQ(y.dot2_dims, (std::vector<int32_t>{96}));
    EXPECT_EQ(y.last_dims, (std::vector<int32_t>{500}));
}

TEST(SearchSpaceAdjustment, LoopStopsWhenAcceptedOrOutOfRounds)
{
    const SearchSpace s = hand_space();
    AnalysisOptions o;
    o.samples = 10;
    o.lambda_lo = 0.0;
    o.lambda_up = 1.0;  // every sample (<= 11178 parameters) accepted
    int calls = 0;
    AdjustmentResult r = analyze_and_adjust(s, mcu_target("stm32f746"), o, 4, 0.9,
                                            [&](const AdjustmentRound&) { calls++; });
    EXPECT_TRUE(r.accepted);
    EXPECT_EQ(r.rounds.size(), 1u);
    EXPECT_EQ(calls, 1);

    o.lambda_lo = o.lambda_up = 0.0;  // none accepted: k = 0.1 shrinks last_dim {16, 64} to a tenth of its spread
    calls = 0;
    r = analyze_and_adjust(s, mcu_target("stm32f746"), o, 3, 0.9, [&](const AdjustmentRound&) { calls++; });
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.rounds.size(), 3u);
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(r.rounds[0].space.last_dims, (std::vector<int32_t>{16, 64}));
    const std::vector<int32_t>& shrunk = r.rounds[1].space.last_dims;
    EXPECT_LE(shrunk.back() - shrunk.front(), 8);  // 0.1 * 48, then rounding to multiples of 4
    EXPECT_EQ(r.final_space().dot1_dims, s.dot1_dims);
}

}  // namespace
}  // namespace tinyformer::toolkit
