/* The exposition writer (tools/pcpu/expo.c, expo_write.c) on its own: names, numbers,
 * families in both formats, duplicates and conflicts. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "tools/expocheck.h"

static void name_is(const char *prefix, const char *name, enum expo_type t, const char *unit,
		    const char *want)
{
	char *got = expo_name(prefix, name, t, unit);

	cr_assert_not_null(got);
	cr_expect_str_eq(got, want, "%s%s", prefix, name);
	free(got);
}

Test(tools_expo, names_follow_the_client_libraries_rules)
{
	name_is("pcpu_", "http.requests", EXPO_COUNTER, "", "pcpu_http_requests");
	name_is("", "requests_total", EXPO_COUNTER, "", "requests");
	name_is("", "busy", EXPO_COUNTER, "seconds", "busy_seconds");
	name_is("", "busy_seconds_total", EXPO_COUNTER, "seconds", "busy_seconds");
	name_is("", "rx_bytes", EXPO_GAUGE, "bytes", "rx_bytes");
	name_is("", "sent_total", EXPO_GAUGE, "", "sent_total_value");
	name_is("", "9lives", EXPO_GAUGE, "", "_9lives");
	name_is("", "pcpu_domain_up", EXPO_GAUGE, "", "pcpu_domain_up_value");
	name_is("", "pcpu_domain_info", EXPO_GAUGE, "", "pcpu_domain_info_value");
	name_is("", "pcpu_exporter_domains", EXPO_COUNTER, "", "pcpu_exporter_domains_value");
}

Test(tools_expo, doubles_are_shortest_and_look_like_floats)
{
	char buf[32];

	expo_double(1, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1.0");
	expo_double(0.25, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0.25");
	expo_double(100 / 1e9, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1e-07");
	expo_double(0.1 + 0.2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0.30000000000000004", "exact: reads back as the same double");
	expo_double(1.0 / 0.0, buf, sizeof(buf));
	cr_expect_str_eq(buf, "+Inf");
}

static char *render(struct expo *e, enum expo_format fmt, size_t *dups)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cr_assert_not_null(f);
	cr_assert_eq(expo_write(e, fmt, f, dups), 0);
	fclose(f);
	return out;
}

/* The histogram's samples, the same in both formats (bounds are canonical: "1.0"). */
#define LAT_SAMPLES                                        \
	"lat_seconds_bucket{domain=\"a\",le=\"0.5\"} 2\n"  \
	"lat_seconds_bucket{domain=\"a\",le=\"1.0\"} 5\n"  \
	"lat_seconds_bucket{domain=\"a\",le=\"+Inf\"} 6\n" \
	"lat_seconds_sum{domain=\"a\"} 4.5\n"              \
	"lat_seconds_count{domain=\"a\"} 6\n"

static void fill(struct expo *e)
{
	static const struct expo_desc reqs = {"http_requests", EXPO_COUNTER, "",
					      "requests \"by\" code\\class"};
	static const struct expo_desc lat = {"lat_seconds", EXPO_HISTOGRAM, "seconds", "latency"};
	static const double le[] = {0.5, 1};
	static const uint64_t cumul[] = {2, 5, 6};
	struct expo_label l5[] = {{"domain", "a"}, {"code", "5xx"}},
			  l2[] = {{"domain", "a"}, {"code", "2\"x\\x\n"}};
	struct expo_hist h = {2, le, cumul, "4.5"};

	cr_assert_eq(expo_add(e, &reqs, l5, 2, "3", 0), 0);
	cr_assert_eq(expo_add_hist(e, &lat, l2, 1, &h, 1700000000.5), 0);
	cr_assert_eq(expo_add(e, &reqs, l2, 2, "7", 1700000000.5), 0);
}

/* fill()'s points, written in fmt, are want. */
static void renders_as(enum expo_format fmt, const char *want)
{
	struct expo e = {0};
	char *out;

	fill(&e);
	out = render(&e, fmt, NULL);
	cr_expect_str_eq(out, want);
	free(out);
	expo_free(&e);
}

Test(tools_expo, text_format_families_sorted_with_escapes)
{
	renders_as(EXPO_TEXT, "# HELP http_requests_total requests \"by\" code\\\\class\n"
			      "# TYPE http_requests_total counter\n"
			      "http_requests_total{domain=\"a\",code=\"2\\\"x\\\\x\\n\"} 7\n"
			      "http_requests_total{domain=\"a\",code=\"5xx\"} 3\n"
			      "# HELP lat_seconds latency\n"
			      "# TYPE lat_seconds histogram\n" LAT_SAMPLES);
}

Test(tools_expo, openmetrics_adds_unit_created_and_eof)
{
	renders_as(EXPO_OPENMETRICS, "# HELP http_requests requests \\\"by\\\" code\\\\class\n"
				     "# TYPE http_requests counter\n"
				     "http_requests_total{domain=\"a\",code=\"2\\\"x\\\\x\\n\"} 7\n"
				     "http_requests_created{domain=\"a\",code=\"2\\\"x\\\\x\\n\"} "
				     "1700000000.5\n"
				     "http_requests_total{domain=\"a\",code=\"5xx\"} 3\n"
				     "# HELP lat_seconds latency\n"
				     "# TYPE lat_seconds histogram\n"
				     "# UNIT lat_seconds seconds\n" LAT_SAMPLES
				     "lat_seconds_created{domain=\"a\"} 1700000000.5\n"
				     "# EOF\n");
}

Test(tools_expo, a_repeated_series_is_written_once_and_a_conflict_refused)
{
	static const struct expo_desc g = {"x", EXPO_GAUGE, "", "x"};
	static const struct expo_desc c = {"x", EXPO_COUNTER, "", "x"};
	static const struct expo_desc u = {"x", EXPO_GAUGE, "bytes", "x"};
	struct expo_label l = {"domain", "a"};
	struct expo e = {0};
	size_t dups;
	char *out;

	cr_assert_eq(expo_add(&e, &g, &l, 1, "1", 0), 0);
	cr_assert_eq(expo_add(&e, &g, &l, 1, "2", 0), 0);
	cr_assert_eq(expo_add(&e, &c, &l, 1, "3", 0), 1, "another type");
	cr_assert_eq(expo_add(&e, &u, &l, 1, "4", 0), 1, "another unit");
	out = render(&e, EXPO_TEXT, &dups);
	cr_expect_str_eq(out, "# HELP x x\n# TYPE x gauge\nx{domain=\"a\"} 1\n", "the first kept");
	cr_expect_eq(dups, 1);
	free(out);
	expo_free(&e);
}

/*
 * Names that two families would write (python3-prometheus-client's OpenMetrics parser
 * refuses them as "Clashing name"): the family whose name is the other's with a suffix
 * gets "_value", in both formats; a name that clashes with nothing is left alone (promtool
 * would lint queue_count's suffix, so only the parser that refuses clashes is run).
 */
Test(tools_expo, a_family_named_like_anothers_sample_gets_value)
{
	static const double le[] = {1};
	static const uint64_t cumul[] = {1, 2};
	static const struct expo_desc fams[] = {
		{"lat", EXPO_HISTOGRAM, "", "h"},     {"lat_count", EXPO_GAUGE, "", "g"},
		{"lat_sum", EXPO_HISTOGRAM, "", "h"}, {"req", EXPO_COUNTER, "", "c"},
		{"req_created", EXPO_GAUGE, "", "g"}, {"queue_count", EXPO_GAUGE, "", "g"},
	};
	struct expo_label l = {"domain", "a"};
	struct expo_hist h = {1, le, cumul, "3"};
	char *out[2], *parsed;
	struct expo e = {0};

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		cr_assert_eq(fams[i].type == EXPO_HISTOGRAM
				     ? expo_add_hist(&e, &fams[i], &l, 1, &h, 1700000000.5)
				     : expo_add(&e, &fams[i], &l, 1, "5", 1700000000.5),
			     0);
	out[0] = render(&e, EXPO_OPENMETRICS, NULL);
	out[1] = render(&e, EXPO_TEXT, NULL);
	cr_assert_eq(openmetrics_check(out[0], &parsed), 0);
	cr_expect_str_eq(parsed, "lat histogram - 5\n"
				 "lat_count_value gauge - 1\n"
				 "lat_sum_value histogram - 5\n"
				 "queue_count gauge - 1\n"
				 "req counter - 2\n"
				 "req_created_value gauge - 1\n");
	for (int f = 0; f < 2; f++) {
		cr_expect_eq(count_lines(out[f], "lat_count_value{"), 1, "%s", out[f]);
		cr_expect_eq(count_lines(out[f], "lat_sum_value_count{"), 1);
		cr_expect_eq(count_lines(out[f], "req_created_value{"), 1);
		cr_expect_eq(count_lines(out[f], "queue_count{"), 1);
	}
	free(parsed);
	free(out[0]);
	free(out[1]);
	expo_free(&e);
}
