/* pcpu ls: the domains on this machine, alive or left behind; --gc removes unheld ones. */
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
#include "domdir.h"
#include "json.h"
#include "target.h"

const char cmd_ls_synopsis[] = "ls [--gc] [--json] [DIR|FILE...]";
const char cmd_ls_help[] =
	"Lists the pcpu domains in every trusted per-user domain directory ($PCPU_SHMDIR,\n"
	"default /dev/shm, pcpu-UID), or the domains and snapshots in each DIR and the given\n"
	"FILEs: name, pid, program, state (alive with the number of processes holding it;\n"
	"dead once none does; snapshot), size, counters, symbols, path and process title.\n"
	"      --gc     remove the domains that no process holds (never snapshots)\n"
	"      --json   a JSON array, with the processes of each domain\n"
	"A DIR or FILE that does not exist, or a FILE that is no readable domain, is an error.\n"
	"  -h, --help   this text\n";

struct ls_row {
	char *path;
	struct target t; /* t.kd is NULL when the file could not be opened */
	off_t size;
	char title[256];
	bool named; /* given as a FILE: failing to read it is an error, not a row only */
	bool removed;
};

/* The title of the shown pid, when it is a holder here (KVM_PROCF_HERE): a pid of
 * another namespace or a reused one would show another's command. */
static void holder_title(struct ls_row *r)
{
	const struct kvm_domproc *p;
	char **argv = NULL, *at = r->title;
	int n = 0;

	strcpy(r->title, "-");
	if (!r->t.alive || (p = kvm_getdomprocs(r->t.kd, &n)) == NULL)
		return;
	for (int i = 0; i < n && !argv; i++)
		if ((p[i].dp_flags & KVM_PROCF_HERE) && p[i].dp_pid == r->t.pid)
			argv = kvm_getdomargv(r->t.kd, &p[i], sizeof(r->title) - 1);
	for (int i = 0; argv && argv[i]; i++) /* what setproctitle shows: words by spaces */
		at += snprintf(at, sizeof(r->title) - (size_t)(at - r->title), "%s%s", i ? " " : "",
			       argv[i]);
}

static int load(struct ls_row *r)
{
	struct stat st;

	if (lstat(r->path, &st) == 0)
		r->size = st.st_size;
	strcpy(r->title, "-");
	if (target_open(&r->t, r->path) < 0)
		return -1; /* the reason is on stderr; the row says "unreadable" */
	holder_title(r);
	return 0;
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
	v[*n].named = !dir;
	(*n)++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct ls_row *)a)->path, ((const struct ls_row *)b)->path);
}

/* Whether the entry of a DIR argument is a domain or a snapshot: it has the magic. */
static bool has_magic(const char *dir, const char *name)
{
	char path[4096];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = kvm_isdomain(fd);
	close(fd);
	return ok;
}

/*
 * Every entry of a domain directory is listed (only its owner puts files there, so a
 * leftover without a magic is shown, and --gc removes it); in a DIR argument, the files
 * that are domains or snapshots. Another user's domain directory that the caller may not
 * read is skipped without a word: that is the normal case.
 */
static int scan(struct ls_row **rows, size_t *n, const char *dir, bool domdir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = *n;

	if (!d)
		return domdir && errno == EACCES ? 0 : tool_err("%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (!domdir && !has_magic(dir, e->d_name)))
			continue;
		if (add_path(rows, n, dir, e->d_name) < 0)
			break;
	}
	closedir(d);
	qsort(*rows + first, *n - first, sizeof(**rows), by_path);
	return 0;
}

/* The STATE column (buf given) or the JSON state (buf NULL: holders are counted apart). */
static const char *state(const struct ls_row *r, char *buf, size_t len)
{
	if (r->removed)
		return "removed";
	if (!r->t.kd)
		return "unreadable";
	return buf ? target_state_text(&r->t, buf, len) : target_state(&r->t);
}

static void print_text(const struct ls_row *rows, size_t n)
{
	char st[32], pid[16];

	printf("%-16s %7s %-16s %-14s %10s %8s %7s  %-28s %s\n", "NAME", "PID", "PROGRAM", "STATE",
	       "SIZE", "COUNTERS", "SYMBOLS", "PATH", "TITLE");
	for (size_t i = 0; i < n; i++) {
		const struct ls_row *r = &rows[i];

		snprintf(pid, sizeof(pid), "%d", (int)r->t.pid);
		printf("%-16s %7s %-16s %-14s %10lld %8zu %7zu  %-28s %s\n",
		       r->t.kd && *r->t.name ? r->t.name : "-", r->t.kd ? pid : "-",
		       r->t.kd ? r->t.progname : "-", state(r, st, sizeof(st)), (long long)r->size,
		       target_count_kind(&r->t, N_COUNTER), r->t.nsyms, r->path, r->title);
	}
}

static const char *proc_state_name(int state)
{
	switch (state) {
	case KVM_PROC_ALIVE:
		return "alive";
	case KVM_PROC_EXITED:
		return "exited";
	case KVM_PROC_DIED:
		return "died";
	default:
		return "attached";
	}
}

static void json_holders(struct json *j, kvm_t *kd)
{
	const struct kvm_domproc *p = NULL;
	int n = 0;

	if (kd)
		p = kvm_getdomprocs(kd, &n);
	json_key(j, "holders");
	json_open_array(j);
	for (int i = 0; p && i < n; i++) {
		json_open_object(j);
		json_key(j, "slot");
		json_u64(j, p[i].dp_slot);
		json_key(j, "pid");
		json_i64(j, p[i].dp_pid);
		json_key(j, "pidns");
		json_u64(j, p[i].dp_pidns);
		json_key(j, "start");
		json_u64(j, p[i].dp_start);
		json_key(j, "state");
		json_string(j, proc_state_name(p[i].dp_state));
		json_key(j, "uid");
		json_u64(j, p[i].dp_uid);
		json_key(j, "comm");
		json_string(j, p[i].dp_comm);
		json_key(j, "creator");
		json_bool(j, (p[i].dp_flags & KVM_PROCF_CREATOR) != 0);
		json_key(j, "forked");
		json_bool(j, (p[i].dp_flags & KVM_PROCF_FORKED) != 0);
		json_key(j, "attach_ns");
		json_u64(j, p[i].dp_attach_ns);
		json_key(j, "detach_ns");
		json_u64(j, p[i].dp_detach_ns);
		json_close_object(j);
	}
	json_close_array(j);
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
		json_key(&j, "name");
		json_string(&j, r->t.name);
		json_key(&j, "pid");
		json_i64(&j, r->t.pid);
		json_key(&j, "program");
		json_string(&j, r->t.progname);
		json_key(&j, "state");
		json_string(&j, state(r, NULL, 0));
		json_key(&j, "procs");
		json_i64(&j, r->t.nprocs);
		json_key(&j, "title");
		json_string(&j, r->title);
		json_key(&j, "size");
		json_i64(&j, r->size);
		/* counts: "symbols" is stat's array of them */
		json_key(&j, "counter_count");
		json_u64(&j, target_count_kind(&r->t, N_COUNTER));
		json_key(&j, "symbol_count");
		json_u64(&j, r->t.nsyms);
		json_holders(&j, r->removed ? NULL : r->t.kd);
		json_close_object(&j);
	}
	json_close_array(&j);
	json_end(&j);
}

/*
 * Removes what no process holds. The judgement is kvm_domain_reclaim's alone (taken
 * under the domain's gate, from the holder locks): a row that looked dead may have been
 * attached since (EBUSY) and is kept, as are snapshots, files that are not domains
 * (EEXIST) and other users' files (EPERM).
 */
static int gc(struct ls_row *rows, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct ls_row *r = &rows[i];

		if (r->t.kd && (r->t.snapshot || r->t.alive))
			continue;
		if (kvm_domain_reclaim(r->path) == 0)
			r->removed = true;
		else if (errno != EBUSY && errno != EEXIST && errno != EPERM && errno != ENOENT)
			rc = tool_err("%s: cannot remove: %s", r->path, strerror(errno));
	}
	return rc;
}

static int collect(char **args, int nargs, struct ls_row **rows, size_t *n)
{
	struct domdir *dirs;
	struct stat st;
	size_t ndirs;
	int rc = 0;

	if (nargs == 0) {
		if (domdir_list(&dirs, &ndirs) != 0)
			return TOOL_EXIT_FAIL;
		for (size_t i = 0; i < ndirs; i++)
			rc |= scan(rows, n, dirs[i].path, true);
		domdir_free(dirs, ndirs);
		return rc;
	}
	for (int i = 0; i < nargs; i++) {
		if (stat(args[i], &st) != 0)
			rc = tool_err("%s: %s", args[i], strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc |= scan(rows, n, args[i], false);
		else if (add_path(rows, n, NULL, args[i]) < 0)
			rc = tool_err("out of memory");
	}
	return rc;
}

static int list(char **args, int nargs, bool do_gc, bool json)
{
	struct ls_row *rows = NULL;
	size_t n = 0;
	int rc = collect(args, nargs, &rows, &n);

	for (size_t i = 0; i < n; i++)
		if (load(&rows[i]) < 0 && rows[i].named)
			rc = TOOL_EXIT_FAIL;
	if (do_gc)
		rc |= gc(rows, n);
	if (json)
		print_json(rows, n);
	else if (n > 0 || rc == 0) /* a lone error is its message alone, as ls(1) has it */
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
