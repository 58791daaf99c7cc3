// ArchConfig <-> canonical JSON (architecture_json.h).
#include "tinyformer/toolkit/architecture_json.h"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {
namespace {

using nlohmann::json;  // std::map objects: keys come out sorted, which makes the text canonical

const DownsampleKind kDownsampleKinds[] = {DownsampleKind::ConvMaxPool, DownsampleKind::ConvStride2,
                                           DownsampleKind::Conv};
const PoolingKind kPoolingKinds[] = {PoolingKind::SeqPool, PoolingKind::AvgPool};

std::string field_name(const std::string& path)
{
    return path.empty() ? "the top level" : "'" + path + "'";
}

[[noreturn]] void fail(const std::string& path, const std::string& rule)
{
    throw engine::Error("architecture JSON: field " + field_name(path) + " " + rule);
}

// The fields of one JSON object, each named by its path in errors. finish()
// rejects fields nobody asked for: in a config file they are typos.
class ObjectReader {
public:
    ObjectReader(const json& value, std::string path) : value_(value), path_(std::move(path))
    {
        if (!value_.is_object()) {
            fail(path_, std::string("must be an object (got ") + value_.type_name() + ")");
        }
    }

    std::string path_of(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }

    const json* find(const std::string& name)
    {
        used_.insert(name);
        auto it = value_.find(name);
        return it == value_.end() ? nullptr : &*it;
    }

    const json& at(const std::string& name)
    {
        const json* v = find(name);
        if (v == nullptr) {
            fail(path_of(name), "is missing");
        }
        return *v;
    }

    void finish() const
    {
        for (auto it = value_.begin(); it != value_.end(); ++it) {
            if (used_.count(it.key()) == 0) {
                fail(path_of(it.key()), "is not a field of this object (a typo?)");
            }
        }
    }

private:
    const json& value_;
    std::string path_;
    std::set<std::string> used_;
};

int32_t read_int(const json& v, const std::string& path)
{
    if (!v.is_number_integer()) {
        fail(path, std::string("must be an integer (got ") + v.type_name() + " " + v.dump() + ")");
    }
    const bool fits = v.is_number_unsigned()
                          ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())
                          : v.get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                                v.get<int64_t>() <= std::numeric_limits<int32_t>::max();
    if (!fits) {
        fail(path, "= " + v.dump() + " does not fit a 32-bit integer");
    }
    return static_cast<int32_t>(v.get<int64_t>());
}

bool read_bool(const json& v, const std::string& path)
{
    if (!v.is_boolean()) {
        fail(path, std::string("must be true or false (got ") + v.type_name() + " " + v.dump() + ")");
    }
    return v.get<bool>();
}

// Read from the number's text, not through a double: the text is the
// shortest decimal of the float that was written, so the float comes back
// exactly.
float read_float(const json& v, const std::string& path)
{
    if (!v.is_number()) {
        fail(path, std::string("must be a number (got ") + v.type_name() + " " + v.dump() + ")");
    }
    return std::strtof(v.dump().c_str(), nullptr);
}

// The shortest decimal that reads back as `f`, held as the double nearest to
// it (which nlohmann writes with those same digits).
double shortest_decimal(float f)
{
    char text[32];
    for (int digits = 1; digits <= 9; digits++) {
        std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(f));
        if (std::strtof(text, nullptr) == f) {
            break;
        }
    }
    return std::strtod(text, nullptr);
}

template <typename Kind, size_t N>
Kind read_enum(const json& v, const std::string& path, const Kind (&kinds)[N], const char* (*name_of)(Kind))
{
    std::string known;
    for (Kind k : kinds) {
        if (v.is_string() && v.get<std::string>() == name_of(k)) {
            return k;
        }
        known += (known.empty() ? "" : ", ") + std::string(name_of(k));
    }
    fail(path, "= " + v.dump() + " is not one of " + known);
}

json transformer_to_json(const TransformerChoice& t)
{
    return json{{"mlp_ratio", t.mlp_ratio}, {"conv_pair", t.conv_pair}, {"encoders", t.encoders}};
}

json dot_to_json(const DoTConfig& d)
{
    json transformers = json::array();
    for (const TransformerChoice& t : d.transformers) {
        transformers.push_back(transformer_to_json(t));
    }
    return json{{"dim", d.dim},
                {"heads", d.heads},
                {"downsample", downsample_name(d.downsample)},
                {"mbv2_expansions", d.mbv2_expansions},
                {"transformers", transformers}};
}

template <typename ReadElement>
void read_array(const json& v, const std::string& path, ReadElement read_element)
{
    if (!v.is_array()) {
        fail(path, std::string("must be an array (got ") + v.type_name() + ")");
    }
    for (size_t i = 0; i < v.size(); i++) {
        read_element(v[i], path + "[" + std::to_string(i) + "]");
    }
}

TransformerChoice transformer_from_json(const json& v, const std::string& path)
{
    ObjectReader r(v, path);
    TransformerChoice t;
    t.mlp_ratio = read_int(r.at("mlp_ratio"), r.path_of("mlp_ratio"));
    t.conv_pair = read_bool(r.at("conv_pair"), r.path_of("conv_pair"));
    t.encoders = read_int(r.at("encoders"), r.path_of("encoders"));
    r.finish();
    return t;
}

DoTConfig dot_from_json(const json& v, const std::string& path)
{
    ObjectReader r(v, path);
    DoTConfig d;
    d.dim = read_int(r.at("dim"), r.path_of("dim"));
    d.heads = read_int(r.at("heads"), r.path_of("heads"));
    d.downsample = read_enum(r.at("downsample"), r.path_of("downsample"), kDownsampleKinds, downsample_name);
    d.mbv2_expansions.clear();
    read_array(r.at("mbv2_expansions"), r.path_of("mbv2_expansions"),
               [&](const json& e, const std::string& p) { d.mbv2_expansions.push_back(read_int(e, p)); });
    d.transformers.clear();
    read_array(r.at("transformers"), r.path_of("transformers"),
               [&](const json& e, const std::string& p) { d.transformers.push_back(transformer_from_json(e, p)); });
    r.finish();
    return d;
}

LayerSparsity sparsity_from_json(const json& v, const std::string& path)
{
    ObjectReader r(v, path);
    LayerSparsity s;
    s.rho = read_float(r.at("rho"), r.path_of("rho"));
    s.block = read_int(r.at("block"), r.path_of("block"));
    r.finish();
    return s;
}

}  // namespace

const char* downsample_name(DownsampleKind kind)
{
    switch (kind) {
    case DownsampleKind::ConvMaxPool: return "conv_maxpool";
    case DownsampleKind::ConvStride2: return "conv_stride2";
    case DownsampleKind::Conv: return "conv";
    }
    TF_INTERNAL_ASSERT(false);
    return "";
}

const char* pooling_name(PoolingKind kind)
{
    switch (kind) {
    case PoolingKind::SeqPool: return "seqpool";
    case PoolingKind::AvgPool: return "avgpool";
    }
    TF_INTERNAL_ASSERT(false);
    return "";
}

std::string to_json(const ArchConfig& config)
{
    json sparsity = json::object();
    for (const auto& [layer, s] : config.sparsity) {
        sparsity[layer] = json{{"rho", shortest_decimal(s.rho)}, {"block", s.block}};
    }
    const json j{{"input_h", config.input_h},
                 {"input_w", config.input_w},
                 {"input_c", config.input_c},
                 {"classes", config.classes},
                 {"dots", json::array({dot_to_json(config.dots[0]), dot_to_json(config.dots[1])})},
                 {"pooling", pooling_name(config.pooling)},
                 {"last_dim", config.last_dim},
                 {"sparsity", sparsity}};
    return j.dump();
}

ArchConfig arch_config_from_json(const std::string& text)
{
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw engine::Error("architecture JSON: malformed at byte " + std::to_string(e.byte) + ": " + e.what());
    }
    ObjectReader r(j, "");
    ArchConfig c;
    c.input_h = read_int(r.at("input_h"), "input_h");
    c.input_w = read_int(r.at("input_w"), "input_w");
    c.input_c = read_int(r.at("input_c"), "input_c");
    c.classes = read_int(r.at("classes"), "classes");
    const json& dots = r.at("dots");
    if (!dots.is_array() || dots.size() != c.dots.size()) {
        fail("dots", "must be an array of " + std::to_string(c.dots.size()) + " DoT objects (got " + dots.dump() + ")");
    }
    for (size_t i = 0; i < c.dots.size(); i++) {
        c.dots[i] = dot_from_json(dots[i], "dots[" + std::to_string(i) + "]");
    }
    c.pooling = read_enum(r.at("pooling"), "pooling", kPoolingKinds, pooling_name);
    c.last_dim = read_int(r.at("last_dim"), "last_dim");
    if (const json* sparsity = r.find("sparsity")) {
        if (!sparsity->is_object()) {
            fail("sparsity", std::string("must be an object of layer name -> {rho, block} (got ") +
                                 sparsity->type_name() + ")");
        }
        for (auto it = sparsity->begin(); it != sparsity->end(); ++it) {
            c.sparsity[it.key()] = sparsity_from_json(it.value(), "sparsity." + it.key());
        }
    }
    r.finish();
    return c;
}

}  // namespace tinyformer::toolkit
