/*
 * pcpu serve under a burst of concurrent scrapes of the 4096-CPU, 1000-counter domain,
 * next to libmicrohttpd answering the same bytes from memory (no reading): the HTTP
 * cost alone, so the ratio is what reading the domain at each scrape adds. Once with
 * the default (scrapes share the reading under way) and once with --interval 1 (a
 * reading serves the scrapes of the next second too), then with --interval 1 asked as
 * Prometheus asks (OpenMetrics, gzip: made once per reading); each with the peak RSS of
 * the serve process next to the domain's size.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bigdomain.h"
#include "harness.h"

#define CLIENTS 16
#define SCRAPES 4 /* per client and repetition */

/* What Prometheus 2.42 sends. */
#define PROMETHEUS_HEADERS                                                                      \
	"Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n" \
	"Accept-Encoding: gzip\r\n"

struct scrape {
	int port;
	const char *headers; /* extra request headers, "" for none */
	size_t bytes;	     /* of the last response */
};

/* One GET /metrics over a new connection, read to the end. */
static size_t scrape_once(int port, const char *headers)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char req[512], buf[65536];
	size_t total = 0, len;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	len = (size_t)snprintf(req, sizeof(req),
			       "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n%s\r\n", headers);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, req, len) != (ssize_t)len) {
		perror("bench: scrape");
		exit(1);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	close(fd);
	return total;
}

static void scrape(void *arg, uint64_t iters)
{
	struct scrape *s = arg;

	for (uint64_t i = 0; i < iters; i++)
		s->bytes = scrape_once(s->port, s->headers);
}

static pid_t serve_start(const char *domain, const char *interval, int *port)
{
	int err[2];
	char line[256];
	FILE *f;
	pid_t pid;

	if (pipe(err) != 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		dup2(err[1], 2);
		close(err[0]);
		if (interval)
			execl(pcpu_path(), pcpu_path(), "serve", "--interval", interval, "--listen",
			      "127.0.0.1:0", domain, (char *)NULL);
		else
			execl(pcpu_path(), pcpu_path(), "serve", "--listen", "127.0.0.1:0", domain,
			      (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	f = fdopen(err[0], "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "pcpu serve: listening on http://127.0.0.1:%d/", port) != 1) {
		fprintf(stderr, "bench: pcpu serve did not start\n");
		exit(1);
	}
	fclose(f);
	return pid;
}

static char *static_body;
static size_t static_len;

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	(void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
	if (*state == NULL) {
		*state = conn;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(static_len, static_body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

/* The baseline server: the same threading as pcpu serve, a body from memory. */
static struct MHD_Daemon *static_start(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct MHD_Daemon *d;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		exit(1);
	*port = ntohs(a.sin_port);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
			     NULL, NULL, answer, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_END);
	if (!d)
		exit(1);
	return d;
}

/* VmHWM of pid in MiB: the most it was resident at once. */
static double peak_rss_mib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : (double)kib / 1024;
}

/* One configuration of pcpu serve against the baseline server at base_port. */
static void run(const char *domain, const char *interval, const char *headers, int base_port)
{
	struct scrape s = {.headers = headers}, base = {.port = base_port, .headers = ""};
	double served, baseline, rss;
	char name[96];
	pid_t serve;
	int status;

	serve = serve_start(domain, interval, &s.port);
	served = bench_ops_per_sec(scrape, &s, SCRAPES, CLIENTS);
	baseline = bench_ops_per_sec(scrape, &base, SCRAPES, CLIENTS);
	rss = peak_rss_mib(serve);
	snprintf(name, sizeof(name), "pcpu serve%s%s%s, %d clients", interval ? " -i " : "",
		 interval ? interval : "", *headers ? " (OpenMetrics, gzip)" : "", CLIENTS);
	bench_report(name, served, "static response (libmicrohttpd)", baseline, "scr/s");
	printf("pcpu serve%s%s: peak RSS %.1f MiB for a %.1f MiB domain (bound: 2x + a few MiB)\n",
	       interval ? " -i " : "", interval ? interval : "", rss, big_domain_mib());
	kill(serve, SIGTERM);
	waitpid(serve, &status, 0);
}

int main(void)
{
	const char *domain = big_domain();
	struct MHD_Daemon *d;
	int port;
	pid_t serve;
	int status;

	bench_header("pcpu serve: bursts of concurrent scrapes of /metrics");
	big_domain_describe();
	serve = serve_start(domain, NULL, &port);
	static_len = scrape_once(port, "");
	kill(serve, SIGTERM);
	waitpid(serve, &status, 0);
	static_body = malloc(static_len);
	memset(static_body, '#', static_len);
	d = static_start(&port);
	printf("response: %zu bytes, %d clients at once\n", static_len, CLIENTS);
	run(domain, NULL, "", port);
	run(domain, "1", "", port);
	run(domain, "1", PROMETHEUS_HEADERS, port);
	MHD_stop_daemon(d);
	free(static_body);
	big_domain_cleanup();
	return 0;
}
