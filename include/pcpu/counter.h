/*
 * <pcpu/counter.h> -- counter(9): 64-bit per-CPU counters, after FreeBSD's
 * <sys/counter.h>. See counter(3).
 *
 * A counter is a zpcpu allocation of one uint64_t per CPU in the process's domain, so
 * other processes read it live through kvm_counter_u64_fetch(3). counter_u64_add() is a
 * restartable sequence on the current CPU's slot: no lock, no system call, no allocation.
 */
#ifndef PCPU_COUNTER_H
#define PCPU_COUNTER_H

#include <stdint.h>

#include <pcpu/export.h>
#include <pcpu/percpu_add.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t *counter_u64_t;

/* malloc(9) flags: exactly one of M_NOWAIT and M_WAITOK; counters are always zeroed, so
 * M_ZERO is accepted and changes nothing. */
#ifndef M_NOWAIT
#define M_NOWAIT 0x0001
#define M_WAITOK 0x0002
#define M_ZERO 0x0100
#endif

PCPU_EXPORT counter_u64_t counter_u64_alloc(int flags);
/* The counter named name in the domain, allocated (zeroed) and named now if there is none:
 * processes attached to one domain, and a program restarted, share it. NULL with errno
 * EEXIST when name stands for something other than a counter. */
PCPU_EXPORT counter_u64_t counter_u64_alloc_named(const char *name, int flags);
PCPU_EXPORT void counter_u64_free(counter_u64_t c);
PCPU_EXPORT void counter_u64_add(counter_u64_t c, int64_t inc);
PCPU_EXPORT uint64_t counter_u64_fetch(counter_u64_t c);
PCPU_EXPORT void counter_u64_zero(counter_u64_t c);

/*
 * counter_u64_add() is also a function (take its address, or call (counter_u64_add)(c, v));
 * the macro makes the first attempt in the caller and leaves every other case -- rseq off,
 * an abort, a zero in progress, a thread without rseq -- to that function.
 */
static inline void pcpu_counter_u64_add_inline(counter_u64_t c, int64_t inc)
{
	if (!pcpu_percpu_add64_once(c, (uint64_t)inc))
		(counter_u64_add)(c, inc);
}
#define counter_u64_add(c, inc) pcpu_counter_u64_add_inline((c), (inc))

/* Sets *c to the counter named name (counter_u64_alloc_named()); used by
 * COUNTER_U64_DEFINE_EARLY. 0, or -1 with errno (*c unchanged). */
PCPU_EXPORT int pcpu_counter_define_early(counter_u64_t *c, const char *name);

/*
 * A global counter allocated before main() and listed under its own name. May be
 * preceded by static. The last declaration takes the caller's semicolon.
 */
#define COUNTER_U64_DEFINE_EARLY(c)                                           \
	counter_u64_t c;                                                      \
	__attribute__((constructor)) static void pcpu_counter_early_##c(void) \
	{                                                                     \
		pcpu_counter_define_early(&c, #c);                            \
	}                                                                     \
	extern counter_u64_t c

#ifdef __cplusplus
}
#endif

#endif
