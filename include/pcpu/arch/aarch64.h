/*
 * <pcpu/arch/aarch64.h> -- the aarch64 rseq critical section behind counter_u64_add() and
 * DPCPU_ADD(); included by <pcpu/percpu_add.h>, not an API of its own.
 *
 * PCPU_ARCH_ADD(sfx, mod) is the text of one attempt at adding v to the current CPU's
 * slot, slot0 + cpu_id * stride: sfx is the load/store size suffix (b, h, or none) and
 * mod the register prefix of the width (w or x). The asm goto that uses it offers the
 * operands rs (the address of this thread's struct rseq), slot0, stride and v, clobbers
 * x9, x10 and x12, and names the label slow.
 *
 * Why it is exact: as on x86_64 (<pcpu/arch/x86_64.h>), the CPU number is loaded inside
 * the section and the store of the new value is its last instruction; preemption,
 * migration or a signal before it makes the kernel resume at the abort handler, so the
 * load and the store of the slot happen on one CPU with nothing of that CPU between them.
 * The slot has no other plain or exclusive writer (counter_u64_zero() writes a word of
 * its own), so no fence is read and no acquire is needed: a reader on another CPU relies
 * on per-location coherence alone, and the rseq_cs store and the cpu_id load are ordered
 * for the kernel by program order on this CPU. A thread with no registered area reads a
 * negative cpu_id and leaves at the sign test, before it touches the slot.
 *
 * There is no count-and-sum section (PCPU_ARCH_ADD_COUNT_SUM, <pcpu/arch/x86_64.h>). The
 * x86_64 one knows that an abort came after the count's add from the carry flag that
 * add leaves; here the count's add is an ldr/add/str, and the str sets no flag, so the
 * abort handler could not tell whether the count was stored, and a retry could add it
 * twice. (A post-indexed str, which stores and moves its base register in one
 * instruction, could serve as the marker; it is not written, since no machine here runs
 * rseq on aarch64 to test it.) A histogram's observe makes two sections of PCPU_ARCH_ADD
 * instead, each exact on its own (src/histogram/histogram.c).
 *
 * The signature before the abort handler is glibc's RSEQ_SIG (0xd428bc00, a BRK
 * instruction), checked by the kernel. The table entries are
 * <pcpu/arch/rseq_table.h>'s.
 */
#ifndef PCPU_ARCH_AARCH64_H
#define PCPU_ARCH_AARCH64_H

#include <pcpu/arch/rseq_table.h>

#define PCPU_ARCH_RSEQ 1
#define PCPU_RSEQ_SIG 0xd428bc00u

/*
 * No bias (<pcpu/percpu_add.h>): the word 0, before libpcpu's constructor, names glibc's
 * TCB at the thread pointer, { dtv, private }, whose second word glibc leaves unused
 * (the TLS ABI reserves it for the implementation); the store of rseq_cs goes there, and
 * cpu_id is the high half of the DTV pointer, a user address's, not negative, so the add
 * commits to the dummy with the stride 0.
 */
#define PCPU_ARCH_AREA_BIAS 0

#define PCPU_ARCH_ADD(sfx, mod)                                                     \
	PCPU_RSEQ_TABLE                                                             \
	"adrp x9, 3b\n\t"                                                           \
	"add x9, x9, :lo12:3b\n\t"                                                  \
	"str x9, [%[rs], #8]\n\t" /* rseq->rseq_cs */                               \
	"1:\n\t"                                                                    \
	"ldr w10, [%[rs], #4]\n\t" /* rseq->cpu_id, negative when not registered */ \
	"tbnz w10, #31, %l[slow]\n\t"                                               \
	"madd x10, x10, %[stride], %[slot0]\n\t"                                    \
	"ldr" sfx " " mod "12, [x10]\n\t"                                           \
	"add " mod "12, " mod "12, %" mod "[v]\n\t"                                 \
	"str" sfx " " mod "12, [x10]\n\t"                                           \
	"2:\n\t"                                                                    \
	".pushsection __rseq_failure, \"ax\"\n\t"                                   \
	".inst 0xd428bc00\n\t"                                                      \
	"4: b %l[slow]\n\t"                                                         \
	".popsection\n\t"

#define PCPU_ARCH_ADD_CLOBBERS "x9", "x10", "x12", "memory", "cc"

/* Put before a section, outside it: slot0 NULL leaves for slow (<pcpu/arch/x86_64.h>
 * says why). */
#define PCPU_ARCH_SLOW_IF_NULL "cbz %[slot0], %l[slow]\n\t"

/* The stride operand: a register, from the word the offset came from (a load of
 * pcpu_percpu_stride_word could pass that one here). */
#define PCPU_ARCH_STRIDE(hot) "r"(pcpu_percpu_stride(hot))

/* The area's address: aarch64 has no segment-relative addressing. */
#define PCPU_ARCH_AREA(off) ((char *)__builtin_thread_pointer() + (off))

#define PCPU_ARCH_SFX_8 "b"
#define PCPU_ARCH_SFX_16 "h"
#define PCPU_ARCH_SFX_32 ""
#define PCPU_ARCH_SFX_64 ""
/* The operand v: a register (the add is a register add, after the load). */
#define PCPU_ARCH_V(v) "r"(v)

#define PCPU_ARCH_MOD_8 "w"
#define PCPU_ARCH_MOD_16 "w"
#define PCPU_ARCH_MOD_32 "w"
#define PCPU_ARCH_MOD_64 "x"

#endif
