/* TARGET resolution, opening through kvm_openfiles(), and the symbol table reader. */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domdir.h"
#include "findpid.h"
#include "tool.h"

static bool is_pid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static char *pid_domain(const char *spec)
{
	long pid;

	errno = 0;
	pid = strtol(spec, NULL, 10);
	if (errno != 0 || pid <= 0 || pid > INT_MAX) {
		tool_err("%s: not a valid pid", spec);
		return NULL;
	}
	return findpid_domain((pid_t)pid);
}

char *target_resolve(const char *spec)
{
	const char *slash = strchr(spec, '/');
	struct stat st;

	if (is_pid(spec))
		return pid_domain(spec);
	if (!slash && domdir_valid_name(spec))
		return domdir_lookup(spec);
	if (!slash) {
		tool_err("%s: not a pid, a domain name or a path (for a file in this directory, "
			 "say ./%s)",
			 spec, spec);
		return NULL;
	}
	/* A path that exists is a path; USER/NAME is tried only for what cannot be one. */
	if (lstat(spec, &st) != 0 && slash != spec && strchr(slash + 1, '/') == NULL &&
	    domdir_valid_name(slash + 1) && spec[0] != '.')
		return domdir_lookup_user(spec, slash);
	return strdup(spec);
}

struct sym_list {
	struct kvm_sym *v;
	size_t n, cap;
};

static int add_sym(const struct kvm_sym *ks, void *closure)
{
	struct sym_list *l = closure;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct kvm_sym *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *ks;
	return 0;
}

static int read_symbols(struct target *t)
{
	struct sym_list l = {0};

	if (kvm_walk_syms(t->kd, add_sym, &l) != 0) {
		free(l.v);
		if (errno == ENOMEM)
			tool_err("%s: %s", t->path, strerror(ENOMEM));
		else
			tool_err("%s: cannot read the symbol table: %s", t->path,
				 kvm_geterr(t->kd));
		return -1;
	}
	t->syms = l.v;
	t->nsyms = l.n;
	return 0;
}

/* kvm's messages often start with the path already: name it once. */
static void tool_err_path(const char *path, const char *msg)
{
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':')
		tool_err("%s", msg);
	else
		tool_err("%s: %s", path, msg);
}

/* Opens the resolved path (t takes it over). */
static int open_path(struct target *t, char *path)
{
	char errbuf[_POSIX2_LINE_MAX] = "";
	const struct kvm_dominfo *di;

	memset(t, 0, sizeof(*t));
	t->path = path;
	if (!t->path)
		return -1;
	t->kd = kvm_openfiles(NULL, t->path, NULL, O_RDONLY, errbuf);
	if (!t->kd) {
		tool_err_path(t->path, errbuf[0] ? errbuf : strerror(errno));
		goto fail;
	}
	if (!(di = kvm_getdominfo(t->kd))) {
		tool_err_path(t->path, kvm_geterr(t->kd));
		goto fail;
	}
	t->snapshot = di->di_state == KVM_DOM_SNAPSHOT;
	memcpy(t->progname, di->di_progname, sizeof(t->progname));
	memcpy(t->name, di->di_name, sizeof(t->name));
	target_refresh_state(t);
	if (read_symbols(t) < 0)
		goto fail;
	return 0;
fail:
	target_close(t);
	return -1;
}

int target_open(struct target *t, const char *spec)
{
	return open_path(t, target_resolve(spec));
}

/* Whether path names the file the handle opened (kvm_getdominfo's dev and inode). */
static bool still_names(const struct target *t, const char *path)
{
	const struct kvm_dominfo *di = kvm_getdominfo(t->kd);
	struct stat st;

	return di && stat(path, &st) == 0 && st.st_dev == di->di_dev && st.st_ino == di->di_ino;
}

int target_reuse(struct target *t, const char *spec)
{
	char *path;

	if (!t->kd)
		return target_open(t, spec);
	path = target_resolve(spec);
	if (path && still_names(t, path)) {
		free(path);
		if (target_reread(t) == 0)
			return 0;
		target_close(t);
		return -1;
	}
	target_close(t);
	return open_path(t, path);
}

int target_reread(struct target *t)
{
	free(t->syms);
	t->syms = NULL;
	t->nsyms = 0;
	if (read_symbols(t) < 0)
		return -1;
	target_refresh_state(t);
	return 0;
}

void target_close(struct target *t)
{
	if (t->kd)
		kvm_close(t->kd);
	free(t->syms);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

size_t target_count_kind(const struct target *t, unsigned char type)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nsyms; i++)
		n += t->syms[i].ks_type == type;
	return n;
}

const char *target_kind_name(unsigned char type)
{
	switch (type) {
	case N_DPCPU:
		return "dpcpu";
	case N_COUNTER:
		return "counter";
	case N_DATA:
		return "object";
	case N_ZPCPU:
		return "zpcpu";
	default:
		return "unknown";
	}
}

/*
 * The pid to show: the creator while it holds the domain, else the first holder in this
 * PID namespace, else the first holder, else (a dead domain) the creator.
 */
static pid_t shown_pid(kvm_t *kd, const struct kvm_dominfo *di)
{
	const struct kvm_domproc *p;
	int n = 0, first = -1;

	if (di->di_state != KVM_DOM_ALIVE || (p = kvm_getdomprocs(kd, &n)) == NULL)
		return di->di_pid;
	for (int i = 0; i < n; i++) {
		if (p[i].dp_state != KVM_PROC_ALIVE || p[i].dp_pid <= 0)
			continue;
		if (p[i].dp_flags & KVM_PROCF_CREATOR)
			return p[i].dp_pid;
		if (first < 0 ||
		    ((p[i].dp_flags & KVM_PROCF_HERE) && !(p[first].dp_flags & KVM_PROCF_HERE)))
			first = i;
	}
	return first < 0 ? di->di_pid : p[first].dp_pid;
}

void target_refresh_state(struct target *t)
{
	const struct kvm_dominfo *di = kvm_getdominfo(t->kd);

	if (!di) {
		t->alive = false;
		t->nprocs = 0;
		return;
	}
	t->alive = di->di_state == KVM_DOM_ALIVE;
	t->nprocs = di->di_nprocs;
	t->pid = shown_pid(t->kd, di);
}

const char *target_state(const struct target *t)
{
	if (t->snapshot)
		return "snapshot";
	return t->alive ? "alive" : "dead";
}

const char *target_state_text(const struct target *t, char *buf, size_t len)
{
	if (!t->alive)
		return target_state(t);
	snprintf(buf, len, "alive %2d proc%s", t->nprocs, t->nprocs == 1 ? "" : "s");
	return buf;
}
