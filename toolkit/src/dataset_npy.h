// The header of a NumPy .npy array (format versions 1.0, 2.0, 3.0):
//   "\x93NUMPY", major, minor, header length (u16 LE for 1.x, u32 LE for 2.x/3.x),
//   then a Python dict literal {'descr': '<i8', 'fortran_order': False, 'shape': (N, 3072), }
// Private to the toolkit's dataset readers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinyformer::toolkit::detail {

struct NpyHeader {
    std::string descr;           // e.g. "|u1", "<i8"
    char byte_order = '|';       // '<' little, '>' big, '|' not applicable ('=' is read as '<')
    char kind = 'u';             // 'u' unsigned, 'i' signed, 'b' bool, 'f' float, ...
    int32_t item_size = 1;       // bytes per element
    bool fortran_order = false;
    std::vector<int64_t> shape;
    int64_t data_offset = 0;     // bytes from the start of the .npy to the first element

    int64_t count() const;       // elements (1 for shape ())
    int64_t data_bytes() const { return count() * item_size; }
    std::string shape_string() const;  // "(N, 3072)"
};

// The number of bytes the fixed part takes (magic, version, length) once the
// first 8 bytes are known: 10 for version 1, 12 for versions 2 and 3.
// `where` names the array for messages ("file 'x.npz', array 'data'").
int64_t npy_preamble_size(const uint8_t* first8, int64_t available, const std::string& where);

// Parses the header from the start of an .npy (at least npy_preamble_size +
// the header length bytes). Throws naming `where` on anything malformed.
NpyHeader parse_npy_header(const uint8_t* bytes, int64_t available, const std::string& where);

// Element i of an integer array as int64 (any width 1/2/4/8, either byte order).
int64_t npy_integer_at(const NpyHeader& h, const uint8_t* data, int64_t i);

}  // namespace tinyformer::toolkit::detail
