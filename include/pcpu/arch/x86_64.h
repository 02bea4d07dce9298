/*
 * <pcpu/arch/x86_64.h> -- the x86_64 rseq critical section behind counter_u64_add() and
 * DPCPU_ADD(); included by <pcpu/percpu_add.h>, not an API of its own.
 *
 * PCPU_ARCH_ADD(sfx, mod) is the text of one attempt at adding v to the current CPU's
 * slot, slot0 + cpu_id * stride, made whole in rax: sfx is the instruction's size suffix
 * (b, w, l, q) and mod the operand modifier that names v's register at that size (b, w,
 * k, q). The asm goto that uses it offers the operands rs (struct rseq's offset from the
 * thread pointer, used %fs-relative, which saves loading the thread pointer), slot0,
 * stride and v, clobbers rax, and names the label slow.
 *
 * Why it is exact: the CPU number is loaded inside the section and the add to that CPU's
 * slot is its last instruction, the commit. Preemption, migration or a signal before the
 * commit makes the kernel resume at the abort handler, so the add happened not at all or
 * exactly once, on the CPU whose slot it targets. No other writer touches that slot with
 * a plain or a locked store: counter_u64_zero() writes a word of its own (counter(3)) and
 * a thread without rseq writes that word too or runs pinned to the slot's CPU (pcpu(3)).
 * A thread with no registered area reads a negative cpu_id (RSEQ_CPU_ID_UNINITIALIZED or
 * _REGISTRATION_FAILED) and leaves at the sign test, before any store to the slot.
 *
 * The TSO dependence, written out: none across CPUs. Each slot has one kind of writer
 * (this CPU's sections, serialised by the kernel), so readers on other CPUs need only
 * per-location coherence, which every architecture gives. Within the CPU, the store of
 * rseq_cs must be visible to the kernel before the cpu_id load: both run on the same
 * hardware thread, and program order holds for the kernel entered on it. The section
 * depends on x86's ordering at one place only: the commit is one read-modify-write
 * instruction, so no store of ours lies between the load it makes and its store.
 *
 * PCPU_ARCH_ADD_PAIR is the same section with another commit: it adds the two lanes of
 * the xmm operand pair to the two adjacent words at the current CPU's slot, which must be
 * 16-byte aligned (a histogram cell, <pcpu/histogram.h>). It loads both words, adds in a
 * register and stores both back with one movdqu, the commit, to the address made whole as
 * PCPU_ARCH_ADD's; it clobbers xmm0 as well.
 * Why it is exact: the load and the paddq change no memory, so an abort before the store
 * leaves both words as they were; the store is one instruction, and an interrupt, a
 * signal or a preemption is taken between instructions, so the kernel finds the section
 * either before the store (it resumes at the abort handler: nothing added) or past it
 * (both added). A fault on the store is precise, and an aligned 16-byte store lies in one
 * page, so no part of it is written before the fault; the kernel then re-executes the
 * store or, if it scheduled, resumes at the abort handler. Readers on other CPUs load
 * each word on its own: the store is a single atomic access on processors that enumerate
 * AVX (Intel SDM vol. 3A, 9.1.1); before, an SSE access wider than 8 bytes may be made as
 * several, which leaves each aligned word of it whole, all a reader needs (a read between
 * the two words may see one word without the other, each exact). The atomic writers write
 * other words (the adjustments after the pair), so no plain store overwrites them.
 *
 * The signature before the abort handler is glibc's RSEQ_SIG (0x53053053, the operand of
 * a ud1), which the kernel checks against the one the thread registered with. The
 * __rseq_cs_ptr_array and __rseq_exit_point_array entries are librseq's, for debuggers
 * that step over critical sections.
 */
#ifndef PCPU_ARCH_X86_64_H
#define PCPU_ARCH_X86_64_H

#include <pcpu/arch/rseq_table.h>

#define PCPU_ARCH_RSEQ 1
#define PCPU_RSEQ_SIG 0x53053053u

/* One section whose commit (the instructions after the slot's address is in rax, the
 * last of which changes memory) is commit. */
#define PCPU_ARCH_SECTION(commit)                                                        \
	PCPU_RSEQ_TABLE                                                                  \
	"leaq 3b(%%rip), %%rax\n\t"                                                      \
	"movq %%rax, %%fs:8(%[rs])\n\t" /* rseq->rseq_cs */                              \
	"1:\n\t"                                                                         \
	"movl %%fs:4(%[rs]), %%eax\n\t" /* rseq->cpu_id, negative when not registered */ \
	"testl %%eax, %%eax\n\t"                                                         \
	"js %l[slow]\n\t"                                                                \
	"imulq %[stride], %%rax\n\t" commit "2:\n\t"                                     \
	".pushsection __rseq_failure, \"ax\"\n\t"                                        \
	".byte 0x0f, 0xb9, 0x3d\n\t"                                                     \
	".long 0x53053053\n\t"                                                           \
	"4: jmp %l[slow]\n\t"                                                            \
	".popsection\n\t"

/* The commit adds to the slot's address made whole in rax, not to (slot0, rax): on the
 * Intel Xeon (Sapphire Rapids) VM of bench/counter, an add to a plain register address
 * that the previous add stored to is fed from that store at once, where the indexed one
 * waits for it, so that one counter added to in a loop took 2.46 ns an add, now 1.01
 * (DPCPU_ADD 2.58, now 0.85; medians of 3 runs), at one add instruction more. */
#define PCPU_ARCH_ADD(sfx, mod)                      \
	PCPU_ARCH_SECTION("addq %[slot0], %%rax\n\t" \
			  "add" sfx " %" mod "[v], (%%rax)\n\t")

#define PCPU_ARCH_ADD_CLOBBERS "rax", "memory", "cc"

/* The operand v: a register, or an immediate that fits a sign-extended 32 bits, so that
 * an add of a constant (counter_u64_add(c, 1)) is add $1 and keeps no register for it
 * (bench/counter: 0.60 to 0.55 ns in the tight loop, where gcc loaded the 1 anew at every
 * add). The size modifiers of PCPU_ARCH_MOD_* print an immediate as it is. */
#define PCPU_ARCH_V(v) "er"(v)

#define PCPU_ARCH_ADD_PAIR                             \
	PCPU_ARCH_SECTION("addq %[slot0], %%rax\n\t"   \
			  "movdqu (%%rax), %%xmm0\n\t" \
			  "paddq %[pair], %%xmm0\n\t"  \
			  "movdqu %%xmm0, (%%rax)\n\t")

#define PCPU_ARCH_ADD_PAIR_CLOBBERS "rax", "xmm0", "memory", "cc"

/* The pair operand: a in the low lane (the first word), b in the high one. Written as a
 * sum of two vectors, each with one lane zero, so that a constant lane (a histogram's
 * count of 1) is one paddq of a constant: gcc builds {a, b} itself by moving both through
 * general registers, the constant included, which in bench/histogram's observe loop also
 * cost it the registers that kept the section's operands out of the loop. */
typedef long long pcpu_arch_pair_t __attribute__((vector_size(16)));

static inline pcpu_arch_pair_t pcpu_arch_pair(uint64_t a, uint64_t b)
{
	pcpu_arch_pair_t lo = {(long long)a, 0}, hi = {0, (long long)b};

	return lo + hi;
}

/* The area operand: the offset itself, used %fs-relative. */
#define PCPU_ARCH_AREA(off) (off)

/* Instruction suffix and operand modifier of each width. */
#define PCPU_ARCH_SFX_8 "b"
#define PCPU_ARCH_SFX_16 "w"
#define PCPU_ARCH_SFX_32 "l"
#define PCPU_ARCH_SFX_64 "q"
#define PCPU_ARCH_MOD_8 "b"
#define PCPU_ARCH_MOD_16 "w"
#define PCPU_ARCH_MOD_32 "k"
#define PCPU_ARCH_MOD_64 "q"

#endif
