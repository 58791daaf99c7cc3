/*
 * Deterministic instruction counter: SysTick, polled, no interrupt (see se_board.h).
 * SysTick counts down from LOAD to 0 and reloads; COUNTFLAG is set on each wrap
 * and cleared when CTRL is read. Each reading folds the wraps seen since the
 * previous reading into a 64-bit tick count.
 */
#include "se_board.h"

#define SYST_CTRL (*(volatile uint32_t *)0xE000E010u)
#define SYST_LOAD (*(volatile uint32_t *)0xE000E014u)
#define SYST_VAL (*(volatile uint32_t *)0xE000E018u)

#define SYST_CTRL_ENABLE (1u << 0)
#define SYST_CTRL_CLKSOURCE_CPU (1u << 2)
#define SYST_CTRL_COUNTFLAG (1u << 16)
#define SYST_RELOAD 0x00FFFFFFu

static uint64_t s_wrapped_ticks;
/* A wrap already counted from the counter value whose COUNTFLAG is still pending. */
static int s_flag_already_counted;

void se_board_counter_init(void)
{
    SYST_CTRL = 0;
    SYST_LOAD = SYST_RELOAD;
    SYST_VAL = 0; /* clears the counter and COUNTFLAG */
    SYST_CTRL = SYST_CTRL_ENABLE | SYST_CTRL_CLKSOURCE_CPU;
    /* The first tick loads LOAD; start counting after it, with COUNTFLAG clear. */
    while (SYST_VAL == 0) {
    }
    (void)SYST_CTRL;
    s_wrapped_ticks = 0;
    s_flag_already_counted = 0;
}

uint64_t se_board_instructions(void)
{
    uint32_t before = SYST_VAL;
    uint32_t ctrl = SYST_CTRL;
    uint32_t value = SYST_VAL;
    if (ctrl & SYST_CTRL_COUNTFLAG) {
        if (s_flag_already_counted) {
            s_flag_already_counted = 0;
        } else {
            s_wrapped_ticks += (uint64_t)SYST_RELOAD + 1u;
        }
    } else if (value > before) {
        /* Wrapped between reading CTRL and VAL: count it now, skip its flag next time. */
        s_wrapped_ticks += (uint64_t)SYST_RELOAD + 1u;
        s_flag_already_counted = 1;
    }
    uint64_t ticks = s_wrapped_ticks + (SYST_RELOAD - value);
    return ticks * SE_BOARD_INSTRUCTIONS_PER_TICK;
}

uint32_t se_board_instructions_since(uint64_t start)
{
    uint64_t elapsed = se_board_instructions() - start;
    return elapsed > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)elapsed;
}
