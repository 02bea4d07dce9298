/* pcpu serve: the exposition of targets at http://ADDR:PORT/metrics (libmicrohttpd). */
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "negotiate.h"
#include "scrape.h"
#include "shared.h"
#include "target.h"

const char cmd_serve_synopsis[] = "serve [-P] [-i SECONDS] --listen ADDR:PORT [TARGET...]";
const char cmd_serve_help[] =
	"Serves what 'pcpu export' prints at http://ADDR:PORT/metrics, reading every TARGET\n"
	"afresh for a scrape, or with no TARGET every domain you may read (found as 'pcpu\n"
	"ls' finds them, again at every scrape); other paths get 404. OpenMetrics 1.0.0 or\n"
	"the text format 0.0.4 as Accept asks, gzipped when Accept-Encoding allows it, with\n"
	"pcpu_exporter_* metrics of serve itself. Scrapes that arrive while the domains are\n"
	"read share that reading, and with -i so do the scrapes of the next SECONDS. A\n"
	"domain that cannot be read or is dead is logged once, when that begins. ADDR is an\n"
	"IPv4 address, [IPv6] or a host name; PORT 0 picks a free port. The address served\n"
	"is printed on stderr. Runs until SIGINT or SIGTERM.\n"
	"  -l, --listen ADDR:PORT  where to listen\n"
	"  -i, --interval SECONDS  reuse a reading for this long (default 0)\n"
	"  -P, --per-cpu           one series per CPU, labelled cpu=\"N\"\n"
	"  -h, --help              this text\n";

#define MAX_CONNECTIONS 256u /* each is a thread; a body is shared, not copied */

struct serve {
	struct scrape scrape;
	struct shared shared;
};

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned int status,
			     struct MHD_Response *r, const char *type)
{
	enum MHD_Result ok;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

	if (!r) {
		free(body);
		return MHD_NO;
	}
	return queue(conn, status, r, type);
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text)
{
	char *body = strdup(text);

	return body ? reply(conn, status, body, strlen(body), "text/plain; charset=utf-8") : MHD_NO;
}

static void release(void *body)
{
	shared_put(body);
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result metrics(struct MHD_Connection *conn, struct serve *s)
{
	enum expo_format fmt = negotiate_format(header(conn, MHD_HTTP_HEADER_ACCEPT));
	bool gzip = negotiate_gzip(header(conn, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	struct shared_body *b = shared_get(&s->shared);
	struct MHD_Response *r;
	const char *data;
	size_t len;

	if (!b || scrape_variant(b, fmt, gzip, &data, &len) != 0) {
		if (b)
			shared_put(b);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	/* The body is only read: MHD takes a non-const pointer for buffers it may free. */
	r = MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)data, release, b);
	if (!r) {
		shared_put(b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	if (gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	return queue(conn, MHD_HTTP_OK, r,
		     fmt == EXPO_OPENMETRICS ? EXPO_CONTENT_TYPE_OPENMETRICS
					     : EXPO_CONTENT_TYPE_TEXT);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	(void)version;
	(void)upload;
	if (*upload_size != 0) {
		*upload_size = 0; /* bodies are not used: discard them */
		return MHD_YES;
	}
	if (*state == NULL) {
		*state = conn; /* the first call only has the headers; answer on the next */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET\n");
	return metrics(conn, cls);
}

/* Splits ADDR:PORT ([v6]:PORT) and returns a listening socket, or -1 (error printed). */
static int listen_on(const char *spec)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai;
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t hlen;
	int fd, rc, one = 1;

	if (!colon || colon == spec || colon[1] == '\0') {
		tool_err("bad listen address \"%s\": expected ADDR:PORT", spec);
		return -1;
	}
	/* glibc's getaddrinfo takes any number as a port and truncates it to 16 bits:
	 * 99999 would listen on 34463. */
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5 ||
	    atoi(colon + 1) > 65535) {
		tool_err("bad listen address \"%s\": port must be 0 to 65535", spec);
		return -1;
	}
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[' && hlen > 2 && spec[hlen - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)hlen - 2, spec + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)hlen, spec);
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc != 0) {
		tool_err("bad listen address \"%s\": %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		tool_err("cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void announce(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		fprintf(stderr, "pcpu serve: listening on http://%s%s%s:%s/metrics\n",
			ss.ss_family == AF_INET6 ? "[" : "", host,
			ss.ss_family == AF_INET6 ? "]" : "", port);
}

/* Serves until SIGINT or SIGTERM; those are blocked in every thread and taken here. */
static int serve(int fd, struct serve *s)
{
	struct MHD_Daemon *d;
	sigset_t stop;
	int sig;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
			     NULL, NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT,
			     MAX_CONNECTIONS, MHD_OPTION_END);
	if (!d) {
		close(fd);
		return tool_err("cannot start the HTTP server (libmicrohttpd)");
	}
	announce(fd);
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	close(fd);
	return 0;
}

/* A target that cannot be read at start is a mistake (a typo, a wrong pid) rather than a
 * program restarting, so it stops serve; later scrapes report failures as up 0. */
static int check_targets(char **targets, int n)
{
	for (int i = 0; i < n; i++) {
		struct target t;

		if (target_open(&t, targets[i]) < 0)
			return -1;
		target_close(&t);
	}
	return 0;
}

static const struct option long_opts[] = {
	{"listen", required_argument, NULL, 'l'},
	{"interval", required_argument, NULL, 'i'},
	{"per-cpu", no_argument, NULL, 'P'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_serve(int argc, char **argv)
{
	struct serve s = {0};
	const char *listen_spec = NULL;
	double interval = 0;
	int c, fd, rc;

	while ((c = getopt_long(argc, argv, "+l:i:Ph", long_opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_spec = optarg;
			break;
		case 'i':
			if (tool_parse_interval("interval", optarg, &interval) < 0)
				return TOOL_EXIT_FAIL;
			break;
		case 'P':
			s.scrape.opts.percpu = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (!listen_spec)
		return tool_usage();
	if (optind < argc) {
		s.scrape.targets = argv + optind;
		s.scrape.ntargets = (size_t)(argc - optind);
	}
	if (check_targets(argv + optind, argc - optind) < 0)
		return TOOL_EXIT_FAIL;
	fd = listen_on(listen_spec);
	if (fd < 0)
		return TOOL_EXIT_FAIL;
	s.scrape.opts.log_alive = true;
	s.scrape.started = tool_realtime();
	shared_init(&s.shared, interval, scrape_take, &s.scrape);
	rc = serve(fd, &s);
	shared_destroy(&s.shared);
	scrape_free(&s.scrape);
	return rc;
}
