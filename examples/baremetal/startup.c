/* Start-up for a Cortex-M: the vector table and the reset handler, which
 * copies initialised data to RAM, zeroes the rest and calls main(). No C
 * library start-up code runs: nothing here needs it. */
#include <stdint.h>
#include <string.h>

extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);
void Reset_Handler(void);

static void hang(void)
{
    for (;;) {
    }
}

void Reset_Handler(void)
{
    memcpy(__data_start, __data_load,
           (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start));
    memset(__bss_start, 0, (size_t)((uintptr_t)__bss_end - (uintptr_t)__bss_start));
    (void)main();
    hang();
}

/* The initial stack pointer, then reset and the Cortex-M exceptions: NMI,
 * HardFault, four reserved on a Cortex-M0+, SVCall, two reserved, PendSV,
 * SysTick. A board adds its peripheral interrupts after these. */
typedef void (*vector)(void);

struct vector_table {
    uint32_t *initial_sp;
    vector handler[15];
};

__attribute__((section(".vectors"), used)) static const struct vector_table vectors = {
    __stack_top,
    {Reset_Handler, hang, hang, 0, 0, 0, 0, 0, 0, 0, hang, 0, 0, hang, hang},
};
