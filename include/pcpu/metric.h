/*
 * <pcpu/metric.h> -- what a symbol of the domain means to a monitoring system: its type
 * (counter, gauge), unit, help text, the family it belongs to and its labels. Stored in
 * the domain next to the symbol, so that every reader (kvm_sym_meta(3), pcpu serve) sees
 * it. See pcpu_metric(3).
 */
#ifndef PCPU_METRIC_H
#define PCPU_METRIC_H

#include <pcpu/counter.h>
#include <pcpu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PCPU_METRIC_UNTYPED 0
#define PCPU_METRIC_COUNTER 1
#define PCPU_METRIC_GAUGE 2
#define PCPU_METRIC_HISTOGRAM 3 /* set by pcpu_histogram_alloc_named only */

/* Lengths, each with the terminating NUL: longer strings are refused (EINVAL). */
#define PCPU_METRIC_FAMILY_MAX 96
#define PCPU_METRIC_UNIT_MAX 32
#define PCPU_METRIC_HELP_MAX 256
#define PCPU_METRIC_LABELS_MAX 4 /* (name, value) pairs */
#define PCPU_METRIC_LNAME_MAX 32
#define PCPU_METRIC_LVALUE_MAX 64

struct pcpu_metric {
	int pm_type;		      /* PCPU_METRIC_* */
	const char *pm_help;	      /* NULL: none */
	const char *pm_unit;	      /* NULL: none; "bytes", "seconds", ... */
	const char *pm_family;	      /* NULL: the symbol's own name */
	const char *const *pm_labels; /* NULL, or name, value, name, value, ..., NULL */
	double pm_scale;	      /* exported value = raw * pm_scale; 0: 1 */
};

/*
 * Describes the symbol named symbol (a counter, DPCPU variable, registered object or
 * zpcpu allocation of the domain), replacing what described it before. A family is the
 * symbols of one pm_family: they keep one type, unit and help, and distinct label sets.
 * 0, or -1 with errno: ENOENT no such symbol, EINVAL a bad field, EEXIST a conflict
 * within the family.
 */
PCPU_EXPORT int pcpu_metric_describe(const char *symbol, const struct pcpu_metric *m);
/* counter_u64_alloc_named(name, flags) described by m (NULL: a plain counter), the two
 * visible to readers together. NULL with errno as either function's. */
PCPU_EXPORT counter_u64_t counter_u64_alloc_metric(const char *name, const struct pcpu_metric *m,
						   int flags);

/*
 * Descriptions made at start-up: the macros below put one in the linker set
 * "set_pcpu_metric" of their executable or shared library, whose priority-102
 * constructor describes the whole set once its DPCPU variables and early counters
 * (priority 101) are in the domain. A description that fails is skipped.
 */
struct pcpu_metric_desc {
	const char *symbol;
	struct pcpu_metric metric;
};

PCPU_EXPORT void pcpu_metric_describe_set(struct pcpu_metric_desc *start,
					  struct pcpu_metric_desc *stop);

#define PCPU_METRIC_DESC_(sym, id, type, unit, help)                              \
	static struct pcpu_metric_desc pcpu_metric_desc_##id                      \
		__attribute__((section("set_pcpu_metric"), used, aligned(8))) = { \
			sym, {(type), (help), (unit), (const char *)0, (const char *const *)0, 0}}

/* DPCPU_DESCRIBE(bytes_in, PCPU_METRIC_COUNTER, "bytes", "Bytes read"); after (or
 * before) DPCPU_DEFINE(uint64_t, bytes_in) in the same object. */
#define DPCPU_DESCRIBE(n, type, unit, help) PCPU_METRIC_DESC_(#n, dpcpu_##n, type, unit, help)

/* COUNTER_U64_DEFINE_EARLY with a type, unit and help. May be preceded by static. */
#define COUNTER_U64_DEFINE_EARLY_METRIC(c, type, unit, help)  \
	COUNTER_U64_DEFINE_EARLY(c);                          \
	PCPU_METRIC_DESC_(#c, counter_##c, type, unit, help); \
	extern counter_u64_t c

#ifndef PCPU_BUILDING_LIBPCPU
extern struct pcpu_metric_desc __start_set_pcpu_metric[]
	__attribute__((weak, visibility("hidden")));
extern struct pcpu_metric_desc __stop_set_pcpu_metric[] __attribute__((weak, visibility("hidden")));

__attribute__((constructor(102))) static void pcpu_metric_describe_this_object(void)
{
	if (__start_set_pcpu_metric != NULL)
		pcpu_metric_describe_set(__start_set_pcpu_metric, __stop_set_pcpu_metric);
}
#endif

#ifdef __cplusplus
}
#endif

#endif
