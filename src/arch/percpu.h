/*
 * Adding to the current CPU's slot of a per-CPU object (counters, DPCPU_ADD): an rseq
 * critical section when this process runs in rseq mode, else an atomic add. The mode is
 * chosen once per process (percpu.c); the sections are in <pcpu/percpu_add.h>.
 */
#ifndef PCPU_ARCH_PERCPU_H
#define PCPU_ARCH_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#include <pcpu/percpu_add.h>

#include "arch/mode.h"

/* Chooses the mode; called once, when the domain is created. */
void pcpu_percpu_setup(size_t stride, unsigned int maxcpu);
/* The domain's CPU slots (1 before the domain exists). */
unsigned int pcpu_percpu_maxcpu(void);
/* The current CPU, below maxcpu. */
unsigned int pcpu_percpu_cpu(void);
/* CPU cpu's copy of the per-CPU object at slot0. */
static inline void *pcpu_percpu_slot(void *slot0, unsigned int cpu)
{
	return (char *)slot0 + (size_t)cpu * pcpu_percpu_stride(pcpu_percpu_hot);
}
/*
 * Makes the add of the low width bits of v (width 8, 16, 32 or 64) as a critical section,
 * registering this thread's area first when it has none yet: 1 when it committed, 0 when
 * this thread or process cannot run the section (nothing was added).
 */
int pcpu_percpu_add_cs(void *slot0, int64_t v, int width);
/* The same for a histogram's cell (pcpu_percpu_add_count_sum_once()): 2, 1 when only the
 * count was added, 0 when nothing was; always 0 on an architecture without the section
 * (PCPU_PERCPU_COUNT_SUM 0). */
int pcpu_percpu_add_count_sum_cs(uint64_t *cell, uint64_t v);
/*
 * The add of a thread that cannot run the section, exact against the plain adds of
 * threads that can (see percpu.c). For objects without a word of their own for it.
 */
void pcpu_percpu_add_atomic(void *slot0, int64_t v, int width);
/* An atomic add of the low width bits of v at slot. */
void pcpu_atomic_add(void *slot, int64_t v, int width);
/*
 * A word that sections add to and its adjustment, adj uint64_t after it, which only
 * atomic instructions write (a counter's, a histogram cell's): the total over CPUs of
 * value minus adjustment, the add of a thread that cannot run the section (an atomic
 * subtraction of v from this CPU's adjustment, exact against the sections, which never
 * write it), and the zero that sets every adjustment to its value.
 */
void pcpu_percpu_sub_adj(uint64_t *value0, size_t adj, uint64_t v);
uint64_t pcpu_percpu_total(const uint64_t *value0, size_t adj);
void pcpu_percpu_zero(uint64_t *value0, size_t adj);

#endif
