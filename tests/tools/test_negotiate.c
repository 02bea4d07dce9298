/* serve's content negotiation (tools/pcpu/negotiate.c): Accept and Accept-Encoding. */
#include <criterion/criterion.h>

#include "negotiate.h"

/* What Prometheus 2.42 sends (scrape.go's acceptHeader with OpenMetrics first). */
#define PROMETHEUS_ACCEPT                                                                        \
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;" \
	"q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

Test(tools_negotiate, prometheus_gets_openmetrics)
{
	cr_expect_eq(negotiate_format(PROMETHEUS_ACCEPT), EXPO_OPENMETRICS);
	cr_expect_eq(negotiate_format("application/openmetrics-text"), EXPO_OPENMETRICS);
	cr_expect_eq(negotiate_format(" Application/OpenMetrics-Text ; version=1.0.0 ; q=0.9 "),
		     EXPO_OPENMETRICS, "names are case-insensitive, blanks are skipped");
}

Test(tools_negotiate, text_without_a_header_or_for_any_type)
{
	cr_expect_eq(negotiate_format(NULL), EXPO_TEXT);
	cr_expect_eq(negotiate_format(""), EXPO_TEXT);
	cr_expect_eq(negotiate_format("*/*"), EXPO_TEXT);
	cr_expect_eq(negotiate_format("application/json"), EXPO_TEXT);
}

Test(tools_negotiate, quality_decides)
{
	cr_expect_eq(negotiate_format("application/openmetrics-text;q=0.4,text/plain;q=0.5"),
		     EXPO_TEXT);
	cr_expect_eq(negotiate_format("text/plain;q=0.5,application/openmetrics-text;q=0.6"),
		     EXPO_OPENMETRICS);
	cr_expect_eq(negotiate_format("application/openmetrics-text;q=0"), EXPO_TEXT,
		     "q=0 means not acceptable");
	cr_expect_eq(negotiate_format("application/openmetrics-text;q=0.2,*/*;q=0.3"), EXPO_TEXT);
}

Test(tools_negotiate, other_versions_are_not_what_serve_writes)
{
	cr_expect_eq(negotiate_format("application/openmetrics-text;version=2.0.0"), EXPO_TEXT);
	cr_expect_eq(
		negotiate_format("text/plain;version=1.0.0,application/openmetrics-text;q=0.1"),
		EXPO_OPENMETRICS);
}

Test(tools_negotiate, gzip_by_quality)
{
	cr_expect(negotiate_gzip("gzip"));
	cr_expect(negotiate_gzip("deflate, gzip;q=1.0, *;q=0.5"));
	cr_expect(negotiate_gzip("*"));
	cr_expect(negotiate_gzip("x-gzip"));
	cr_expect(!negotiate_gzip(NULL));
	cr_expect(!negotiate_gzip(""));
	cr_expect(!negotiate_gzip("identity"));
	cr_expect(!negotiate_gzip("gzip;q=0"));
	cr_expect(!negotiate_gzip("gzip;q=0, *"), "a named gzip wins over *");
	cr_expect(!negotiate_gzip("br, deflate"));
}
