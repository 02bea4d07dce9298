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

static inline void bench_bare_rseq_add(char *slot0, size_t stride, uint64_t v)
{
	__asm__ goto(
		".pushsection __rseq_cs, \"aw\"\n\t"
		".balign 32\n\t"
		"3: .long 0, 0\n\t"
		".quad 1f, 2f - 1f, 4f\n\t"
		".popsection\n\t"
		"leaq 3b(%%rip), %%rax\n\t"
		"movq %%rax, %%fs:8(%[off])\n\t"
		"1:\n\t"
		"movl %%fs:4(%[off]), %%eax\n\t"
		"imulq %[stride], %%rax\n\t"
		"addq %[v], (%[slot0], %%rax)\n\t"
		"2:\n\t"
		".pushsection __rseq_failure, \"ax\"\n\t"
		".byte 0x0f, 0xb9, 0x3d\n\t"
		".long 0x53053053\n\t"
		"4: jmp %l[aborted]\n\t"
		".popsection\n\t"
		:
		: [off] "r"(__rseq_offset), [slot0] "r"(slot0), [stride] "r"(stride), [v] "r"(v)
		: "rax", "memory", "cc"
		: aborted);
aborted:
	return;
}

#endif
