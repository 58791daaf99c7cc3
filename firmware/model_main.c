/*
 * Firmware (and host) main for a generated model (docs/codegen.md).
 *
 * Feeds the model a deterministic input (or the embedded test input when the
 * build defines MODEL_TEST_INPUT_BYTES, an initializer list of
 * MODEL_INPUT_SIZE int8 values), runs it twice, checks that both runs give
 * the same bytes, and prints:
 *
 *   model: 7 layers, arena 4352 bytes, constants 1234 bytes, 123456 MACs
 *   layer 0 conv1: 18432 MACs, 41240 instructions
 *   ...
 *   total: 1234560 instructions
 *   output: 0c fd 80 ...
 *
 * Instruction counts come from the board counter (se_board.h) through the
 * model's profiling hook; they are printed when built with TF_MODEL_ON_BOARD
 * (the firmware) and left out on the host. The generated model.c must be
 * compiled with -DMODEL_PROFILE_HOOK=model_profile_hook. Exit status: 0, or 1
 * when init or run fails (the se_status is printed) or the two runs differ.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

#ifdef TF_MODEL_ON_BOARD
#include "se_board.h"
#endif

/* Instructions per layer, filled by the profiling hook during the last run. */
static uint32_t layer_instructions[MODEL_NUM_LAYERS];
#ifdef TF_MODEL_ON_BOARD
static uint64_t layer_start;
#endif

void model_profile_hook(int layer, const char *name, int phase)
{
    (void)name;
    if (layer < 0 || layer >= MODEL_NUM_LAYERS) {
        return;
    }
#ifdef TF_MODEL_ON_BOARD
    if (phase == MODEL_PHASE_BEGIN) {
        layer_start = se_board_instructions();
    } else {
        layer_instructions[layer] = se_board_instructions_since(layer_start);
    }
#else
    (void)phase;
    layer_instructions[layer] = 0;
#endif
}

/* The deterministic input: a 32-bit LCG, top byte of each state, minus 128.
 * tests/engine/test_c_emitter.cpp computes the same bytes. */
static void fill_input(int8_t *input)
{
#ifdef MODEL_TEST_INPUT_BYTES
    static const int8_t test_input[MODEL_INPUT_SIZE] = MODEL_TEST_INPUT_BYTES;
    memcpy(input, test_input, sizeof test_input);
#else
    uint32_t state = 12345u;
    int32_t i;
    for (i = 0; i < MODEL_INPUT_SIZE; i++) {
        state = state * 1103515245u + 12345u;
        input[i] = (int8_t)((int32_t)(state >> 24) - 128);
    }
#endif
}

int main(void)
{
    static int8_t first_output[MODEL_OUTPUT_SIZE];
    uint32_t total = 0;
    int status;
    int run;
    int i;

    printf("model: %d layers, arena %lu bytes, constants %lu bytes, %lu MACs\n", MODEL_NUM_LAYERS,
           (unsigned long)MODEL_ARENA_SIZE, (unsigned long)MODEL_CONSTANT_BYTES, (unsigned long)MODEL_TOTAL_MACS);
    status = model_init();
    if (status != 0) {
        printf("model_init failed: status %d\n", status);
        return 1;
    }
    for (run = 0; run < 2; run++) {
        fill_input(model_input());
        status = model_run();
        if (status != 0) {
            printf("model_run failed: status %d\n", status);
            return 1;
        }
        if (run == 0) {
            memcpy(first_output, model_output(), sizeof first_output);
        } else if (memcmp(first_output, model_output(), sizeof first_output) != 0) {
            printf("two runs on the same input gave different outputs\n");
            return 1;
        }
    }
    for (i = 0; i < MODEL_NUM_LAYERS; i++) {
#ifdef TF_MODEL_ON_BOARD
        printf("layer %d %s: %lu MACs, %lu instructions\n", i, model_layer_names[i], (unsigned long)model_layer_macs[i],
               (unsigned long)layer_instructions[i]);
#else
        printf("layer %d %s: %lu MACs\n", i, model_layer_names[i], (unsigned long)model_layer_macs[i]);
#endif
        total += layer_instructions[i];
    }
#ifdef TF_MODEL_ON_BOARD
    printf("total: %lu instructions\n", (unsigned long)total);
#else
    (void)total;
#endif
    printf("output:");
    for (i = 0; i < MODEL_OUTPUT_SIZE; i++) {
        printf(" %02x", (unsigned)(uint8_t)model_output()[i]);
    }
    printf("\n");
    return 0;
}
