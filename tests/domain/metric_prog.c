/*
 * A service that describes its metrics, for the metadata tests: an early counter and a
 * DPCPU variable described by the start-up macros, a labeled family of three counters
 * made by counter_u64_alloc_metric, each with a known value. Prints its domain's path,
 * then holds the domain until stdin closes. Exit status 0 on success.
 */
#include <pcpu/counter.h>
#include <pcpu/metric.h>
#include <pcpu/pcpu.h>

#include <stdio.h>
#include <unistd.h>

COUNTER_U64_DEFINE_EARLY_METRIC(bytes_out, PCPU_METRIC_COUNTER, "bytes", "Bytes sent");
DPCPU_DEFINE_STATIC(uint64_t, queue_depth);
DPCPU_DESCRIBE(queue_depth, PCPU_METRIC_GAUGE, NULL, "Requests waiting, per CPU");

static int family(void)
{
	static const char *const codes[] = {"2xx", "4xx", "5xx"};
	char name[16];

	for (int i = 0; i < 3; i++) {
		const char *labels[] = {"code", codes[i], "method", "GET", NULL};
		struct pcpu_metric m = {.pm_type = PCPU_METRIC_COUNTER,
					.pm_help = "HTTP requests answered",
					.pm_family = "http_requests",
					.pm_labels = labels};
		counter_u64_t c;

		snprintf(name, sizeof(name), "req_%s", codes[i]);
		c = counter_u64_alloc_metric(name, &m, M_WAITOK);
		if (c == NULL)
			return -1;
		counter_u64_add(c, 5 + 2 * i);
	}
	return 0;
}

int main(void)
{
	const char *p = pcpu_domain_path();
	char c;

	if (p == NULL || family() != 0)
		return 1;
	counter_u64_add(bytes_out, 1234);
	DPCPU_ADD(queue_depth, 3);
	printf("%s\n", p);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
