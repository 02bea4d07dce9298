/*
 * <pcpu/percpu_add.h> -- the inline fast path behind counter_u64_add(); not an API of its
 * own. Included by <pcpu/counter.h>; the library's own critical sections (src/arch) use
 * the same section text, so there is one definition of it.
 *
 * The variables below belong to libpcpu: programs only read them, through the inline
 * function. They are exported so that the add can run in the caller, without a call: an
 * out-of-line add costs about three times an inline one on x86_64 (bench/counter).
 */
#ifndef PCPU_PERCPU_ADD_H
#define PCPU_PERCPU_ADD_H

#include <stddef.h>
#include <stdint.h>

#include <pcpu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

extern PCPU_EXPORT int pcpu_rseq_on;	      /* 1: adds run as rseq critical sections */
extern PCPU_EXPORT ptrdiff_t pcpu_rseq_off;   /* struct rseq's offset from the thread pointer */
extern PCPU_EXPORT size_t pcpu_percpu_stride; /* the domain's stride */
extern PCPU_EXPORT unsigned int pcpu_percpu_maxcpu;   /* the domain's CPU slots */
extern PCPU_EXPORT volatile uint32_t pcpu_rseq_fence; /* > 0 while counter_u64_zero() runs */

#if defined(__x86_64__)
/*
 * The x86_64 rseq critical section that adds to the current CPU's slot of a per-CPU
 * object: slot0 + cpu_id * stride. The signature before the abort handler is glibc's
 * RSEQ_SIG, which the kernel checks against the one the thread registered with.
 *
 * Why it is exact: the CPU number is loaded inside the section and the add to that CPU's
 * slot is its last instruction (the commit). Preemption, migration or a signal before the
 * commit makes the kernel resume at the abort handler, so the add happened not at all or
 * exactly once, on the CPU whose slot it targets; no other CPU writes that slot except
 * counter_u64_zero() under the fence, against which the library then adds with a lock
 * prefix. Only rseq_cs (user-owned) is written; cpu_id (kernel-owned) is only read.
 * insn is the add instruction; fence_check is PCPU_X86_FENCE_CHECK or empty. The asm goto
 * must offer the labels unregistered and aborted, and fenced with the fence check.
 */
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

/*
 * One attempt at the add: 1 when it committed, 0 when the caller must take the library's
 * out-of-line path (rseq off, this thread not registered, a zero in progress, or an
 * abort; in each case nothing was added).
 */
static inline int pcpu_percpu_add64_once(uint64_t *slot0, uint64_t v)
{
	if (__builtin_expect(!pcpu_rseq_on, 0))
		return 0;
	__asm__ goto(PCPU_X86_CS("addq", PCPU_X86_FENCE_CHECK)
		     :
		     : [rs] "r"((char *)__builtin_thread_pointer() + pcpu_rseq_off),
		       [slot0] "r"(slot0), [stride] "r"(pcpu_percpu_stride), [v] "r"(v),
		       [maxcpu] "r"(pcpu_percpu_maxcpu), [fence] "m"(pcpu_rseq_fence)
		     : "rax", "memory", "cc"
		     : unregistered, fenced, aborted);
	return 1;
unregistered:
fenced:
aborted:
	return 0;
}
#else
static inline int pcpu_percpu_add64_once(uint64_t *slot0, uint64_t v)
{
	(void)slot0, (void)v;
	return 0;
}
#endif

#ifdef __cplusplus
}
#endif

#endif
