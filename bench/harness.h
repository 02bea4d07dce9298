/*
 * Benchmark harness. Every figure is printed next to a baseline measured in the same
 * run, with the ratio, so that results stay comparable on a noisy 2-core machine.
 */
#ifndef PCPU_BENCH_HARNESS_H
#define PCPU_BENCH_HARNESS_H

#include <stdint.h>

/* Runs body(arg, iters) and returns nanoseconds per iteration: the best of several
 * repetitions, since noise on a shared machine only ever adds time. */
typedef void bench_body_fn(void *arg, uint64_t iters);
double bench_ns_per_op(bench_body_fn *body, void *arg, uint64_t iters);

/* Runs body(arg, iters) on nthreads threads started together and returns the aggregate
 * throughput in operations per second (nthreads * iters / slowest thread's time),
 * best of several repetitions. */
double bench_ops_per_sec(bench_body_fn *body, void *arg, uint64_t iters, int nthreads);

/* Prints "name  value unit  | baseline name  value unit | ratio", one line, where ratio is
 * value / baseline, or n/a for a baseline of 0 or less. */
void bench_report(const char *name, double value, const char *baseline, double base_value,
		  const char *unit);

/* Prints a section heading with the machine's CPU count, for context in logs. */
void bench_header(const char *title);

/* Keeps the compiler from deleting a computation whose result is otherwise unused. */
#define bench_keep(x) __asm__ volatile("" : : "g"(x) : "memory")

#endif
