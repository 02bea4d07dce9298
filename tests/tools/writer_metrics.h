/*
 * The test writer's described metrics, made only when PCPU_TEST_METRICS is set (the
 * other tools' tests count the plain writer's symbols): a labelled family, a scaled
 * counter with a unit and a gauge, each advanced by every iteration of the writer's
 * threads, so that their totals follow from its requests count (writer_values.h).
 */
#ifndef PCPU_TESTS_TOOLS_WRITER_METRICS_H
#define PCPU_TESTS_TOOLS_WRITER_METRICS_H

/* 0, or -1 with errno (the writer fails). Does nothing without PCPU_TEST_METRICS. */
int writer_metrics_init(void);
/* One iteration's worth. */
void writer_metrics_add(void);

#endif
