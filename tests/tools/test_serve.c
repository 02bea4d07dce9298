/* pcpu serve: /metrics over HTTP, scraped by a real Prometheus server. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

struct server {
	pid_t pid;
	int port;
};

/* Starts `pcpu serve` on a free port (with --interval when interval is not NULL) and
 * reads the port from its announcement. */
static void serve_start_every(struct server *s, const char *target, const char *interval)
{
	char *bin = (char *)pcpu_binary();
	int err[2];
	char line[256] = "";
	FILE *f;

	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	s->pid = fork();
	cr_assert_geq(s->pid, 0);
	if (s->pid == 0) {
		/* A failed assertion ends the test without serve_stop(): end with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(err[1], 2);
		if (interval)
			execl(bin, bin, "serve", "--interval", interval, "--listen", "127.0.0.1:0",
			      target, (char *)NULL);
		else
			execl(bin, bin, "serve", "--listen", "127.0.0.1:0", target, (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	f = fdopen(err[0], "r");
	cr_assert_not_null(fgets(line, sizeof(line), f), "serve said nothing");
	cr_assert_eq(sscanf(line, "pcpu serve: listening on http://127.0.0.1:%d/metrics", &s->port),
		     1, "%s", line);
	fclose(f); /* later errors go to a closed pipe: serve ignores SIGPIPE */
}

static void serve_start(struct server *s, const char *target)
{
	serve_start_every(s, target, NULL);
}

static int serve_stop(struct server *s)
{
	kill(s->pid, SIGTERM);
	return test_wait_exit(s->pid);
}

/* One HTTP/1.0 request; returns the whole response (caller frees). */
static char *http(int port, const char *method, const char *path)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[512], buf[65536];
	size_t len = 0;
	ssize_t n;

	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return strdup(buf);
}

Test(tools_serve, metrics_are_served_with_the_exposition_content_type)
{
	struct writer w;
	struct server s;
	char *resp, expect[128];

	writer_start(&w, test_tmpdir(), 2, 30000, NULL);
	serve_start(&s, w.domain);
	resp = http(s.port, "GET", "/metrics");
	cr_assert_eq(strncmp(resp, "HTTP/1.0 200", 12) == 0 ||
			     strncmp(resp, "HTTP/1.1 200", 12) == 0,
		     1, "%s", resp);
	cr_assert_not_null(
		strstr(resp, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
		"%s", resp);
	snprintf(expect, sizeof(expect), ",symbol=\"test_requests\"} %" PRIu64 "\n", w.requests);
	cr_assert_not_null(strstr(resp, expect), "%s", resp);
	free(resp);
	writer_again(&w); /* read afresh at each scrape */
	resp = http(s.port, "GET", "/metrics");
	snprintf(expect, sizeof(expect), ",symbol=\"test_requests\"} %" PRIu64 "\n", w.requests);
	cr_assert_not_null(strstr(resp, expect), "%s", resp);
	free(resp);
	cr_assert_eq(serve_stop(&s), 0, "serve exits 0 on SIGTERM");
	cr_assert_eq(writer_stop(&w), 0);
}

/* What one scrape says the writer's counter is. */
static uint64_t scraped_requests(int port)
{
	char *resp = http(port, "GET", "/metrics"),
	     *at = strstr(resp, ",symbol=\"test_requests\"} ");
	uint64_t v;

	cr_assert_not_null(at, "%s", resp);
	cr_assert_eq(sscanf(at + strlen(",symbol=\"test_requests\"} "), "%" SCNu64, &v), 1);
	free(resp);
	return v;
}

Test(tools_serve, scrapes_within_the_interval_share_one_reading)
{
	struct writer w;
	struct server every, fresh;
	uint64_t first;

	writer_start(&w, test_tmpdir(), 2, 30000, NULL);
	serve_start_every(&every, w.domain, "3600");
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
 * program restarted under the same path is read afresh, and a gap in between is up 0. */
Test(tools_serve, a_program_restarted_under_the_same_path_is_followed)
{
	char *path = test_path(test_tmpdir(), "restart.domain"), *resp, down[4200];
	struct writer_opts o = {.domain = path};
	struct writer w;
	struct server s;

	writer_start_opts(&w, &o, 2, 1000);
	serve_start(&s, path);
	cr_assert_eq(scraped_requests(s.port), w.requests);
	cr_assert_eq(writer_stop(&w), 0);
	resp = http(s.port, "GET", "/metrics");
	snprintf(down, sizeof(down), "pcpu_domain_up{target=\"%s\"} 0\n", path);
	cr_expect_not_null(strstr(resp, down), "%s", resp);
	free(resp);
	writer_start_opts(&w, &o, 2, 3000);
	cr_assert_eq(scraped_requests(s.port), w.requests, "the new program's count");
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
	free(path);
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
	char *resp;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	serve_start(&s, w.domain);
	resp = http(s.port, "GET", "/");
	cr_assert_not_null(strstr(resp, " 404 "), "%s", resp);
	free(resp);
	resp = http(s.port, "GET", "/metrics/x");
	cr_assert_not_null(strstr(resp, " 404 "), "%s", resp);
	free(resp);
	resp = http(s.port, "DELETE", "/metrics");
	cr_assert_not_null(strstr(resp, " 405 "), "%s", resp);
	free(resp);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static pid_t prometheus_start(const char *dir, int port, int target_port)
{
	char *cfg = test_path(dir, "prometheus.yml"), *data = test_path(dir, "data");
	char cfg_arg[512], data_arg[512], listen_arg[64];
	FILE *f = fopen(cfg, "w");
	pid_t pid;

	cr_assert_not_null(f);
	fprintf(f,
		"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		"scrape_configs:\n  - job_name: pcpu\n    static_configs:\n"
		"      - targets: ['127.0.0.1:%d']\n",
		target_port);
	fclose(f);
	snprintf(cfg_arg, sizeof(cfg_arg), "--config.file=%s", cfg);
	snprintf(data_arg, sizeof(data_arg), "--storage.tsdb.path=%s", data);
	snprintf(listen_arg, sizeof(listen_arg), "--web.listen-address=127.0.0.1:%d", port);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGTERM); /* as serve_start_every's */
		dup2(null, 1);
		dup2(null, 2);
		execlp("prometheus", "prometheus", cfg_arg, data_arg, listen_arg,
		       "--log.level=error", (char *)NULL);
		_exit(127);
	}
	free(cfg);
	free(data);
	return pid;
}

/* The value Prometheus's HTTP API returns for query, or NULL while it has none. */
static char *prometheus_query(int port, const char *query)
{
	char path[256], *resp, *body, *value = NULL;
	struct run py;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd); /* not up yet */
		return NULL;
	}
	close(fd);
	snprintf(path, sizeof(path), "/api/v1/query?query=%s", query);
	resp = http(port, "GET", path);
	body = strstr(resp, "\r\n\r\n");
	if (body) {
		run_python_json(&py, body + 4,
				"import json,sys\n"
				"r=json.load(sys.stdin)[\"data\"][\"result\"]\n"
				"print(r[0][\"value\"][1] if r else \"\", end=\"\")");
		if (py.status == 0 && py.out[0])
			value = strdup(py.out);
		run_free(&py);
	}
	free(resp);
	return value;
}

Test(tools_serve, prometheus_scrapes_the_writers_value, .timeout = 120)
{
	const char *dir = test_tmpdir();
	char *tmp = strdup(dir), *value = NULL, expect[32], *rm;
	struct writer w;
	struct server s;
	struct run r;
	int port = free_port();
	pid_t prom;
	time_t deadline;

	writer_start(&w, test_tmpdir(), 4, 123457, NULL);
	serve_start(&s, w.domain);
	prom = prometheus_start(tmp, port, s.port);
	snprintf(expect, sizeof(expect), "%" PRIu64, w.requests);
	for (deadline = time(NULL) + 90; time(NULL) < deadline; usleep(500000)) {
		free(value);
		value = prometheus_query(port, "pcpu_test_requests_total");
		if (value && strcmp(value, expect) == 0)
			break;
	}
	kill(prom, SIGTERM);
	test_wait_exit(prom);
	cr_assert_not_null(value, "Prometheus never returned a value");
	cr_assert_str_eq(value, expect);
	free(value);
	cr_assert_eq(serve_stop(&s), 0);
	cr_assert_eq(writer_stop(&w), 0);
	cr_assert_geq(asprintf(&rm, "rm -rf '%s'", tmp), 0);
	run_sh(&r, rm);
	run_free(&r);
	free(rm);
	free(tmp);
}
