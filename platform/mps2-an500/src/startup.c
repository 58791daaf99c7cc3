/*
 * Start-up for QEMU mps2-an500 (Cortex-M7): vector table, reset handler,
 * semihosting (console, command line, exit), heap for newlib's malloc, fault
 * handlers. Linked as objects into every firmware (se_board), before newlib and
 * librdimon, so _exit and _sbrk here take precedence.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "se_board.h"
#include "se_board_internal.h"

/* Symbols of the linker script (ld/sections.ld). */
extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern char __heap_start[], __heap_limit[];

extern int main(int argc, char **argv);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

/* ---- semihosting --------------------------------------------------------- */

#define SH_SYS_WRITE0 0x04
#define SH_SYS_GET_CMDLINE 0x15
#define SH_SYS_EXIT_EXTENDED 0x20
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026

int se_board_semihost(int operation, void *argument)
{
    register int r0 __asm__("r0") = operation;
    register void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void se_board_write_string(const char *text) { (void)se_board_semihost(SH_SYS_WRITE0, (void *)(uintptr_t)text); }

void se_board_exit(int status)
{
    uint32_t block[2] = {SH_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    (void)se_board_semihost(SH_SYS_EXIT_EXTENDED, block);
    for (;;) {
        /* Only reached without semihosting. */
    }
}

/* newlib's exit() ends here after running atexit handlers and flushing stdio. */
void _exit(int status) { se_board_exit(status); }

/* ---- command line (QEMU -append "...") ---------------------------------- */

#define SE_BOARD_CMDLINE_BYTES 1024
#define SE_BOARD_MAX_ARGS 64

static char s_cmdline[SE_BOARD_CMDLINE_BYTES];
static char *s_argv[SE_BOARD_MAX_ARGS + 1];
static char s_default_arg0[] = "firmware";

/* QEMU passes "<kernel path> <-append words>", split on spaces. */
static int read_command_line(void)
{
    uint32_t block[2] = {(uint32_t)(uintptr_t)s_cmdline, sizeof(s_cmdline)};
    int argc = 0;
    if (se_board_semihost(SH_SYS_GET_CMDLINE, block) == 0) {
        s_cmdline[sizeof(s_cmdline) - 1] = '\0';
        char *p = s_cmdline;
        while (*p != '\0' && argc < SE_BOARD_MAX_ARGS) {
            while (*p == ' ') {
                *p++ = '\0';
            }
            if (*p == '\0') {
                break;
            }
            s_argv[argc++] = p;
            while (*p != '\0' && *p != ' ') {
                p++;
            }
        }
    }
    if (argc == 0) {
        s_argv[argc++] = s_default_arg0;
    }
    s_argv[argc] = NULL;
    return argc;
}

/* ---- heap ---------------------------------------------------------------- */

/* newlib's malloc grows the heap from the end of .bss up to the end of SRAM. */
void *_sbrk(ptrdiff_t increment)
{
    static char *s_break = NULL;
    if (s_break == NULL) {
        s_break = __heap_start;
    }
    if (increment > __heap_limit - s_break || increment < __heap_start - s_break) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *previous = s_break;
    s_break += increment;
    return previous;
}

/* Called by __libc_init_array / exit; no crti/crtn with -nostartfiles. */
void _init(void) {}
void _fini(void) {}

/* ---- reset --------------------------------------------------------------- */

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)

void Reset_Handler(void) __attribute__((noreturn));
void Reset_Handler(void)
{
    /* FPU first (CP10, CP11 full access): the code below may use FP registers. */
    SCB_CPACR |= (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");

    for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end;) {
        *dst++ = 0;
    }

    /* Separate MemManage/BusFault/UsageFault handlers; trap integer division by zero. */
    SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18);
    SCB_CCR |= (1u << 4);

    se_board_counter_init();
    initialise_monitor_handles();
    __libc_init_array();
    int argc = read_command_line();
    exit(main(argc, s_argv));
}

/* ---- faults and unexpected interrupts ------------------------------------ */

static void append_hex(char **out, uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    *(*out)++ = '0';
    *(*out)++ = 'x';
    for (int shift = 28; shift >= 0; shift -= 4) {
        *(*out)++ = digits[(value >> shift) & 0xFu];
    }
}

static void append_text(char **out, const char *text)
{
    while (*text != '\0') {
        *(*out)++ = *text++;
    }
}

/* Reports without printf (the heap or stdio may be what broke) and exits non-zero.
 * frame: the stacked r0-r3, r12, lr, pc, xpsr. */
void se_board_fault(const uint32_t *frame, uint32_t exc_return);
void se_board_fault(const uint32_t *frame, uint32_t exc_return)
{
    static const char *const names[16] = {"?",          "reset", "NMI",     "HardFault", "MemManage", "BusFault",
                                          "UsageFault", "?",     "?",       "?",         "?",         "SVCall",
                                          "DebugMon",   "?",     "PendSV",  "SysTick"};
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    ipsr &= 0x1FFu;
    char text[256];
    char *out = text;
    append_text(&out, "\n*** FAULT: ");
    append_text(&out, ipsr < 16 ? names[ipsr] : "unexpected interrupt");
    append_text(&out, " (exception ");
    append_hex(&out, ipsr);
    append_text(&out, ")\n    pc=");
    append_hex(&out, frame[6]);
    append_text(&out, " lr=");
    append_hex(&out, frame[5]);
    append_text(&out, " xpsr=");
    append_hex(&out, frame[7]);
    append_text(&out, " exc_return=");
    append_hex(&out, exc_return);
    append_text(&out, "\n    CFSR=");
    append_hex(&out, *(volatile uint32_t *)0xE000ED28u);
    append_text(&out, " HFSR=");
    append_hex(&out, *(volatile uint32_t *)0xE000ED2Cu);
    append_text(&out, " MMFAR=");
    append_hex(&out, *(volatile uint32_t *)0xE000ED34u);
    append_text(&out, " BFAR=");
    append_hex(&out, *(volatile uint32_t *)0xE000ED38u);
    append_text(&out, "\n    (CFSR bits: 0x02000000 divide by zero, 0x01000000 unaligned, 0x00010000 undefined"
                      " instruction, 0x00008200 precise bus fault at BFAR, 0x00000082 MPU fault at MMFAR)\n");
    *out = '\0';
    se_board_write_string(text);
    se_board_exit(SE_BOARD_FAULT_STATUS);
}

/* Passes the stacked frame (MSP or PSP, from EXC_RETURN bit 2) to se_board_fault. */
__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "mov r1, lr\n\t"
                     "b se_board_fault\n\t");
}

/* ---- vector table -------------------------------------------------------- */

typedef void (*se_vector)(void);

#define SE_BOARD_EXTERNAL_IRQS 48

__attribute__((section(".isr_vector"), used)) static const se_vector k_vectors[16 + SE_BOARD_EXTERNAL_IRQS] = {
    [0] = (se_vector)(uintptr_t)__stack_top,
    [1] = Reset_Handler,
    [2 ... 15] = Fault_Handler,
    [16 ... 16 + SE_BOARD_EXTERNAL_IRQS - 1] = Fault_Handler,
};
