/*
 * pcpu_histogram_observe against counter_u64_add, and both against the bare rseq add
 * (bare_rseq.h), in one run, each pair taking its values from one table: spread over
 * every bucket of a 12-bound histogram at random, so the search cannot be predicted and
 * the adds go to different cells (the worst case); in two neighbouring buckets, as
 * latencies tend to be; varied values in one bucket; one value, always the same bucket
 * (against an add of one constant, which some processors feed from the add before it
 * at once). Observe's section alone (a cell chosen without the search) shows the floor
 * under it, and to one cell over and over the floor under observing one value; a pair
 * gives the net cost of each amid independent ALU work (amid.h), as in real
 * code, where other work runs between two observes; linear bounds, several to an octave,
 * show the cost of the function's binary search. Then 1, 2 and 4-thread throughput of
 * observe against counter_u64_add.
 */
#include <stdio.h>
#include <string.h>

#include <pcpu/counter.h>
#include <pcpu/histogram.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "amid.h"
#include "arch/mode.h"
#include "bare_rseq.h"
#include "harness.h"

enum { ITERS = 20000000, NVALS = 1 << 16 }; /* more values than a branch predictor learns */

static const uint64_t bounds[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000};
static const uint64_t linear[] = {100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200};
static uint64_t vals[NVALS], near[NVALS]; /* near: two neighbouring buckets */
static uint64_t within[NVALS];		  /* varied values, all in one bucket */
static uint64_t lin_vals[NVALS];	  /* over linear's buckets */
static pcpu_histogram_t hist, hist_linear;
static counter_u64_t counter;
static char *slots;
static size_t stride;

/* Defines a loop of n steps making op with the value v of step i. */
#define OVER(fn, value, op)                        \
	static void fn(void *arg, uint64_t n)      \
	{                                          \
		(void)arg;                         \
		for (uint64_t i = 0; i < n; i++) { \
			uint64_t v = (value);      \
			op;                        \
		}                                  \
	}                                          \
	_Static_assert(1, "")

OVER(observe_varied, vals[i % NVALS], pcpu_histogram_observe(hist, v));
OVER(counter_varied, vals[i % NVALS], counter_u64_add(counter, (int64_t)v));
OVER(bare_varied, vals[i % NVALS], bench_bare_rseq_add(slots, stride, v));
OVER(bare_whole_varied, vals[i % NVALS], bench_bare_rseq_add_whole(slots, stride, v));
/* The floor under observe: its section, on a cell chosen without a search. */
#define CELL_ADD(cell)                                                                            \
	(void)(pcpu_percpu_add_count_sum_once(                                                    \
		       pcpu_percpu_hot, hist->ph_cells + PCPU_HISTOGRAM_CELL * (cell), v) == 2 || \
	       ((pcpu_histogram_observe)(hist, v), 0))
OVER(cell_add_varied, vals[i % NVALS], CELL_ADD(v % 13));
OVER(cell_add_one, 42, CELL_ADD(3));
OVER(observe_near, near[i % NVALS], pcpu_histogram_observe(hist, v));
OVER(counter_near, near[i % NVALS], counter_u64_add(counter, (int64_t)v));
OVER(observe_within, within[i % NVALS], pcpu_histogram_observe(hist, v));
OVER(counter_within, within[i % NVALS], counter_u64_add(counter, (int64_t)v));
OVER(observe_one, 42, pcpu_histogram_observe(hist, v));
OVER(counter_one, 42, counter_u64_add(counter, (int64_t)v));
OVER(observe_linear, lin_vals[i % NVALS], pcpu_histogram_observe(hist_linear, v));
OVER(counter_linear, lin_vals[i % NVALS], counter_u64_add(counter, (int64_t)v));

static BENCH_AMID(observe_amid, pcpu_histogram_observe(hist, vals[i % NVALS]));
static BENCH_AMID(counter_amid, counter_u64_add(counter, (int64_t)vals[i % NVALS]));
static BENCH_AMID(work_only, bench_keep(vals[i % NVALS]));

static double ns_per_op(bench_body_fn *fn, int t)
{
	return 1e9 * t / bench_ops_per_sec(fn, NULL, ITERS / 2, t);
}

/*
 * The loops of one comparison, measured in turn ROUNDS times, each keeping its best: on
 * a machine shared with other work, short runs interleaved give both sides the same
 * chances of a quiet moment, where one long run each would not.
 */
enum { ROUNDS = 15 };

static void interleaved(bench_body_fn *const *fn, double *ns, int n)
{
	for (int k = 0; k < n; k++)
		ns[k] = -1;
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < n; k++) {
			double t = bench_ns_per_op(fn[k], NULL, ITERS / 10);

			if (ns[k] < 0 || t < ns[k])
				ns[k] = t;
		}
}

/* xorshift, then a value in one of the buckets in turn (the last one +Inf). */
static void fill_values(void)
{
	uint64_t x = 88172645463325252ull, nb = sizeof(bounds) / sizeof(bounds[0]);

	for (int i = 0; i < NVALS; i++) {
		uint64_t b = x % (nb + 1), lo = b == 0 ? 0 : bounds[b - 1] + 1;
		uint64_t span = b == nb ? 100000 : bounds[b] - lo + 1;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		vals[i] = lo + x % span;
		near[i] = 101 + x % 400;   /* (100, 250] and (250, 500] */
		within[i] = 101 + x % 150; /* (100, 250] */
		lin_vals[i] = x % 1300;
	}
}

int main(void)
{
	fill_values();
	hist = pcpu_histogram_alloc_named("bench_latency", bounds,
					  sizeof(bounds) / sizeof(bounds[0]), NULL, M_WAITOK);
	hist_linear = pcpu_histogram_alloc_named(
		"bench_linear", linear, sizeof(linear) / sizeof(linear[0]), NULL, M_WAITOK);
	counter = counter_u64_alloc(M_WAITOK);
	slots = zpcpu_alloc(sizeof(uint64_t));
	stride = zpcpu_stride();
	if (hist == NULL || hist_linear == NULL || counter == NULL || slots == NULL) {
		perror("bench_histogram: allocation");
		return 1;
	}
	bench_header("pcpu_histogram");
	printf("add mode: %s\n", pcpu_percpu_mode());
	if (strncmp(pcpu_percpu_mode(), "rseq", 4) != 0) {
		printf("the bare rseq add needs rseq mode: skipped\n");
		return 0;
	}
	bench_body_fn *const fn[] = {
		observe_varied, counter_varied, bare_varied,	cell_add_varied, observe_one,
		counter_one,	observe_amid,	counter_amid,	work_only,	 observe_near,
		counter_near,	cell_add_one,	observe_linear, counter_linear,	 bare_whole_varied,
		observe_within, counter_within};
	enum { NFN = sizeof(fn) / sizeof(fn[0]) };
	double ns[NFN], bare;
	const char *bare_name;

	interleaved(fn, ns, NFN);
	/* The faster form of the bare add (bare_rseq.h). */
	bare = ns[2] <= ns[14] ? ns[2] : ns[14];
	bare_name = ns[2] <= ns[14] ? "bare rseq add, indexed" : "bare rseq add, whole address";
	bench_report("observe, 12 bounds, varied values", ns[0], "counter_u64_add, same values",
		     ns[1], "ns");
	bench_report("observe, 12 bounds, varied values", ns[0], bare_name, bare, "ns");
	bench_report("counter_u64_add, varied values", ns[1], bare_name, bare, "ns");
	bench_report("observe's section without the search", ns[3], "counter_u64_add, same values",
		     ns[1], "ns");
	bench_report("observe, values in 2 neighbouring buckets", ns[9],
		     "counter_u64_add, same values", ns[10], "ns");
	bench_report("observe, varied values in one bucket", ns[15], "counter_u64_add, same values",
		     ns[16], "ns");
	bench_report("observe, one value", ns[4], "counter_u64_add, one value", ns[5], "ns");
	bench_report("observe's section, always one cell", ns[11], "counter_u64_add, one value",
		     ns[5], "ns");
	bench_report("observe, net amid ALU work", ns[6] - ns[8], "counter_u64_add, same",
		     ns[7] - ns[8], "ns");
	bench_report("observe, 12 linear bounds (several an octave)", ns[12],
		     "counter_u64_add, same values", ns[13], "ns");
	for (int t = 1; t <= 4; t *= 2) {
		char name[64];

		snprintf(name, sizeof(name), "observe throughput, %d thread%s", t,
			 t > 1 ? "s" : "");
		bench_report(name, t / ns_per_op(observe_varied, t) * 1e3, "counter_u64_add",
			     t / ns_per_op(counter_varied, t) * 1e3, "Mop/s");
	}
	return 0;
}
