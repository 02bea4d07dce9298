/*
 * The x86_64 rseq critical section that adds to the current CPU's slot of a per-CPU
 * object: slot0 + cpu_id * stride. The signature before the abort handler is glibc's
 * RSEQ_SIG, which the kernel checks against the one this thread registered with.
 *
 * Why it is exact: the CPU number is loaded inside the section and the add to that CPU's
 * slot is its last instruction (the commit). Preemption, migration or a signal before the
 * commit makes the kernel resume at the abort handler, which restarts from the top, so
 * the add happens once, on the CPU whose slot it targets; no other CPU writes that slot
 * except counter_u64_zero() under the fence (see percpu.c), against which the add is then
 * made with a lock prefix. Only rseq_cs (user-owned) is written; cpu_id is read.
 */
#ifndef PCPU_ARCH_RSEQ_CS_H
#define PCPU_ARCH_RSEQ_CS_H

#define PCPU_ARCH_HAS_RSEQ 1
#define PCPU_RSEQ_SIG 0x53053053u

/* The fenced check, or nothing for the locked variant. */
#define PCPU_X86_FENCE_CHECK    \
	"cmpl $0, %[fence]\n\t" \
	"jne %l[fenced]\n\t"

#define PCPU_X86_CS(insn, fence_check)                                                \
	".pushsection __rseq_cs, \"aw\"\n\t"                                          \
	".balign 32\n\t"                                                              \
	"3: .long 0, 0\n\t"                                                           \
	".quad 1f, 2f - 1f, 4f\n\t"                                                   \
	".popsection\n\t"                                                             \
	"leaq 3b(%%rip), %%rax\n\t"                                                   \
	"movq %%rax, 8(%[rs])\n\t" /* rseq->rseq_cs */                                \
	"1:\n\t"                                                                      \
	"movl 4(%[rs]), %%eax\n\t"  /* rseq->cpu_id, negative when not registered */  \
	"cmpl %[maxcpu], %%eax\n\t" /* unsigned: a negative id is out of range too */ \
	"jae %l[unregistered]\n\t" fence_check "imulq %[stride], %%rax\n\t" insn      \
	" %[v], (%[slot0], %%rax)\n\t"                                                \
	"2:\n\t"                                                                      \
	".pushsection __rseq_failure, \"ax\"\n\t"                                     \
	".byte 0x0f, 0xb9, 0x3d\n\t"                                                  \
	".long 0x53053053\n\t"                                                        \
	"4: jmp %l[aborted]\n\t"                                                      \
	".popsection\n\t"

/* Returns PCPU_CS_DONE, or why it did not add. */
#define PCPU_CS_ADD(width, type)                                                                   \
	static inline int pcpu_cs_add##width(char *rs, void *slot0, size_t stride,                 \
					     unsigned int maxcpu, type v, int locked)              \
	{                                                                                          \
		if (locked)                                                                        \
			goto locked_add;                                                           \
		__asm__ goto(PCPU_X86_CS("add", PCPU_X86_FENCE_CHECK)                              \
			     :                                                                     \
			     : [rs] "r"(rs), [slot0] "r"(slot0), [stride] "r"(stride), [v] "r"(v), \
			       [maxcpu] "r"(maxcpu), [fence] "m"(pcpu_rseq_fence)                  \
			     : "rax", "memory", "cc"                                               \
			     : unregistered, fenced, aborted);                                     \
		return PCPU_CS_DONE;                                                               \
	locked_add:                                                                                \
		__asm__ goto(PCPU_X86_CS("lock add", "")                                           \
			     :                                                                     \
			     : [rs] "r"(rs), [slot0] "r"(slot0), [stride] "r"(stride), [v] "r"(v), \
			       [maxcpu] "r"(maxcpu)                                                \
			     : "rax", "memory", "cc"                                               \
			     : unregistered, aborted);                                             \
		return PCPU_CS_DONE;                                                               \
	fenced:                                                                                    \
		return PCPU_CS_FENCED;                                                             \
	aborted:                                                                                   \
		return PCPU_CS_RETRY;                                                              \
	unregistered:                                                                              \
		return PCPU_CS_UNREGISTERED;                                                       \
	}

#endif
