/* pcpu serve: /metrics over HTTP as Prometheus asks for it, scraped by a real Prometheus. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/expocheck.h"
#include "tools/serverun.h"
#include "tools/toolrun.h"

/* What Prometheus 2.42 sends. */
#define PROMETHEUS_HEADERS                                                                 \
	"Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;" \
	"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"                \
	"Accept-Encoding: gzip\r\n"

#define REQUESTS "pcpu_test_requests_total{domain=\"pcpu_test_writer\"}"

static char *get(int port, const char *headers)
{
	struct response r;
	char *body;

	http_request(&r, port, "GET", "/metrics", headers);
	cr_assert_not_null(strstr(r.head, " 200 "), "%s", r.head);
	cr_assert_null(response_header(&r, "Content-Encoding"), "gzip only when asked: %s", r.head);
	body = strdup(r.body);
	response_free(&r);
	return body;
}

/* What one scrape says the counter of a writer identified by its program is. */
static uint64_t scraped_requests(int port)
{
	char *body = get(port, NULL);
	const char *v = series(body, REQUESTS);

	cr_assert_not_null(v, "%s", body);
	uint64_t n = strtoull(v, NULL, 10);

	free(body);
	return n;
}

Test(tools_serve, text_by_default_and_read_afresh_at_each_scrape)
{
	struct writer w;
	struct server s;
	struct response r;

	writer_start(&w, test_tmpdir(), 2, 30000, NULL);
	serve_start(&s, w.domain);
	http_request(&r, s.port, "GET", "/metrics", NULL);
	cr_assert(strncmp(r.head, "HTTP/1.0 200", 12) == 0 ||
			  strncmp(r.head, "HTTP/1.1 200", 12) == 0,
		  "%s", r.head);
	cr_assert_str_eq(response_header(&r, "Content-Type"),
			 "text/plain; version=0.0.4; charset=utf-8");
	cr_assert_eq(promtool_check(r.body), 0);
	cr_assert_eq(strtoull(series(r.body, REQUESTS), NULL, 10), w.requests);
	cr_assert_str_eq(series(r.body, "pcpu_exporter_domains"), "1");
	cr_assert_not_null(series(r.body, "pcpu_exporter_scrape_duration_seconds"));
	cr_assert_str_eq(series(r.body, "pcpu_exporter_scrape_errors_total"), "0");
	response_free(&r);
	writer_again(&w);
	cr_assert_eq(scraped_requests(s.port), w.requests);
	cr_assert_eq(serve_stop(&s), 0, "serve exits 0 on SIGTERM");
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_serve, openmetrics_when_accept_prefers_it)
{
	struct writer w;
	struct server s;
	struct response r;
	char *families;

	writer_start(&w, test_tmpdir(), 2, 777, NULL);
	serve_start(&s, w.domain);
	http_request(&r, s.port, "GET", "/metrics",
		     "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n");
	cr_assert_str_eq(response_header(&r, "Content-Type"),
			 "application/openmetrics-text; version=1.0.0; charset=utf-8");
	cr_assert_eq(openmetrics_check(r.body, &families), 0);
	cr_expect_not_null(strstr(families, "pcpu_test_requests counter - 2\n"), "%s", families);
	cr_expect_not_null(
		strstr(families, "pcpu_exporter_scrape_duration_seconds gauge seconds 1\n"),
		"# UNIT: %s", families);
	cr_expect_not_null(
		strstr(r.body, "# UNIT pcpu_exporter_scrape_duration_seconds seconds\n"));
	cr_expect_not_null(strstr(families, "pcpu_exporter_scrape_errors counter - 2\n"), "%s",
			   families);
	cr_assert_str_eq(r.body + r.len - strlen("\n# EOF\n"), "\n# EOF\n");
	cr_assert_eq(strtoull(series(r.body, REQUESTS), NULL, 10), w.requests);
	free(families);
	response_free(&r);
	http_request(&r, s.port, "GET", "/metrics", "Accept: text/plain;version=0.0.4\r\n");
	cr_assert_str_eq(response_header(&r, "Content-Type"),
			 "text/plain; version=0.0.4; charset=utf-8");
	cr_assert_null(strstr(r.body, "# EOF"));
	cr_assert_eq(promtool_check(r.body), 0);
	response_free(&r);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
}

/* With -i 3600 every scrape gets the same reading: the gzip must unpack to the plain body. */
Test(tools_serve, gzip_when_accept_encoding_allows_it)
{
	char *args[] = {"--interval", "3600", NULL, NULL}, *plain, *om, *unpacked;
	struct writer w;
	struct server s;
	struct response r;

	writer_start(&w, test_tmpdir(), 2, 1000, NULL);
	args[2] = w.domain;
	serve_start_args(&s, args);
	plain = get(s.port, NULL);
	om = get(s.port, "Accept: application/openmetrics-text\r\n");
	http_request(&r, s.port, "GET", "/metrics", "Accept-Encoding: gzip\r\n");
	cr_assert_str_eq(response_header(&r, "Content-Encoding"), "gzip");
	cr_assert_not_null(strstr(response_header(&r, "Vary"), "Accept-Encoding"));
	unpacked = gunzip(r.body, r.len);
	cr_assert_str_eq(unpacked, plain);
	free(unpacked);
	response_free(&r);
	http_request(&r, s.port, "GET", "/metrics", PROMETHEUS_HEADERS);
	cr_assert_str_eq(response_header(&r, "Content-Encoding"), "gzip");
	cr_assert_str_eq(response_header(&r, "Content-Type"),
			 "application/openmetrics-text; version=1.0.0; charset=utf-8");
	unpacked = gunzip(r.body, r.len);
	cr_assert_str_eq(unpacked, om);
	free(unpacked);
	response_free(&r);
	free(get(s.port, "Accept-Encoding: gzip;q=0, identity\r\n")); /* asserts: not gzipped */
	free(plain);
	free(om);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_serve, scrapes_within_the_interval_share_one_reading)
{
	char *args[] = {"--interval", "3600", NULL, NULL};
	struct writer w;
	struct server every, fresh;
	uint64_t first;

	writer_start(&w, test_tmpdir(), 2, 30000, NULL);
	args[2] = w.domain;
	serve_start_args(&every, args);
	serve_start(&fresh, w.domain);
	first = w.requests;
	cr_assert_eq(scraped_requests(every.port), first);
	writer_again(&w);
	cr_assert_neq(w.requests, first);
	cr_expect_eq(scraped_requests(every.port), first, "the reading of the hour is reused");
	cr_expect_eq(scraped_requests(fresh.port), w.requests, "without -i each burst reads anew");
	cr_assert_eq(serve_stop(&every), 0);
	cr_assert_eq(serve_stop(&fresh), 0);
	cr_assert_eq(writer_stop(&w), 0);
}

/* serve keeps a domain open between scrapes only while its path names that file: a
 * program restarted under the same path is read afresh; in the gap it is up 0, under the
 * identity it had, and counted as a scrape error. */
Test(tools_serve, a_program_restarted_under_the_same_path_is_followed)
{
	char *path = test_path(test_tmpdir(), "restart.domain"), *body;
	struct writer_opts o = {.domain = path};
	struct writer w;
	struct server s;

	writer_start_opts(&w, &o, 2, 1000);
	serve_start(&s, path);
	cr_assert_eq(scraped_requests(s.port), w.requests);
	cr_assert_eq(writer_stop(&w), 0);
	body = get(s.port, NULL);
	cr_expect_str_eq(series(body, "pcpu_domain_up{domain=\"pcpu_test_writer\"}"), "0", "%s",
			 body);
	cr_expect_null(series(body, REQUESTS), "%s", body);
	cr_expect_str_eq(series(body, "pcpu_exporter_scrape_errors_total"), "1", "%s", body);
	free(body);
	writer_start_opts(&w, &o, 2, 3000);
	cr_assert_eq(scraped_requests(s.port), w.requests, "the new program's count");
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
	free(path);
}

/* A killed writer leaves its domain: it is marked dead, its frozen values are not
 * exported, and that is logged once however often it is scraped. */
Test(tools_serve, a_dead_writer_is_marked_and_logged_once)
{
	struct writer w;
	struct server s;
	char *body, *log, info[512];

	writer_start(&w, test_tmpdir(), 1, 100, NULL);
	serve_start(&s, w.domain);
	cr_assert_eq(scraped_requests(s.port), w.requests);
	writer_kill(&w);
	for (int i = 0; i < 3; i++) {
		body = get(s.port, NULL);
		cr_assert_eq(promtool_check(body), 0);
		cr_assert_str_eq(series(body, "pcpu_domain_up{domain=\"pcpu_test_writer\"}"), "0",
				 "%s", body);
		snprintf(info, sizeof(info),
			 "pcpu_domain_info{domain=\"pcpu_test_writer\",path=\"%s\",pid=\"%d\","
			 "program=\"pcpu_test_writer\",state=\"dead\"}",
			 w.domain, (int)w.pid);
		cr_assert_str_eq(series(body, info), "1", "%s not in %s", info, body);
		cr_assert_null(series(body, REQUESTS), "frozen values are left out: %s", body);
		free(body);
	}
	log = serve_log(&s);
	cr_assert_eq(count_lines(log, "pcpu serve: pcpu_test_writer ("), 2,
		     "alive once, dead once: %s", log);
	cr_assert_not_null(strstr(log, "): dead: no process holds it; its values are not "
				       "exported\n"),
			   "%s", log);
	free(log);
	cr_assert_eq(serve_stop(&s), 0);
	writer_cleanup(&w);
}

/* The lines of an OpenMetrics exposition without their values, but for the info
 * metric, whose pid is meant to change: the series Prometheus would store. */
static char *series_set(const char *om)
{
	char *out = NULL, *copy = strdup(om), *save;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || strncmp(line, "pcpu_domain_info{", 17) == 0)
			continue;
		fprintf(f, "%.*s\n", (int)(strrchr(line, ' ') - line), line);
	}
	fclose(f);
	free(copy);
	return out;
}

Test(tools_serve, series_are_the_same_across_a_restart_of_a_named_writer)
{
	const char *shm = shm_private();
	struct writer_opts o = {.domain = "svc"};
	char *before, *after, *body, pid[64];
	struct writer w;
	struct server s;

	writer_start_opts(&w, &o, 2, 500);
	serve_start(&s, "svc");
	body = get(s.port, "Accept: application/openmetrics-text\r\n");
	cr_assert_eq(openmetrics_check(body, NULL), 0);
	before = series_set(body);
	cr_assert_not_null(strstr(before, "pcpu_test_requests_total{domain=\"svc\"}\n"), "%s",
			   before);
	free(body);
	cr_assert_eq(writer_stop(&w), 0);
	writer_start_opts(&w, &o, 1, 20);
	body = get(s.port, "Accept: application/openmetrics-text\r\n");
	after = series_set(body);
	cr_expect_str_eq(after, before, "the same label sets before and after");
	cr_assert_eq(strtoull(series(body, "pcpu_test_requests_total{domain=\"svc\"}"), NULL, 10),
		     w.requests);
	snprintf(pid, sizeof(pid), ",pid=\"%d\",", (int)w.pid);
	cr_assert_not_null(strstr(body, pid), "the info metric has the new pid: %s", body);
	free(body);
	free(before);
	free(after);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
	shm_remove(shm);
}

Test(tools_serve, every_domain_is_served_without_a_target_and_found_again_at_each_scrape)
{
	const char *shm = shm_private();
	struct writer_opts alpha = {.domain = "alpha"}, gamma = {.domain = "gamma"};
	struct writer a, b, c;
	struct server s;
	char *none[] = {NULL}, *body;

	writer_start_opts(&a, &alpha, 1, 11);
	writer_start(&b, NULL, 1, 22, NULL); /* a per-process domain: its program names it */
	serve_start_args(&s, none);
	body = get(s.port, NULL);
	cr_assert_eq(promtool_check(body), 0);
	cr_assert_str_eq(series(body, "pcpu_test_requests_total{domain=\"alpha\"}"), "11", "%s",
			 body);
	cr_assert_str_eq(series(body, REQUESTS), "22", "%s", body);
	cr_assert_str_eq(series(body, "pcpu_exporter_domains"), "2", "%s", body);
	free(body);
	writer_start_opts(&c, &gamma, 1, 33);
	body = get(s.port, NULL);
	cr_assert_str_eq(series(body, "pcpu_test_requests_total{domain=\"gamma\"}"), "33", "%s",
			 body);
	cr_assert_str_eq(series(body, "pcpu_exporter_domains"), "3", "%s", body);
	free(body);
	cr_assert_eq(writer_stop(&a), 0); /* removes its domain: gone from the next scrape */
	body = get(s.port, NULL);
	cr_assert_null(series(body, "pcpu_domain_up{domain=\"alpha\"}"), "%s", body);
	cr_assert_str_eq(series(body, "pcpu_exporter_domains"), "2", "%s", body);
	free(body);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&b), 0);
	cr_assert_eq(writer_stop(&c), 0);
	shm_remove(shm);
}

/* Two instances of one program without a domain name: the one running keeps the
 * program's name as identity, a dead one left behind by a kill gets "#PID". */
Test(tools_serve, a_dead_instance_does_not_take_the_identity_of_the_running_one)
{
	const char *shm = shm_private();
	struct writer dead, live;
	struct server s;
	char *none[] = {NULL}, *body, up[128];

	writer_start(&dead, NULL, 1, 5, NULL);
	writer_kill(&dead);
	writer_start(&live, NULL, 1, 7, NULL);
	serve_start_args(&s, none);
	body = get(s.port, NULL);
	cr_assert_eq(promtool_check(body), 0);
	cr_assert_str_eq(series(body, REQUESTS), "7", "%s", body);
	cr_assert_str_eq(series(body, "pcpu_domain_up{domain=\"pcpu_test_writer\"}"), "1", "%s",
			 body);
	snprintf(up, sizeof(up), "pcpu_domain_up{domain=\"pcpu_test_writer#%d\"}", (int)dead.pid);
	cr_assert_str_eq(series(body, up), "0", "%s not in %s", up, body);
	free(body);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&live), 0);
	writer_cleanup(&dead);
	shm_remove(shm);
}

Test(tools_serve, a_bad_interval_is_refused)
{
	struct run r;

	run_pcpu(&r, "serve", "--interval", "0", "--listen", "127.0.0.1:0", "/nonexistent", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "bad interval \"0\"") != NULL, "%s", r.err);
	run_free(&r);
}

Test(tools_serve, other_paths_are_404_and_other_methods_405)
{
	struct writer w;
	struct server s;
	struct response r;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	serve_start(&s, w.domain);
	http_request(&r, s.port, "GET", "/", NULL);
	cr_assert_not_null(strstr(r.head, " 404 "), "%s", r.head);
	response_free(&r);
	http_request(&r, s.port, "GET", "/metrics/x", NULL);
	cr_assert_not_null(strstr(r.head, " 404 "), "%s", r.head);
	response_free(&r);
	http_request(&r, s.port, "DELETE", "/metrics", NULL);
	cr_assert_not_null(strstr(r.head, " 405 "), "%s", r.head);
	response_free(&r);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
}

/* Polls an instant query until it prints want (or anything, want NULL); 20 s at most. */
static char *wait_for(int port, const char *query, const char *want)
{
	char *v = NULL;

	for (time_t deadline = time(NULL) + 20; time(NULL) < deadline; usleep(200000)) {
		free(v);
		v = prometheus_query(port, query, "",
				     "print(r[0][\"value\"][1] if r else \"\", end=\"\")");
		if (v && (!want || strcmp(v, want) == 0))
			return v;
	}
	cr_assert_fail("Prometheus never answered %s with %s (last: %s)", query,
		       want ? want : "a value", v ? v : "nothing");
	return NULL;
}

static void wait_for_value(int port, uint64_t want)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRIu64, want);
	free(wait_for(port, REQUESTS, text));
}

/* Prometheus' answer to query at time at, a number. */
static double query_at(int port, const char *query, const char *at)
{
	char *v = prometheus_query(port, query, at,
				   "print(r[0][\"value\"][1] if r else \"\", end=\"\")");
	double d;

	cr_assert_not_null(v, "no answer to %s at %s", query, at);
	d = strtod(v, NULL);
	free(v);
	return d;
}

/*
 * Prometheus scrapes serve (OpenMetrics, gzipped) while the writer counts in three
 * rounds; the samples it stored are the writer's totals, and rate() over exactly the
 * span of the stored samples, evaluated at the last one, is their difference over that
 * span: no extrapolation then, so the value is exact. Over the same span the latency
 * histogram's quantiles are the interpolations its buckets give (writer_values.h: a
 * quarter at most 100 ns, three quarters at most 1 us, all at most 10 us). Its metadata
 * has the unit: Prometheus asked for OpenMetrics and got it.
 */
Test(tools_serve, prometheus_answers_rate_and_histogram_quantile, .timeout = 60)
{
	char *dir = strdup(test_tmpdir()), *v, query[256], at[32], *rm;
	char first_v[32], last_v[32], distinct[128], expect[128];
	long long first_ms, last_ms, span_ms;
	double got, want;
	uint64_t totals[3];
	struct writer w;
	struct server s;
	struct run r;
	int port = free_port();
	pid_t prom;

	writer_start(&w, test_tmpdir(), 2, 5000, "PCPU_TEST_METRICS=1");
	serve_start(&s, w.domain);
	prom = prometheus_start(dir, port, s.port);
	for (int i = 0; i < 3; i++) {
		if (i > 0)
			writer_again(&w);
		totals[i] = w.requests;
		wait_for_value(port, totals[i]);
	}
	/* The stored samples: "first_ms last_ms first_value last_value distinct_values". */
	v = prometheus_query(port, REQUESTS "[1m]", "",
			     "s=r[0][\"values\"]\n"
			     "t=[round(float(x[0])*1000) for x in s]\n"
			     "print(t[0], t[-1], s[0][1], s[-1][1], "
			     "\",\".join(sorted(set(x[1] for x in s), key=int)), end=\"\")");
	cr_assert_not_null(v);
	cr_assert_eq(sscanf(v, "%lld %lld %31s %31s %127s", &first_ms, &last_ms, first_v, last_v,
			    distinct),
		     5, "%s", v);
	free(v);
	snprintf(expect, sizeof(expect), "%" PRIu64 ",%" PRIu64 ",%" PRIu64, totals[0], totals[1],
		 totals[2]);
	cr_assert_str_eq(distinct, expect, "every stored value is one the writer produced");
	span_ms = last_ms - first_ms;
	snprintf(at, sizeof(at), "%.3f", (double)last_ms / 1000);
	snprintf(query, sizeof(query), "rate(" REQUESTS "[%lldms])", span_ms);
	got = query_at(port, query, at);
	want = (strtod(last_v, NULL) - strtod(first_v, NULL)) / ((double)span_ms / 1000);
	cr_assert_gt(want, 0);
	cr_assert_float_eq(got, want, want * 1e-12, "%s: %.17g, expected %.17g", query, got, want);
	snprintf(query, sizeof(query),
		 "histogram_quantile(0.5, rate(test_latency_seconds_bucket[%lldms]))", span_ms);
	got = query_at(port, query, at);
	cr_assert_float_eq(got, 1e-7 + (1e-6 - 1e-7) * 0.5, 1e-18, "%s: %.17g", query, got);
	snprintf(query, sizeof(query),
		 "histogram_quantile(0.9, rate(test_latency_seconds_bucket[%lldms]))", span_ms);
	got = query_at(port, query, at);
	cr_assert_float_eq(got, 1e-6 + (1e-5 - 1e-6) * 0.6, 1e-17, "%s: %.17g", query, got);
	/* Metadata as Prometheus took it: the unit only OpenMetrics' # UNIT gives. */
	v = prometheus_api(
		port, "/api/v1/targets/metadata?metric=test_latency_seconds",
		"m=r[0] if r else {}\n"
		"print(m.get(\"type\"), m.get(\"unit\") or \"-\", m.get(\"help\"), end=\"\")");
	prometheus_stop(prom);
	cr_assert_not_null(v, "no metadata");
	cr_assert_str_eq(v, "histogram seconds request latency", "negotiated OpenMetrics");
	free(v);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
	cr_assert_geq(asprintf(&rm, "rm -rf '%s'", dir), 0);
	run_sh(&r, rm);
	run_free(&r);
	free(rm);
	free(dir);
}
