#include "dataset_npy.h"

#include <cctype>
#include <cstring>
#include <map>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit::detail {
namespace {

// A value of the header dict: a string, a boolean or a tuple of integers.
struct DictValue {
    enum class Kind { String, Bool, Tuple } kind = Kind::String;
    std::string text;
    bool flag = false;
    std::vector<int64_t> numbers;
};

// A recursive-descent reader of the Python literal numpy writes (and nothing more).
class HeaderParser {
public:
    HeaderParser(std::string text, std::string where) : s_(std::move(text)), where_(std::move(where)) {}

    std::map<std::string, DictValue> dict()
    {
        std::map<std::string, DictValue> entries;
        expect('{');
        while (!accept('}')) {
            const std::string key = string_literal();
            expect(':');
            TF_CHECK(entries.count(key) == 0, where_, ": .npy header repeats the key '", key, "'");
            entries[key] = value();
            if (!accept(',')) {
                expect('}');
                break;
            }
        }
        skip_space();
        TF_CHECK(pos_ == s_.size(), where_, ": .npy header has text after the dict: '", s_.substr(pos_), "'");
        return entries;
    }

private:
    void skip_space()
    {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) {
            ++pos_;
        }
    }
    bool accept(char c)
    {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c)
    {
        TF_CHECK(accept(c), where_, ": malformed .npy header: expected '", c, "' at offset ", pos_, " in \"", s_,
                 "\"");
    }
    std::string string_literal()
    {
        skip_space();
        TF_CHECK(pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"'), where_,
                 ": malformed .npy header: expected a quoted string at offset ", pos_, " in \"", s_, "\"");
        const char quote = s_[pos_++];
        const size_t end = s_.find(quote, pos_);
        TF_CHECK(end != std::string::npos, where_, ": malformed .npy header: unterminated string in \"", s_, "\"");
        std::string out = s_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return out;
    }
    int64_t integer()
    {
        skip_space();
        const size_t start = pos_;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
            ++pos_;
        }
        TF_CHECK(pos_ > start && pos_ - start <= 15, where_, ": malformed .npy header: expected a dimension at offset ",
                 start, " in \"", s_, "\"");
        const int64_t v = std::stoll(s_.substr(start, pos_ - start));
        if (pos_ < s_.size() && (s_[pos_] == 'L' || s_[pos_] == 'l')) {
            ++pos_;  // Python 2 long suffix
        }
        return v;
    }
    DictValue value()
    {
        skip_space();
        DictValue v;
        if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"')) {
            v.kind = DictValue::Kind::String;
            v.text = string_literal();
        } else if (s_.compare(pos_, 4, "True") == 0 || s_.compare(pos_, 5, "False") == 0) {
            v.kind = DictValue::Kind::Bool;
            v.flag = s_[pos_] == 'T';
            pos_ += v.flag ? 4 : 5;
        } else if (accept('(')) {
            v.kind = DictValue::Kind::Tuple;
            while (!accept(')')) {
                v.numbers.push_back(integer());
                if (!accept(',')) {
                    expect(')');
                    break;
                }
            }
        } else {
            TF_CHECK(false, where_, ": .npy header value at offset ", pos_, " is not a string, bool or tuple (\"", s_,
                     "\"); structured dtypes are not supported");
        }
        return v;
    }

    std::string s_;
    std::string where_;
    size_t pos_ = 0;
};

}  // namespace

int64_t NpyHeader::count() const
{
    int64_t n = 1;
    for (int64_t d : shape) {
        n *= d;
    }
    return n;
}

std::string NpyHeader::shape_string() const
{
    std::string out = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        out += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return out + (shape.size() == 1 ? ",)" : ")");
}

int64_t npy_preamble_size(const uint8_t* first8, int64_t available, const std::string& where)
{
    static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    TF_CHECK(available >= 8 && std::memcmp(first8, kMagic, 6) == 0, where,
             ": not a .npy array (expected the magic \"\\x93NUMPY\" at its start)");
    const uint8_t major = first8[6];
    TF_CHECK(major >= 1 && major <= 3, where, ": .npy format version ", int{major}, ".", int{first8[7]},
             " is not supported (expected 1.0, 2.0 or 3.0)");
    return major == 1 ? 10 : 12;
}

NpyHeader parse_npy_header(const uint8_t* bytes, int64_t available, const std::string& where)
{
    const int64_t preamble = npy_preamble_size(bytes, available, where);
    TF_CHECK(available >= preamble, where, ": .npy is truncated inside its preamble (", available, " bytes)");
    int64_t header_len = int64_t{bytes[8]} | (int64_t{bytes[9]} << 8);
    if (preamble == 12) {
        header_len |= (int64_t{bytes[10]} << 16) | (int64_t{bytes[11]} << 24);
    }
    TF_CHECK(available >= preamble + header_len, where, ": .npy is truncated: its header needs ", preamble + header_len,
             " bytes, found ", available);
    const std::string text(reinterpret_cast<const char*>(bytes + preamble), static_cast<size_t>(header_len));
    auto dict = HeaderParser(text, where).dict();

    for (const char* key : {"descr", "fortran_order", "shape"}) {
        TF_CHECK(dict.count(key) == 1, where, ": .npy header lacks the key '", key, "' (\"", text, "\")");
    }
    TF_CHECK(dict.size() == 3, where, ": .npy header has keys other than descr, fortran_order, shape (\"", text, "\")");
    TF_CHECK(dict["descr"].kind == DictValue::Kind::String, where, ": .npy 'descr' is not a string (\"", text, "\")");
    TF_CHECK(dict["fortran_order"].kind == DictValue::Kind::Bool, where, ": .npy 'fortran_order' is not True/False");
    TF_CHECK(dict["shape"].kind == DictValue::Kind::Tuple, where, ": .npy 'shape' is not a tuple (\"", text, "\")");

    NpyHeader h;
    h.descr = dict["descr"].text;
    h.fortran_order = dict["fortran_order"].flag;
    h.shape = dict["shape"].numbers;
    h.data_offset = preamble + header_len;
    const std::string& d = h.descr;
    TF_CHECK(d.size() >= 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') &&
                 std::isalpha(static_cast<unsigned char>(d[1])),
             where, ": .npy dtype '", d, "' is not a simple numeric dtype (expected e.g. '|u1' or '<i8')");
    for (size_t i = 2; i < d.size(); ++i) {
        TF_CHECK(std::isdigit(static_cast<unsigned char>(d[i])), where, ": .npy dtype '", d,
                 "' is not a simple numeric dtype (expected e.g. '|u1' or '<i8')");
    }
    h.byte_order = d[0] == '=' ? '<' : d[0];
    h.kind = d[1];
    h.item_size = std::stoi(d.substr(2));
    TF_CHECK(h.item_size > 0, where, ": .npy dtype '", d, "' has item size 0");
    int64_t count = 1;
    for (int64_t dim : h.shape) {
        TF_CHECK(dim >= 0, where, ": .npy shape ", h.shape_string(), " has a negative dimension");
        count *= dim;
        TF_CHECK(count < (int64_t{1} << 40), where, ": .npy shape ", h.shape_string(), " is implausibly large");
    }
    return h;
}

int64_t npy_integer_at(const NpyHeader& h, const uint8_t* data, int64_t i)
{
    const uint8_t* p = data + i * h.item_size;
    uint64_t raw = 0;
    for (int32_t b = 0; b < h.item_size; ++b) {
        const int32_t shift = h.byte_order == '>' ? 8 * (h.item_size - 1 - b) : 8 * b;
        raw |= uint64_t{p[b]} << shift;
    }
    if (h.kind == 'i' && h.item_size < 8 && (raw >> (8 * h.item_size - 1)) & 1u) {
        raw |= ~uint64_t{0} << (8 * h.item_size);  // sign-extend
    }
    return static_cast<int64_t>(raw);
}

}  // namespace tinyformer::toolkit::detail
