/*
 * Checking an exposition as its consumers read it: `promtool check metrics` for the
 * text format, the OpenMetrics parser of Debian's python3-prometheus-client for
 * OpenMetrics; and finding a series' value in either.
 */
#ifndef PCPU_TESTS_TOOLS_EXPOCHECK_H
#define PCPU_TESTS_TOOLS_EXPOCHECK_H

/* Exit status of `promtool check metrics` on text (its complaint logged). */
int promtool_check(const char *text);

/*
 * Parses text with prometheus_client.openmetrics.parser.text_string_to_metric_families
 * and returns its exit status (0: parsed to the end, "# EOF" included). On success
 * *families (when not NULL) is a line per family, "NAME TYPE UNIT NSAMPLES"; caller frees.
 */
int openmetrics_check(const char *text, char **families);

/* The value of the first line that starts with prefix (family and labels), or NULL;
 * static storage. */
const char *series(const char *text, const char *prefix);

/* The number of lines that start with prefix. */
int count_lines(const char *text, const char *prefix);

#endif
