// The C emitter's file assembly: <prefix>.h (API), <prefix>.c (arena and
// layer calls), <prefix>_weights.c/.h (constants). The C of each layer comes
// from c_emitter_layers.cpp.
#include "tinyformer/engine/c_emitter.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "c_emitter_internal.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::engine {

std::string c_identifier(const std::string& name)
{
    std::string id;
    for (const char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        id += (std::isalnum(c) != 0 && c < 128) || ch == '_' ? ch : '_';
    }
    if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0])) != 0) {
        id.insert(id.begin(), '_');
    }
    return id;
}

namespace c_emit {

std::string c_int(int64_t value)
{
    if (value == INT32_MIN) {
        return "(-2147483647 - 1)";  // the literal 2147483648 is not an int
    }
    if (value > INT32_MAX || value < INT32_MIN) {
        return std::to_string(value) + "LL";
    }
    return std::to_string(value);
}

std::string c_string(const std::string& text)
{
    std::string out = "\"";
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 32 || c >= 127) {
            char octal[8];
            std::snprintf(octal, sizeof octal, "\\%03o", c);  // three digits: never eats the next character
            out += octal;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

std::string c_float(float value)
{
    TF_CHECK(std::isfinite(value), "cannot print the non-finite value ", value, " as a C float");
    char text[40];
    std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));  // 9 digits round-trip a float
    std::string out = text;
    if (out.find_first_of(".e") == std::string::npos) {
        out += ".0";
    }
    return out + "f";
}

std::string c_dims(const se_dims& d)
{
    return "{" + std::to_string(d.n) + ", " + std::to_string(d.h) + ", " + std::to_string(d.w) + ", " +
           std::to_string(d.c) + "}";
}

std::string c_activation(const se_activation& act)
{
    return "{" + std::to_string(act.min) + ", " + std::to_string(act.max) + "}";
}

std::string c_quant(const se_quant& quant) { return "{" + c_int(quant.multiplier) + ", " + c_int(quant.shift) + "}"; }

std::string Symbols::buffer(BufferId id) const
{
    TF_CHECK(id >= 0 && static_cast<size_t>(id) < model.buffers.size(), "buffer id ", id, " is not one of the ",
             model.buffers.size(), " buffers of the model");
    return "(arena + " + std::to_string(model.plan.offsets[static_cast<size_t>(id)]) + ")";
}

const ConstantArray& Symbols::constant(ArrayId id) const
{
    TF_CHECK(id >= 0 && static_cast<size_t>(id) < model.arrays.size(), "array id ", id, " is not one of the ",
             model.arrays.size(), " constant arrays of the model");
    return model.arrays[static_cast<size_t>(id)];
}

std::string Symbols::array(ArrayId id) const
{
    if (id == kNone || constant(id).bytes.empty()) {
        return "NULL";
    }
    return arrays[static_cast<size_t>(id)];
}

}  // namespace c_emit

namespace {

using c_emit::c_float;
using c_emit::c_int;
using c_emit::c_string;

std::string upper_case(std::string text)
{
    for (char& ch : text) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    return text;
}

// Text safe inside a C block comment.
std::string comment_text(const std::string& text)
{
    std::string out;
    for (const char ch : text) {
        const bool printable = static_cast<unsigned char>(ch) >= 32 && static_cast<unsigned char>(ch) < 127;
        out += printable ? ch : '?';
        if (out.size() >= 2 && out.compare(out.size() - 2, 2, "*/") == 0) {
            out.insert(out.size() - 1, " ");
        }
    }
    return out;
}

const char* c_type(DType dtype)
{
    switch (dtype) {
    case DType::Int8: return "int8_t";
    case DType::Int16: return "int16_t";
    case DType::Int32: return "int32_t";
    case DType::Float32: return "float";
    }
    return "int8_t";
}

// A macro's value: negative numbers in parentheses so that `a-X` stays a subtraction.
std::string macro_value(const std::string& text) { return text[0] == '-' ? "(" + text + ")" : text; }

struct Generator {
    const CompiledModel& model;
    const EmitOptions& options;
    c_emit::Symbols symbols;
    std::vector<c_emit::LayerCode> layers;
    bool sparse = false;

    Generator(const CompiledModel& m, const EmitOptions& o) : model(m), options(o), symbols{m, {}, {}, {}, {}}
    {
        TF_CHECK(!o.prefix.empty() && o.prefix.find_first_of("/\\") == std::string::npos,
                 "EmitOptions.prefix '", o.prefix, "' must be a non-empty file name without directories");
        symbols.sym = o.symbol_prefix.empty() ? c_identifier(o.prefix) : o.symbol_prefix;
        TF_CHECK(c_identifier(symbols.sym) == symbols.sym && symbols.sym[0] != '_', "EmitOptions.symbol_prefix '",
                 symbols.sym, "' must be a C identifier that does not start with '_' (e.g. 'model' or 'kws')");
        symbols.upper = upper_case(symbols.sym);
        TF_CHECK(!m.layers.empty(), "model '", o.model_name, "' has no layers: nothing to emit");
        TF_CHECK(m.plan.offsets.size() == m.buffers.size(), "model '", o.model_name, "' has ", m.buffers.size(),
                 " buffers but its plan places ", m.plan.offsets.size());
        TF_CHECK(m.arena_bytes() > 0 && m.arena_bytes() <= INT32_MAX, "model '", o.model_name, "': arena of ",
                 m.arena_bytes(), " bytes is not in [1, 2^31)");
        for (size_t b = 0; b < m.buffers.size(); ++b) {
            TF_CHECK(m.plan.offsets[b] >= 0 && m.plan.offsets[b] + m.buffers[b].size <= m.arena_bytes(),
                     "buffer '", m.buffers[b].name, "' at offset ", m.plan.offsets[b], " (", m.buffers[b].size,
                     " bytes) lies outside the arena of ", m.arena_bytes(), " bytes");
        }
        name_arrays();
        for (size_t i = 0; i < m.layers.size(); ++i) {
            symbols.layers.push_back("l" + std::to_string(i) + "_" + c_identifier(m.layers[i].name).substr(0, 40));
        }
        for (size_t i = 0; i < m.layers.size(); ++i) {
            layers.push_back(c_emit::emit_layer(symbols, static_cast<int>(i), m.layers[i]));
            sparse = sparse || layers.back().uses_sparse_kernels;
        }
    }

    // <sym>_<array name>, unique, never one of the API's names.
    void name_arrays()
    {
        std::set<std::string> taken;
        for (const char* api : {"init", "run", "input", "output", "layer_names", "layer_macs", "profile_hook"}) {
            taken.insert(symbols.sym + "_" + api);
        }
        for (const ConstantArray& a : model.arrays) {
            const std::string base = symbols.sym + "_" + c_identifier(a.name);
            std::string name = base;
            for (int n = 2; taken.count(name) != 0; ++n) {
                name = base + "_" + std::to_string(n);
            }
            taken.insert(name);
            symbols.arrays.push_back(name);
        }
    }

    std::string file_name(const char* suffix) const { return options.prefix + suffix; }

    int64_t buffer_size(BufferId id) const
    {
        TF_CHECK(id >= 0 && static_cast<size_t>(id) < model.buffers.size(), "model '", options.model_name,
                 "': input/output buffer id ", id, " is not one of its ", model.buffers.size(), " buffers");
        return model.buffers[static_cast<size_t>(id)].size;
    }

    std::string banner(const std::string& role) const
    {
        std::ostringstream out;
        out << "/*\n * " << role << "\n *\n"
            << " * Generated by TinyFormer from model \"" << comment_text(options.model_name)
            << "\". DO NOT EDIT: regenerate instead.\n"
            << " * " << model.layers.size() << " layers, " << model.total_macs() << " MACs; activation arena "
            << model.arena_bytes() << " bytes (SRAM), constants " << model.constant_bytes() << " bytes (flash).\n"
            << " */\n";
        return out.str();
    }

    std::string guard(const char* suffix) const { return "TINYFORMER_GENERATED_" + symbols.upper + suffix; }

    std::string tensor_macros(const char* role, BufferId buffer, const std::vector<int32_t>& shape, float scale,
                              int32_t zero_point) const
    {
        const std::string m = symbols.upper + "_" + role;
        std::ostringstream out;
        std::string dims;
        for (size_t i = 0; i < shape.size(); ++i) {
            dims += (i ? ", " : "") + std::to_string(shape[i]);
        }
        out << "/* " << role << ": int8 [" << dims << "], real value = scale * (q - zero_point). */\n";
        out << "#define " << m << "_SIZE " << buffer_size(buffer) << "\n";
        out << "#define " << m << "_RANK " << shape.size() << "\n";
        if (!shape.empty()) {
            out << "#define " << m << "_SHAPE {" << dims << "}\n";
        }
        out << "#define " << m << "_SCALE " << macro_value(c_float(scale)) << "\n";
        out << "#define " << m << "_ZERO_POINT " << macro_value(std::to_string(zero_point)) << "\n\n";
        return out.str();
    }

    std::string header() const
    {
        const std::string& s = symbols.sym;
        const std::string& u = symbols.upper;
        std::ostringstream out;
        out << banner("Inference API of the model (" + file_name(".c") + ", " + file_name("_weights.c") + ").");
        out << "#ifndef " << guard("_H") << "\n#define " << guard("_H") << "\n\n#include <stdint.h>\n\n"
            << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
        out << "/* Bytes of the activation arena (a static array in " << file_name(".c") << ", SRAM). */\n"
            << "#define " << u << "_ARENA_SIZE " << model.arena_bytes() << "\n"
            << "/* Bytes of the constant arrays (flash), parameter structs and code not included. */\n"
            << "#define " << u << "_CONSTANT_BYTES " << model.constant_bytes() << "\n"
            << "#define " << u << "_TOTAL_MACS " << model.total_macs() << "ULL\n"
            << "#define " << u << "_NUM_LAYERS " << model.layers.size() << "\n\n";
        out << tensor_macros("INPUT", model.input, model.input_shape, model.input_scale, model.input_zero_point);
        out << tensor_macros("OUTPUT", model.output, model.output_shape, model.output_scale,
                             model.output_zero_point);
        out << "/* Returns SE_OK (0), or the se_status of the sparse weights that failed to\n"
            << " * prepare. Call once before " << s << "_run(). */\n"
            << "int " << s << "_init(void);\n\n"
            << "/* Runs every layer on " << s << "_input(); the result is at " << s << "_output().\n"
            << " * Returns SE_OK (0), or the (negative) se_status of the first layer that failed;\n"
            << " * SE_ERR_NOT_PREPARED (-6) before a successful " << s << "_init(). */\n"
            << "int " << s << "_run(void);\n\n"
            << "/* " << u << "_INPUT_SIZE bytes to fill before " << s << "_run(). They live in the arena:\n"
            << " * the run overwrites them. */\n"
            << "int8_t *" << s << "_input(void);\n"
            << "/* " << u << "_OUTPUT_SIZE bytes, valid until the next " << s << "_run(). */\n"
            << "const int8_t *" << s << "_output(void);\n\n"
            << "/* Per layer, in execution order: name and multiply-accumulates. */\n"
            << "extern const char *const " << s << "_layer_names[" << u << "_NUM_LAYERS];\n"
            << "extern const uint32_t " << s << "_layer_macs[" << u << "_NUM_LAYERS];\n\n"
            << "/* Profiling. Compile " << file_name(".c") << " with -D" << u << "_PROFILE_HOOK=" << s
            << "_profile_hook\n"
            << " * (or the name of any function or macro with these arguments) and " << s << "_run()\n"
            << " * calls it before (phase " << u << "_PHASE_BEGIN) and after (" << u
            << "_PHASE_END) each layer.\n"
            << " * Without the definition the calls compile to nothing. */\n"
            << "#define " << u << "_PHASE_BEGIN 0\n#define " << u << "_PHASE_END 1\n"
            << "void " << s << "_profile_hook(int layer, const char *name, int phase);\n\n"
            << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard("_H") << " */\n";
        return out.str();
    }

    std::string weights_header() const
    {
        std::ostringstream out;
        out << banner("Constant arrays of the model, private to " + file_name(".c") + ".");
        out << "#ifndef " << guard("_WEIGHTS_H") << "\n#define " << guard("_WEIGHTS_H") << "\n\n"
            << "#include <stdint.h>\n\n";
        for (size_t i = 0; i < model.arrays.size(); ++i) {
            const ConstantArray& a = model.arrays[i];
            if (!a.bytes.empty()) {
                out << "extern const " << c_type(a.dtype) << " " << symbols.arrays[i] << "[" << a.count() << "];\n";
            }
        }
        out << "\n#endif /* " << guard("_WEIGHTS_H") << " */\n";
        return out.str();
    }

    static std::string element(const ConstantArray& a, int64_t i)
    {
        const size_t size = static_cast<size_t>(dtype_size(a.dtype));
        uint32_t bits = 0;
        for (size_t b = 0; b < size; ++b) {
            bits |= static_cast<uint32_t>(a.bytes[static_cast<size_t>(i) * size + b]) << (8 * b);
        }
        switch (a.dtype) {
        case DType::Int8: return std::to_string(static_cast<int8_t>(bits));
        case DType::Int16: return std::to_string(static_cast<int16_t>(bits));
        case DType::Int32: return c_int(static_cast<int32_t>(bits));
        case DType::Float32: {
            float value = 0.0f;
            std::memcpy(&value, &bits, sizeof value);
            return c_float(value);
        }
        }
        return "0";
    }

    std::string weights() const
    {
        std::ostringstream out;
        out << banner("Constant arrays of the model: `const`, so they stay in flash.");
        out << "#include \"" << file_name("_weights.h") << "\"\n";
        for (size_t i = 0; i < model.arrays.size(); ++i) {
            const ConstantArray& a = model.arrays[i];
            TF_CHECK(a.bytes.size() % static_cast<size_t>(dtype_size(a.dtype)) == 0, "constant array '", a.name,
                     "' has ", a.bytes.size(), " bytes, not a multiple of its ", to_string(a.dtype), " size");
            if (a.bytes.empty()) {
                continue;  // referenced as NULL
            }
            const int per_line = a.dtype == DType::Int8 ? 16 : 8;
            out << "\n/* " << comment_text(a.name) << ": " << a.count() << " x " << to_string(a.dtype) << " */\n"
                << "const " << c_type(a.dtype) << " " << symbols.arrays[i] << "[" << a.count()
                << "] __attribute__((aligned(4))) = {";
            for (int64_t k = 0; k < a.count(); ++k) {
                out << (k % per_line == 0 ? "\n    " : " ") << element(a, k) << (k + 1 < a.count() ? "," : "");
            }
            out << "\n};\n";
        }
        return out.str();
    }

    std::string source() const
    {
        const std::string& s = symbols.sym;
        const std::string& u = symbols.upper;
        std::ostringstream out;
        out << banner("The model: one static arena, one kernel call per layer.");
        out << "#include \"" << file_name(".h") << "\"\n#include \"" << file_name("_weights.h") << "\"\n"
            << "#include \"tinyformer/runtime/se_runtime.h\"\n";
        if (sparse) {
            out << "#include \"tinyformer/runtime/se_sparse_kernels.h\" /* sparse layers */\n";
        }
        out << "\n#ifndef " << u << "_PROFILE_HOOK\n#define " << u
            << "_PROFILE_HOOK(layer, name, phase) ((void)0)\n#endif\n\n";
        out << "/* Every activation and scratch buffer, at the offsets of the memory plan (" << model.plan.planner
            << "). */\n"
            << "static int8_t arena[" << u << "_ARENA_SIZE] __attribute__((aligned(16)));\n"
            << "static int initialized; /* set by " << s << "_init() */\n\n";
        out << "const char *const " << s << "_layer_names[" << u << "_NUM_LAYERS] = {\n";
        for (const Layer& layer : model.layers) {
            out << "    " << c_string(layer.name) << ",\n";
        }
        out << "};\n\nconst uint32_t " << s << "_layer_macs[" << u << "_NUM_LAYERS] = {";
        for (size_t i = 0; i < model.layers.size(); ++i) {
            TF_CHECK(model.layers[i].macs >= 0 && model.layers[i].macs <= UINT32_MAX, "layer '",
                     model.layers[i].name, "': ", model.layers[i].macs, " MACs do not fit uint32_t");
            out << (i ? ", " : "") << model.layers[i].macs << "u";
        }
        out << "};\n";
        for (size_t i = 0; i < model.layers.size(); ++i) {
            const Layer& layer = model.layers[i];
            out << "\n/* Layer " << i << " \"" << comment_text(layer.name) << "\": "
                << comment_text(layers[i].description) << ". */\n"
                << layers[i].definitions;
        }
        out << "\nint " << s << "_init(void)\n{\n";
        bool any_init = false;
        for (const c_emit::LayerCode& code : layers) {
            any_init = any_init || !code.init.empty();
        }
        if (any_init) {
            out << "    se_status status;\n";
            for (const c_emit::LayerCode& code : layers) {
                out << code.init;
            }
        }
        out << "    initialized = 1;\n    return SE_OK;\n}\n\n";
        out << "int8_t *" << s << "_input(void)\n{\n    return " << symbols.buffer(model.input) << ";\n}\n\n";
        out << "const int8_t *" << s << "_output(void)\n{\n    return " << symbols.buffer(model.output)
            << ";\n}\n\n";
        out << "int " << s << "_run(void)\n{\n    se_status status;\n    if (!initialized) {\n"
            << "        return SE_ERR_NOT_PREPARED;\n    }\n";
        for (size_t i = 0; i < model.layers.size(); ++i) {
            const std::string hook = "    " + u + "_PROFILE_HOOK(" + std::to_string(i) + ", " + s + "_layer_names[" +
                                     std::to_string(i) + "], " + u;
            out << "\n" << hook << "_PHASE_BEGIN);\n"
                << layers[i].call << hook << "_PHASE_END);\n"
                << "    if (status != SE_OK) {\n        return (int)status;\n    }\n";
        }
        out << "    return SE_OK;\n}\n";
        return out.str();
    }
};

void write_if_changed(const std::filesystem::path& path, const std::string& text)
{
    {
        std::ifstream in(path, std::ios::binary);
        if (in) {
            std::ostringstream old;
            old << in.rdbuf();
            if (old.str() == text) {
                return;  // unchanged: keep the timestamp so builds do not recompile
            }
        }
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    TF_CHECK(out.good(), "cannot write generated file '", path.string(), "'");
}

}  // namespace

EmittedFiles emit_c_sources(const CompiledModel& model, const EmitOptions& options)
{
    const Generator generator(model, options);
    return EmittedFiles{generator.header(), generator.source(), generator.weights(), generator.weights_header()};
}

EmittedFiles emit_c(const CompiledModel& model, const EmitOptions& options)
{
    TF_CHECK(!options.directory.empty(), "EmitOptions.directory is empty: say where the generated files go");
    const EmittedFiles texts = emit_c_sources(model, options);
    const std::filesystem::path dir(options.directory);
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    TF_CHECK(!error, "cannot create directory '", options.directory, "': ", error.message());
    EmittedFiles paths{(dir / (options.prefix + ".h")).string(), (dir / (options.prefix + ".c")).string(),
                       (dir / (options.prefix + "_weights.c")).string(),
                       (dir / (options.prefix + "_weights.h")).string()};
    write_if_changed(paths.header, texts.header);
    write_if_changed(paths.source, texts.source);
    write_if_changed(paths.weights, texts.weights);
    write_if_changed(paths.weights_header, texts.weights_header);
    return paths;
}

}  // namespace tinyformer::engine
