/* Every benchmark family; each is void bench_<name>(void) in bench_<name>.c. */
#ifndef TINYFORMER_BENCH_MCU_BENCH_FAMILIES_H
#define TINYFORMER_BENCH_MCU_BENCH_FAMILIES_H

#define BENCH_FAMILY_LIST                                                                          \
    BENCH_FAMILY(conv)                                                                             \
    BENCH_FAMILY(depthwise)                                                                        \
    BENCH_FAMILY(fully_connected)                                                                  \
    BENCH_FAMILY(batch_matmul)                                                                     \
    BENCH_FAMILY(elementwise)                                                                      \
    BENCH_FAMILY(softmax)                                                                          \
    BENCH_FAMILY(layernorm)                                                                        \
    BENCH_FAMILY(attention)                                                                        \
    BENCH_FAMILY(sparse)

#define BENCH_FAMILY(name) void bench_##name(void);
BENCH_FAMILY_LIST
#undef BENCH_FAMILY

#endif
