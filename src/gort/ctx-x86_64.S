/*
 * ctx-x86_64.S — goroutine context switch for x86-64 (System V): saves the callee-saved
 * registers on the current stack, stores the stack pointer in *from, loads *to's and pops.
 * The x87 control word and MXCSR are not saved: goroutines must not change rounding modes.
 *
 *   void gort__ctx_switch(struct gort_ctx *from, struct gort_ctx *to);
 */
    .text
    .globl gort__ctx_switch
    .type gort__ctx_switch, @function
gort__ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size gort__ctx_switch, .-gort__ctx_switch
    .section .note.GNU-stack,"",@progbits
