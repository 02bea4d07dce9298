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
 * the macro makes the first attempt in the caller and leaves every other case -- atomic
 * mode, an abort, a thread without rseq -- to that function.
 */
static inline void pcpu_counter_u64_add_inline(counter_u64_t c, int64_t inc)
{
	if (!pcpu_percpu_add64_once(pcpu_percpu_hot, c, (uint64_t)inc))
		(counter_u64_add)(c, inc);
}
#define counter_u64_add(c, inc) pcpu_counter_u64_add_inline((c), (inc))

/* Sets *c to the counter named name (counter_u64_alloc_named()); used by
 * COUNTER_U64_DEFINE_EARLY. 0, or -1 with errno (*c unchanged). */
PCPU_EXPORT int pcpu_counter_define_early(counter_u64_t *c, const char *name);

/*
 * Early counters, after FreeBSD's EARLY_COUNTER: until it is bound, an early counter
 * points at pcpu_counter_early_dummy, a slot of libpcpu that an add may always write (see
 * counter(3) for why that holds before and after the domain exists). The macro puts a
 * descriptor of the counter in the linker set "set_pcpu_counter" of its executable or
 * shared library; the object's priority-101 constructor binds the whole set, before any
 * default-priority constructor of that object runs, whatever the link order.
 */
extern PCPU_EXPORT uint64_t pcpu_counter_early_dummy[];

struct pcpu_counter_early_desc {
	const char *name;
	counter_u64_t *c;
};

/* Binds every descriptor of [start, stop) whose counter is still the dummy. */
PCPU_EXPORT void pcpu_counter_bind_early(struct pcpu_counter_early_desc *start,
					 struct pcpu_counter_early_desc *stop);

/*
 * A global counter bound before main() and listed under its own name. May be preceded by
 * static. The last declaration takes the caller's semicolon.
 */
#define COUNTER_U64_DEFINE_EARLY(c)                                                        \
	counter_u64_t c = pcpu_counter_early_dummy;                                        \
	static struct pcpu_counter_early_desc pcpu_counter_early_desc_##c                  \
		__attribute__((section("set_pcpu_counter"), used, aligned(8))) = {#c, &c}; \
	extern counter_u64_t c

#ifndef PCPU_BUILDING_LIBPCPU
/* The bounds of this object's own set (hidden, weak: NULL when it defines no early
 * counter); every translation unit offers them, and binding is idempotent. */
extern struct pcpu_counter_early_desc __start_set_pcpu_counter[]
	__attribute__((weak, visibility("hidden")));
extern struct pcpu_counter_early_desc __stop_set_pcpu_counter[]
	__attribute__((weak, visibility("hidden")));

__attribute__((constructor(101))) static void pcpu_counter_bind_this_object(void)
{
	if (__start_set_pcpu_counter != NULL)
		pcpu_counter_bind_early(__start_set_pcpu_counter, __stop_set_pcpu_counter);
}
#endif

#ifdef __cplusplus
}
#endif

#endif
