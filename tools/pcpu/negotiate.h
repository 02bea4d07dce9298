/*
 * HTTP content negotiation for serve (RFC 9110, 12.5): the exposition format from the
 * Accept header and gzip from Accept-Encoding, each by its quality values.
 */
#ifndef PCPU_TOOL_NEGOTIATE_H
#define PCPU_TOOL_NEGOTIATE_H

#include <stdbool.h>

#include "expo.h"

/*
 * OpenMetrics 1.0.0 when application/openmetrics-text (version 1.0.0 or none) has a
 * quality above 0 and at least that of the text format (text/plain of version 0.0.4 or
 * none, or the ranges of any text type and of any type); else the text format, also for
 * no header or one that names neither (as Prometheus' exporters answer).
 */
enum expo_format negotiate_format(const char *accept);

/* Whether gzip (or *, when gzip is not named) has a quality above 0. NULL: no. */
bool negotiate_gzip(const char *accept_encoding);

#endif
