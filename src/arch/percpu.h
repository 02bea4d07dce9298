/*
 * Adding to the current CPU's slot of a per-CPU object (counters, DPCPU_ADD): an rseq
 * critical section when this process runs in rseq mode, else an atomic add on the slot of
 * the CPU sched_getcpu() names. The mode is chosen once per process (percpu.c).
 */
#ifndef PCPU_ARCH_PERCPU_H
#define PCPU_ARCH_PERCPU_H

#include <stddef.h>
#include <stdint.h>

enum { PCPU_CS_DONE, PCPU_CS_RETRY, PCPU_CS_FENCED, PCPU_CS_UNREGISTERED };

/* The mode and geometry the hot path reads (pcpu_rseq_on, pcpu_rseq_off, stride, maxcpu,
 * the zero fence) are exported: counter_u64_add() inlines its first attempt. */
#include <pcpu/percpu_add.h>

#include "arch/mode.h"
#include "rseq_cs.h"

/* Chooses the mode; called once, when the domain is created. */
void pcpu_percpu_setup(size_t stride, unsigned int maxcpu);
/* The current CPU, below maxcpu. */
unsigned int pcpu_percpu_cpu(void);
/* An add the critical section could not make (no rseq in this thread or process). */
void pcpu_percpu_add_slow(void *slot0, int64_t v, int width);
/* An atomic add of the low width bits of v at slot (width 8, 16, 32 or 64). */
void pcpu_atomic_add(void *slot, int64_t v, int width);
/* Zeroes every CPU's 8-byte slot without losing adds that start after it returns. */
void pcpu_percpu_zero64(uint64_t *slot0);

/*
 * The hot path. The section returns RETRY after an abort (start again: the add did not
 * happen), FENCED while a zero runs (add with a lock prefix, still on this CPU's slot)
 * and UNREGISTERED when this thread has no rseq area (slow path).
 */
#define PCPU_PERCPU_ADD(width, type)                                                      \
	PCPU_CS_ADD(width, type)                                                          \
	static inline void pcpu_percpu_add##width(void *slot0, type v)                    \
	{                                                                                 \
		if (__builtin_expect(pcpu_rseq_on, 1)) {                                  \
			char *rs = (char *)__builtin_thread_pointer() + pcpu_rseq_off;    \
			int locked = 0, r;                                                \
			while ((r = pcpu_cs_add##width(rs, slot0, pcpu_percpu_stride,     \
						       pcpu_percpu_maxcpu, v, locked)) != \
			       PCPU_CS_DONE) {                                            \
				if (r == PCPU_CS_UNREGISTERED)                            \
					break;                                            \
				locked |= r == PCPU_CS_FENCED;                            \
			}                                                                 \
			if (r == PCPU_CS_DONE)                                            \
				return;                                                   \
		}                                                                         \
		pcpu_percpu_add_slow(slot0, (int64_t)v, width);                           \
	}

PCPU_PERCPU_ADD(8, uint8_t)
PCPU_PERCPU_ADD(16, uint16_t)
PCPU_PERCPU_ADD(32, uint32_t)
PCPU_PERCPU_ADD(64, uint64_t)

#endif
