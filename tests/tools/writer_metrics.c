/* The test writer's described metrics. */
#include "writer_metrics.h"

#include <stdlib.h>

#include <pcpu/counter.h>
#include <pcpu/histogram.h>
#include <pcpu/metric.h>

#include "tools/writer_values.h"

static counter_u64_t ok, failed, busy, depth;
static pcpu_histogram_t latency;
static __thread uint64_t observed; /* this thread's observations */

static counter_u64_t make(const char *name, int type, const char *family, const char *unit,
			  const char *help, const char *const *labels, double scale)
{
	struct pcpu_metric m = {.pm_type = type,
				.pm_help = help,
				.pm_unit = unit,
				.pm_family = family,
				.pm_labels = labels,
				.pm_scale = scale};

	return counter_u64_alloc_metric(name, &m, M_WAITOK);
}

int writer_metrics_init(void)
{
	static const char *const code_2xx[] = {"code", "2xx", NULL};
	static const char *const code_5xx[] = {"code", "5xx", NULL};
	static const uint64_t bounds[] = WRITER_LATENCY_BOUNDS;
	static const struct pcpu_metric lat = {.pm_type = PCPU_METRIC_HISTOGRAM,
					       .pm_help = "request latency",
					       .pm_unit = "seconds",
					       .pm_family = "test_latency",
					       .pm_scale = 1e-9};

	if (!getenv("PCPU_TEST_METRICS"))
		return 0;
	ok = make("test_http_2xx", PCPU_METRIC_COUNTER, "test_http_requests", NULL,
		  "HTTP requests by status class", code_2xx, 0);
	failed = make("test_http_5xx", PCPU_METRIC_COUNTER, "test_http_requests", NULL,
		      "HTTP requests by status class", code_5xx, 0);
	busy = make("test_busy_ns", PCPU_METRIC_COUNTER, "test_busy", "seconds",
		    "time spent \"busy\" \\ in seconds", NULL, 1e-9);
	depth = make("test_depth", PCPU_METRIC_GAUGE, NULL, NULL, "queue depth", NULL, 0);
	latency = pcpu_histogram_alloc_named("test_latency_ns", bounds, WRITER_LATENCY_NBOUNDS,
					     &lat, M_WAITOK);
	return ok && failed && busy && depth && latency ? 0 : -1;
}

void writer_metrics_add(void)
{
	if (!ok)
		return;
	counter_u64_add(ok, WRITER_HTTP_2XX_PER_REQUEST);
	counter_u64_add(failed, WRITER_HTTP_5XX_PER_REQUEST);
	counter_u64_add(busy, WRITER_BUSY_NS_PER_REQUEST);
	counter_u64_add(depth, WRITER_DEPTH_PER_REQUEST);
	pcpu_histogram_observe(latency, WRITER_LATENCY_OF(observed));
	observed++;
}
