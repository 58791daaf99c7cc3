/* Every kernel test suite; each is void suite_<name>(void) in test_<name>.c. */
#ifndef TINYFORMER_TESTS_SE_TEST_SUITES_H
#define TINYFORMER_TESTS_SE_TEST_SUITES_H

#define SE_TEST_SUITE_LIST                                                                         \
    SE_TEST_SUITE(fixedpoint)                                                                      \
    SE_TEST_SUITE(conv2d)                                                                          \
    SE_TEST_SUITE(depthwise_conv3x3)                                                               \
    SE_TEST_SUITE(conv1x1)                                                                         \
    SE_TEST_SUITE(fully_connected)                                                                 \
    SE_TEST_SUITE(batch_matmul)                                                                    \
    SE_TEST_SUITE(add)                                                                             \
    SE_TEST_SUITE(pool)                                                                            \
    SE_TEST_SUITE(softmax)                                                                         \
    SE_TEST_SUITE(layernorm)                                                                       \
    SE_TEST_SUITE(seqpool)                                                                         \
    SE_TEST_SUITE(attention)                                                                       \
    SE_TEST_SUITE(sparse_conv)                                                                     \
    SE_TEST_SUITE(sparse_fc)                                                                       \
    SE_TEST_SUITE(sparse_decode)

#define SE_TEST_SUITE(name) void suite_##name(void);
SE_TEST_SUITE_LIST
#undef SE_TEST_SUITE

#endif
