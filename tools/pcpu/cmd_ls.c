/* pcpu ls: the domains on this machine, alive or left behind; --gc removes dead ones. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "json.h"
#include "target.h"

const char cmd_ls_synopsis[] = "ls [--gc] [--json] [DIR|FILE...]";
const char cmd_ls_help[] =
	"Lists the pcpu domains (files named pcpu.*) in each DIR (default /dev/shm) and the\n"
	"given domain or snapshot FILEs: writer pid, program, state (alive; dead when the\n"
	"writer exited or its pid now runs another program; snapshot), process title (the\n"
	"command line of a live writer), size, counters and symbols.\n"
	"      --gc     remove the files of dead writers (never snapshots)\n"
	"      --json   a JSON array\n"
	"  -h, --help   this text\n";

struct ls_row {
	char *path;
	struct target t; /* t.kd is NULL when the file could not be opened */
	off_t size;
	char title[256];
	bool removed;
};

/* A live process's command line, arguments joined by spaces: what setproctitle shows. */
static void read_title(pid_t pid, char *buf, size_t len)
{
	char file[64];
	ssize_t n;
	int fd;

	strcpy(buf, "-");
	snprintf(file, sizeof(file), "/proc/%d/cmdline", (int)pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		strcpy(buf, "-");
		return;
	}
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
}

static void load(struct ls_row *r)
{
	struct stat st;

	if (stat(r->path, &st) == 0)
		r->size = st.st_size;
	strcpy(r->title, "-");
	if (target_open(&r->t, r->path) < 0)
		return; /* the reason is on stderr; the row says "unreadable" */
	if (r->t.alive)
		read_title(r->t.pid, r->title, sizeof(r->title));
}

static int add_path(struct ls_row **rows, size_t *n, const char *dir, const char *name)
{
	struct ls_row *v = realloc(*rows, (*n + 1) * sizeof(**rows));

	if (!v)
		return -1;
	*rows = v;
	memset(&v[*n], 0, sizeof(v[*n]));
	if (dir ? asprintf(&v[*n].path, "%s/%s", dir, name) < 0 : !(v[*n].path = strdup(name)))
		return -1;
	(*n)++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct ls_row *)a)->path, ((const struct ls_row *)b)->path);
}

static int scan(struct ls_row **rows, size_t *n, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = *n;

	if (!d)
		return tool_err("%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "pcpu.", 5) == 0 && add_path(rows, n, dir, e->d_name) < 0)
			break;
	closedir(d);
	qsort(*rows + first, *n - first, sizeof(**rows), by_path);
	return 0;
}

static const char *state(const struct ls_row *r)
{
	if (r->removed)
		return "removed";
	return r->t.kd ? target_state(&r->t) : "unreadable";
}

static void print_text(const struct ls_row *rows, size_t n)
{
	printf("%7s %-16s %-10s %10s %8s %7s  %-28s %s\n", "PID", "PROGRAM", "STATE", "SIZE",
	       "COUNTERS", "SYMBOLS", "PATH", "TITLE");
	for (size_t i = 0; i < n; i++) {
		const struct ls_row *r = &rows[i];

		printf("%7d %-16s %-10s %10lld %8zu %7zu  %-28s %s\n", (int)r->t.pid,
		       r->t.kd ? r->t.progname : "-", state(r), (long long)r->size,
		       target_count_kind(&r->t, PCPU_SYM_COUNTER), r->t.nsyms, r->path, r->title);
	}
}

static void print_json(const struct ls_row *rows, size_t n)
{
	struct json j;

	json_init(&j, stdout);
	json_open_array(&j);
	for (size_t i = 0; i < n; i++) {
		const struct ls_row *r = &rows[i];

		json_open_object(&j);
		json_key(&j, "path");
		json_string(&j, r->path);
		json_key(&j, "pid");
		json_i64(&j, r->t.pid);
		json_key(&j, "program");
		json_string(&j, r->t.progname);
		json_key(&j, "state");
		json_string(&j, state(r));
		json_key(&j, "title");
		json_string(&j, r->title);
		json_key(&j, "size");
		json_i64(&j, r->size);
		json_key(&j, "counters");
		json_u64(&j, target_count_kind(&r->t, PCPU_SYM_COUNTER));
		json_key(&j, "symbols");
		json_u64(&j, r->t.nsyms);
		json_close_object(&j);
	}
	json_close_array(&j);
	json_end(&j);
}

/* Removes the files of dead writers; a snapshot or an unreadable file is never removed. */
static int gc(struct ls_row *rows, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct ls_row *r = &rows[i];

		if (!r->t.kd || r->t.snapshot || r->t.alive)
			continue;
		if (unlink(r->path) == 0)
			r->removed = true;
		else
			rc = tool_err("%s: cannot remove: %s", r->path, strerror(errno));
	}
	return rc;
}

static int list(char **args, int nargs, bool do_gc, bool json)
{
	static char *const shm[] = {"/dev/shm"};
	struct ls_row *rows = NULL;
	size_t n = 0;
	struct stat st;
	int rc = 0;

	if (nargs == 0) {
		args = (char **)shm;
		nargs = 1;
	}
	for (int i = 0; i < nargs; i++) {
		if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc |= scan(&rows, &n, args[i]);
		else if (add_path(&rows, &n, NULL, args[i]) < 0)
			rc = tool_err("out of memory");
	}
	for (size_t i = 0; i < n; i++)
		load(&rows[i]);
	if (do_gc)
		rc |= gc(rows, n);
	if (json)
		print_json(rows, n);
	else
		print_text(rows, n);
	for (size_t i = 0; i < n; i++) {
		target_close(&rows[i].t);
		free(rows[i].path);
	}
	free(rows);
	return rc;
}

static const struct option long_opts[] = {
	{"gc", no_argument, NULL, 'g'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_ls(int argc, char **argv)
{
	bool do_gc = false, json = false;
	int c;

	while ((c = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			do_gc = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	return list(argv + optind, argc - optind, do_gc, json);
}
