/*
 * The baseline of the add benchmarks: a critical section written from the rseq ABI
 * (linux/rseq.h, glibc's __rseq_offset) and nothing else -- store rseq_cs, load cpu_id,
 * index by the stride, add -- with no check, no fallback and no retry. Only run it
 * while the thread is registered (rseq mode): an abort simply loses that add. x86_64.
 */
#ifndef PCPU_BENCH_BARE_RSEQ_H
#define PCPU_BENCH_BARE_RSEQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/rseq.h>

/*
 * The commit addresses the slot either indexed, (slot0, cpu * stride), or through the
 * address made whole in a register first, one add more. Which is faster depends on the
 * processor and the loop: on an Intel Xeon (Sapphire Rapids) an add to a whole address
 * that a recent store wrote is fed from it at once, where the indexed one waits for the
 * store (bench/counter's tight loop: about 2.6 against 0.85 ns), while amid other work
 * the add more costs. The benchmarks time both and take the faster as their baseline.
 */
#define BENCH_BARE_RSEQ_ADD(name, commit)                                                          \
	static inline void name(char *slot0, size_t stride, uint64_t v)                            \
	{                                                                                          \
		__asm__ goto(".pushsection __rseq_cs, \"aw\"\n\t"                                  \
			     ".balign 32\n\t"                                                      \
			     "3: .long 0, 0\n\t"                                                   \
			     ".quad 1f, 2f - 1f, 4f\n\t"                                           \
			     ".popsection\n\t"                                                     \
			     "leaq 3b(%%rip), %%rax\n\t"                                           \
			     "movq %%rax, %%fs:8(%[off])\n\t"                                      \
			     "1:\n\t"                                                              \
			     "movl %%fs:4(%[off]), %%eax\n\t"                                      \
			     "imulq %[stride], %%rax\n\t" commit "2:\n\t"                          \
			     ".pushsection __rseq_failure, \"ax\"\n\t"                             \
			     ".byte 0x0f, 0xb9, 0x3d\n\t"                                          \
			     ".long 0x53053053\n\t"                                                \
			     "4: jmp %l[aborted]\n\t"                                              \
			     ".popsection\n\t"                                                     \
			     :                                                                     \
			     : [off] "r"(__rseq_offset), [slot0] "r"(slot0), [stride] "r"(stride), \
			       [v] "er"(v)                                                         \
			     : "rax", "memory", "cc"                                               \
			     : aborted);                                                           \
	aborted:                                                                                   \
		return;                                                                            \
	}

BENCH_BARE_RSEQ_ADD(bench_bare_rseq_add, "addq %[v], (%[slot0], %%rax)\n\t")
BENCH_BARE_RSEQ_ADD(bench_bare_rseq_add_whole, "addq %[slot0], %%rax\n\taddq %[v], (%%rax)\n\t")

#endif
