/*
 * The aarch64 rseq critical section that adds to the current CPU's slot of a per-CPU
 * object: slot0 + cpu_id * stride. The signature before the abort handler is glibc's
 * RSEQ_SIG (0xd428bc00, a BRK instruction), checked by the kernel.
 *
 * Why it is exact: as on x86_64 (see x86_64/rseq_cs.h), the CPU number is loaded inside
 * the section and the store of the new value is its last instruction; preemption,
 * migration or a signal before it restarts the section. Under the zero fence the update is
 * an exclusive load/store pair whose successful store is the commit; a failed one
 * restarts the section from the top, outside the committed range.
 *
 * Compiled and reviewed, never run: there was no aarch64 machine to test on.
 */
#ifndef PCPU_ARCH_RSEQ_CS_H
#define PCPU_ARCH_RSEQ_CS_H

#define PCPU_ARCH_HAS_RSEQ 1
#define PCPU_RSEQ_SIG 0xd428bc00u

/* r is the register prefix of the width ("w" or "x"); sfx the load/store size suffix. */
#define PCPU_A64_HEAD                                                                \
	".pushsection __rseq_cs, \"aw\"\n\t"                                         \
	".balign 32\n\t"                                                             \
	"3: .long 0, 0\n\t"                                                          \
	".quad 1f, 2f - 1f, 4f\n\t"                                                  \
	".popsection\n\t"                                                            \
	"adrp x9, 3b\n\t"                                                            \
	"add x9, x9, :lo12:3b\n\t"                                                   \
	"str x9, [%[rs], #8]\n\t" /* rseq->rseq_cs */                                \
	"1:\n\t"                                                                     \
	"ldr w10, [%[rs], #4]\n\t" /* rseq->cpu_id, negative when not registered */  \
	"cmp w10, %w[maxcpu]\n\t"  /* unsigned: a negative id is out of range too */ \
	"b.hs %l[unregistered]\n\t"

#define PCPU_A64_SLOT                 \
	"mul x10, x10, %[stride]\n\t" \
	"add x10, x10, %[slot0]\n\t"

#define PCPU_A64_TAIL                             \
	".pushsection __rseq_failure, \"ax\"\n\t" \
	".inst 0xd428bc00\n\t"                    \
	"4: b %l[aborted]\n\t"                    \
	".popsection\n\t"

#define PCPU_A64_PLAIN(sfx, r)                                                                 \
	PCPU_A64_HEAD "ldr w11, %[fence]\n\t"                                                  \
		      "cbnz w11, %l[fenced]\n\t" PCPU_A64_SLOT "ldr" sfx " " r "12, [x10]\n\t" \
		      "add " r "12, " r "12, %" r "[v]\n\t"                                    \
		      "str" sfx " " r "12, [x10]\n\t"                                          \
		      "2:\n\t" PCPU_A64_TAIL

#define PCPU_A64_LOCKED(sfx, r)                                           \
	PCPU_A64_HEAD PCPU_A64_SLOT "ldxr" sfx " " r "12, [x10]\n\t"      \
				    "add " r "12, " r "12, %" r "[v]\n\t" \
				    "stxr" sfx " w13, " r "12, [x10]\n\t" \
				    "2:\n\t"                              \
				    "cbnz w13, 1b\n\t" PCPU_A64_TAIL

#define PCPU_A64_SFX_8 "b"
#define PCPU_A64_SFX_16 "h"
#define PCPU_A64_SFX_32 ""
#define PCPU_A64_SFX_64 ""
#define PCPU_A64_REG_8 "w"
#define PCPU_A64_REG_16 "w"
#define PCPU_A64_REG_32 "w"
#define PCPU_A64_REG_64 "x"

/* Returns PCPU_CS_DONE, or why it did not add. */
#define PCPU_CS_ADD(width, type)                                                                   \
	static inline int pcpu_cs_add##width(char *rs, void *slot0, size_t stride,                 \
					     unsigned int maxcpu, type v, int locked)              \
	{                                                                                          \
		if (locked)                                                                        \
			goto locked_add;                                                           \
		__asm__ goto(PCPU_A64_PLAIN(PCPU_A64_SFX_##width, PCPU_A64_REG_##width)            \
			     :                                                                     \
			     : [rs] "r"(rs), [slot0] "r"(slot0), [stride] "r"(stride), [v] "r"(v), \
			       [maxcpu] "r"(maxcpu), [fence] "m"(pcpu_rseq_fence)                  \
			     : "x9", "x10", "x11", "x12", "memory", "cc"                           \
			     : unregistered, fenced, aborted);                                     \
		return PCPU_CS_DONE;                                                               \
	locked_add:                                                                                \
		__asm__ goto(PCPU_A64_LOCKED(PCPU_A64_SFX_##width, PCPU_A64_REG_##width)           \
			     :                                                                     \
			     : [rs] "r"(rs), [slot0] "r"(slot0), [stride] "r"(stride), [v] "r"(v), \
			       [maxcpu] "r"(maxcpu)                                                \
			     : "x9", "x10", "x11", "x12", "x13", "memory", "cc"                    \
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
