/* serve, an HTTP client and Prometheus for serve's tests. */
#include "tools/serverun.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int c;

	cr_assert_not_null(m);
	while (f && (c = getc(f)) != EOF)
		putc(c, m);
	if (f)
		fclose(f);
	fclose(m);
	return buf;
}

void serve_start_args(struct server *s, char *const *args)
{
	char *bin = (char *)pcpu_binary(), *argv[16] = {bin, "serve", "--listen", "127.0.0.1:0"};
	int n = 4, log;

	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	cr_assert_lt(n, 16);
	s->dir = strdup(test_tmpdir());
	s->log = test_path(s->dir, "serve.log");
	log = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(log, 0);
	s->pid = fork();
	cr_assert_geq(s->pid, 0);
	if (s->pid == 0) {
		/* A failed assertion ends the test without serve_stop(): end with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(log, 2);
		execv(bin, argv);
		_exit(127);
	}
	close(log);
	for (int tries = 0; tries < 200; tries++) { /* 10 s at most */
		char *text = slurp(s->log), *at = strstr(text, "listening on http://127.0.0.1:");

		s->port = 0;
		if (at)
			sscanf(at, "listening on http://127.0.0.1:%d/metrics", &s->port);
		free(text);
		if (s->port)
			return;
		usleep(50000);
	}
	cr_assert_fail("serve did not announce itself");
}

void serve_start(struct server *s, const char *target)
{
	char *args[] = {(char *)target, NULL};

	serve_start_args(s, args);
}

char *serve_log(const struct server *s)
{
	return slurp(s->log);
}

int serve_stop(struct server *s)
{
	int status;

	kill(s->pid, SIGTERM);
	status = test_wait_exit(s->pid);
	unlink(s->log);
	rmdir(s->dir);
	free(s->log);
	free(s->dir);
	return status;
}

void http_request(struct response *r, int port, const char *method, const char *path,
		  const char *headers)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char *req, *buf = NULL, chunk[16384], *end;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ssize_t n;

	cr_assert_not_null(m);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_geq(asprintf(&req, "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s\r\n", method, path,
			       headers ? headers : ""),
		      0);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, (size_t)n, m);
	close(fd);
	fclose(m);
	free(req);
	end = memmem(buf, len, "\r\n\r\n", 4);
	cr_assert_not_null(end, "no end of headers: %s", buf);
	r->head = strndup(buf, (size_t)(end + 4 - buf));
	r->len = len - (size_t)(end + 4 - buf);
	r->body = malloc(r->len + 1);
	cr_assert_not_null(r->body);
	memcpy(r->body, end + 4, r->len);
	r->body[r->len] = '\0';
	free(buf);
}

void response_free(struct response *r)
{
	free(r->head);
	free(r->body);
}

const char *response_header(const struct response *r, const char *name)
{
	static char value[512];
	size_t n = strlen(name);

	for (const char *p = strstr(r->head, "\r\n"); p && p[2] != '\r';
	     p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			const char *v = p + 3 + n + strspn(p + 3 + n, " ");

			snprintf(value, sizeof(value), "%.*s", (int)strcspn(v, "\r"), v);
			return value;
		}
	}
	return NULL;
}

char *gunzip(const char *data, size_t len)
{
	z_stream z = {0};
	size_t cap = 1 << 20;
	char *out = malloc(cap + 1);

	cr_assert_not_null(out);
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK, "gzip, not zlib");
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "a whole gzip stream of at most 1 MiB");
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return out;
}

int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

pid_t prometheus_start(const char *dir, int port, int target_port)
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

		prctl(PR_SET_PDEATHSIG, SIGTERM); /* as serve's */
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

void prometheus_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	test_wait_exit(pid);
}

static void url_encode(const char *s, char *out, size_t len)
{
	static const char keep[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	size_t n = 0;

	for (; *s && n + 4 < len; s++)
		n += (size_t)(strchr(keep, *s)
				      ? snprintf(out + n, len - n, "%c", *s)
				      : snprintf(out + n, len - n, "%%%02X", (unsigned char)*s));
	out[n] = '\0';
}

char *prometheus_api(int port, const char *path, const char *program)
{
	char *py, *value = NULL;
	struct response resp;
	struct run r;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd); /* not up yet */
		return NULL;
	}
	close(fd);
	http_request(&resp, port, "GET", path, NULL);
	cr_assert_geq(asprintf(&py,
			       "import json,sys\n"
			       "d=json.load(sys.stdin)\n"
			       "r=d[\"data\"] if d.get(\"status\")==\"success\" else None\n"
			       "%s",
			       program),
		      0);
	if (strstr(resp.head, " 200 ")) {
		run_python_json(&r, resp.body, py);
		if (r.status == 0 && r.out[0])
			value = strdup(r.out);
		run_free(&r);
	}
	free(py);
	response_free(&resp);
	return value;
}

char *prometheus_query(int port, const char *query, const char *at, const char *program)
{
	char path[1024], q[768], *py, *value;

	url_encode(query, q, sizeof(q));
	snprintf(path, sizeof(path), "/api/v1/query?query=%s%s%s", q, *at ? "&time=" : "", at);
	cr_assert_geq(asprintf(&py, "r=r[\"result\"] if r else []\n%s", program), 0);
	value = prometheus_api(port, path, py);
	free(py);
	return value;
}
