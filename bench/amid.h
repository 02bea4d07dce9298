/*
 * "Amid work" loops: one operation per step of six independent xorshift lanes, enough
 * ALU work that the loop is bound by the execution ports, so an operation's own
 * instructions show as a net cost: the loop's time less that of the same loop whose
 * operation is only the compiler barrier every add carries (BENCH_AMID_NOTHING). Six,
 * because a lane is a chain of six dependent operations: with four, a core of five ALU
 * ports (Intel's Sapphire Rapids) waits on the chains with ports to spare, and an add
 * there showed a net cost of zero or less.
 */
#ifndef PCPU_BENCH_AMID_H
#define PCPU_BENCH_AMID_H

#include <stdint.h>

#include "harness.h"

static inline uint64_t bench_work(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	return x ^ (x << 17);
}

/* Defines void fn(void *arg, uint64_t n); op may use the step number i. */
#define BENCH_AMID(fn, op)                                                            \
	void fn(void *arg, uint64_t n)                                                \
	{                                                                             \
		uint64_t a = 88172645463325252ull, b = 1, c = 2, d = 3, e = 4, f = 5; \
		(void)arg;                                                            \
		for (uint64_t i = 0; i < n; i++) {                                    \
			a = bench_work(a), b = bench_work(b), c = bench_work(c),      \
			d = bench_work(d), e = bench_work(e), f = bench_work(f);      \
			op;                                                           \
		}                                                                     \
		bench_keep(a ^ b ^ c ^ d ^ e ^ f);                                    \
	}

#define BENCH_AMID_NOTHING __asm__ volatile("" : : : "memory")

#endif
