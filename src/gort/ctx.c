/*
 * ctx.c — preparing a fresh goroutine context, for each switch implementation. The assembly
 * switch pops callee-saved registers then returns; a fresh stack is laid out so that this
 * "return" enters gort__g_entry with the ABI's stack alignment. The ucontext fallback uses
 * makecontext/swapcontext (slower: swapcontext saves the signal mask with a system call).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "gort/gort_int.h"

#ifdef GORT_CTX_UCONTEXT
void gort__ctx_make(struct gort_ctx *ctx, void *stack_base, void *top)
{
    getcontext(&ctx->uc);
    ctx->uc.uc_stack.ss_sp = stack_base;
    ctx->uc.uc_stack.ss_size = (size_t)((char *)top - (char *)stack_base);
    ctx->uc.uc_link = NULL;
    makecontext(&ctx->uc, (void (*)(void))gort__g_entry, 0);
}

void gort__ctx_switch(struct gort_ctx *from, struct gort_ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}
#elif defined(__x86_64__)
void gort__ctx_make(struct gort_ctx *ctx, void *stack_base, void *top)
{
    /* After the six pops, ret takes slot 6; on entry rsp+8 must be 16-aligned. */
    uintptr_t *sp = (uintptr_t *)(((uintptr_t)top & ~(uintptr_t)15) - 64);

    (void)stack_base;
    memset(sp, 0, 64);
    sp[6] = (uintptr_t)gort__g_entry;
    ctx->sp = sp;
}
#elif defined(__aarch64__)
void gort__ctx_make(struct gort_ctx *ctx, void *stack_base, void *top)
{
    /* 176-byte frame; x30 (slot 11) is where ret goes; sp ends 16-aligned at top. */
    uintptr_t *sp = (uintptr_t *)(((uintptr_t)top & ~(uintptr_t)15) - 176);

    (void)stack_base;
    memset(sp, 0, 176);
    sp[11] = (uintptr_t)gort__g_entry;
    ctx->sp = sp;
}
#else
#error "no context switch for this CPU: configure --with-gort-ctx=ucontext"
#endif
