/* What each iteration of the test writer adds to its described metrics
 * (writer_metrics.c), for the tests that check the exported totals. */
#ifndef PCPU_TESTS_TOOLS_WRITER_VALUES_H
#define PCPU_TESTS_TOOLS_WRITER_VALUES_H

#define WRITER_HTTP_2XX_PER_REQUEST 3
#define WRITER_HTTP_5XX_PER_REQUEST 1
#define WRITER_BUSY_NS_PER_REQUEST 1500 /* exported in seconds: scale 1e-9 */
#define WRITER_DEPTH_PER_REQUEST 2

#endif
