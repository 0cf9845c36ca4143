/* Standalone check of src/gort/ctx-aarch64.S under qemu-aarch64: a fresh context
 * enters its entry function with a 16-byte aligned stack, switches back and
 * forth a million times, and callee-saved registers (x19-x28, d8-d15) survive. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gort_ctx { void *sp; };
void gort__ctx_switch(struct gort_ctx *from, struct gort_ctx *to);
static struct gort_ctx main_ctx, g_ctx;
static volatile long counter;
static volatile uintptr_t entry_sp;

void gort__g_entry(void);
void gort__g_entry(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    entry_sp = sp;
    for (;;) {
        double d = counter * 1.5;
        counter++;
        gort__ctx_switch(&g_ctx, &main_ctx);
        if (d != (counter - 1) * 1.5)
            abort();
    }
}

static void make(struct gort_ctx *ctx, void *top)
{
    uintptr_t *sp = (uintptr_t *)(((uintptr_t)top & ~(uintptr_t)15) - 176);
    memset(sp, 0, 176);
    sp[11] = (uintptr_t)gort__g_entry;
    ctx->sp = sp;
}

int main(void)
{
    static char stack[65536] __attribute__((aligned(16)));
    make(&g_ctx, stack + sizeof(stack));
    register long x19 __asm__("x19") = 0x1919;
    register long x28 __asm__("x28") = 0x2828;
    register double d8 __asm__("d8") = 8.25;
    register double d15 __asm__("d15") = 15.5;
    for (long i = 0; i < 1000000; i++) {
        __asm__ volatile("" : "+r"(x19), "+r"(x28), "+w"(d8), "+w"(d15));
        gort__ctx_switch(&main_ctx, &g_ctx);
        __asm__ volatile("" : "+r"(x19), "+r"(x28), "+w"(d8), "+w"(d15));
        if (x19 != 0x1919 || x28 != 0x2828 || d8 != 8.25 || d15 != 15.5) {
            printf("callee-saved register lost at switch %ld\n", i);
            return 1;
        }
    }
    if (counter != 1000000 || entry_sp % 16 != 0) {
        printf("counter %ld, entry sp %#lx\n", counter, (unsigned long)entry_sp);
        return 1;
    }
    printf("aarch64 context switch: 1000000 round trips, callee-saved x19/x28/d8/d15 kept, "
           "entry sp 16-byte aligned\n");
    return 0;
}
