/*
 * Fixtures of serve's tests: `pcpu serve` on 127.0.0.1 with a free port and its log in a
 * file, an HTTP/1.0 client that sends chosen headers, gunzip, and a real Prometheus
 * server on loopback scraping it, asked through its HTTP API.
 */
#ifndef PCPU_TESTS_TOOLS_SERVERUN_H
#define PCPU_TESTS_TOOLS_SERVERUN_H

#include <stddef.h>
#include <sys/types.h>

struct server {
	pid_t pid;
	int port;
	char *dir; /* private: holds the log */
	char *log; /* serve's stderr */
};

/* Starts `pcpu serve --listen 127.0.0.1:0 ARGS...` (args NULL-terminated, maybe empty)
 * and reads the port from its announcement. */
void serve_start_args(struct server *s, char *const *args);
/* The same with one TARGET. */
void serve_start(struct server *s, const char *target);
/* Everything serve has logged so far (caller frees). */
char *serve_log(const struct server *s);
/* SIGTERM; returns its exit status. */
int serve_stop(struct server *s);

struct response {
	char *head; /* status line and headers, NUL-terminated */
	char *body; /* NUL-terminated too (a gzip body may hold NULs: see len) */
	size_t len; /* of body */
};

/* One HTTP/1.0 request with extra header lines ("Name: value\r\n"..., or NULL). */
void http_request(struct response *r, int port, const char *method, const char *path,
		  const char *headers);
void response_free(struct response *r);
/* The value of header name in r (static storage), or NULL. */
const char *response_header(const struct response *r, const char *name);
/* The gunzipped body (caller frees, NUL-terminated). */
char *gunzip(const char *data, size_t len);

/* A loopback port nobody listens on now. */
int free_port(void);

/* Prometheus scraping 127.0.0.1:target_port every second, its data in dir. */
pid_t prometheus_start(const char *dir, int port, int target_port);
void prometheus_stop(pid_t pid);
/* GET path of Prometheus' HTTP API; program prints what it needs of the answer's data,
 * given as r (None unless the answer's status is success). NULL while Prometheus is not
 * up or program printed nothing. Caller frees. */
char *prometheus_api(int port, const char *path, const char *program);
/*
 * The data of Prometheus' answer to the instant query query (URL-encoded here), at time
 * at ("" for now), as a python expression prints it: program gets the result list as r.
 * NULL while Prometheus is not up or has no result yet. Caller frees.
 */
char *prometheus_query(int port, const char *query, const char *at, const char *program);

#endif
