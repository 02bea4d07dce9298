/* What each iteration of the test writer adds to its described metrics
 * (writer_metrics.c), for the tests that check the exported totals. */
#ifndef PCPU_TESTS_TOOLS_WRITER_VALUES_H
#define PCPU_TESTS_TOOLS_WRITER_VALUES_H

#define WRITER_HTTP_2XX_PER_REQUEST 3
#define WRITER_HTTP_5XX_PER_REQUEST 1
#define WRITER_BUSY_NS_PER_REQUEST 1500 /* exported in seconds: scale 1e-9 */
#define WRITER_DEPTH_PER_REQUEST 2

/*
 * Histogram test_latency_ns (seconds, scale 1e-9): a thread's n-th observation is
 * (n % 4) * 400 ns, so that with a multiple of 4 requests per thread a quarter falls in
 * le=1e-07, three quarters in le=1e-06 and all in le=1e-05, with a sum of 600 ns per
 * request.
 */
#define WRITER_LATENCY_BOUNDS    \
	{                        \
		100, 1000, 10000 \
	}
#define WRITER_LATENCY_NBOUNDS 3
#define WRITER_LATENCY_OF(n) ((n) % 4 * 400)
#define WRITER_LATENCY_SUM_NS_PER_REQUEST 600

#endif
