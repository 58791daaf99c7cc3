// The JSON form of an architecture config: what the search store keeps for
// every candidate (and uses as its key) and what a user's config file holds.
//
//   {"classes":10,
//    "dots":[{"dim":44,"downsample":"conv_maxpool","heads":2,"mbv2_expansions":[4],
//             "transformers":[{"conv_pair":true,"encoders":1,"mlp_ratio":2}]}, {...}],
//    "input_c":3,"input_h":32,"input_w":32,"last_dim":512,"pooling":"seqpool",
//    "sparsity":{"dot1.down.conv":{"block":3,"rho":0.5}}}
//
// Field names are ArchConfig's; enums are readable strings (downsample:
// conv_maxpool | conv_stride2 | conv; pooling: seqpool | avgpool). Every field
// is required except "sparsity" (absent = dense).
//
// Canonical: keys sorted, no whitespace, each rho written as the shortest
// decimal that reads back as the same float. Equal configs give equal strings,
// and arch_config_from_json(to_json(c)) == c field by field.
#pragma once

#include <string>

#include "tinyformer/toolkit/architecture.h"

namespace tinyformer::toolkit {

std::string to_json(const ArchConfig& config);

// Throws engine::Error for malformed JSON (with the byte offset), a missing or
// unknown field, a wrong type, an out-of-range integer or an unknown enum
// name, naming the field by its path (e.g. "dots[1].transformers[0].mlp_ratio").
// Whether the config is buildable (heads dividing dim, block sizes) is
// layers()'s check, not this one's.
ArchConfig arch_config_from_json(const std::string& json);

const char* downsample_name(DownsampleKind kind);  // "conv_maxpool", "conv_stride2", "conv"
const char* pooling_name(PoolingKind kind);        // "seqpool", "avgpool"

}  // namespace tinyformer::toolkit
