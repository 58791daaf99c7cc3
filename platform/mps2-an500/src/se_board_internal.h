/* Board-private helpers shared by the start-up and the counter. */
#ifndef TINYFORMER_PLATFORM_SE_BOARD_INTERNAL_H
#define TINYFORMER_PLATFORM_SE_BOARD_INTERNAL_H

/* One semihosting call (BKPT 0xAB): r0 = operation, r1 = argument; returns r0. */
int se_board_semihost(int operation, void *argument);
/* Writes a NUL-terminated string to QEMU's stdout, bypassing stdio. */
void se_board_write_string(const char *text);

#endif
