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
#include "procfs.h"
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

/*
 * The header is read through the handle at the writer's address that kvm_getdominfo
 * gives, so it is the header of the very file the handle validated and maps.
 */
static int read_header(kvm_t *kd, struct pcpu_dom_header *hdr, char *why, size_t whylen)
{
	const struct kvm_dominfo *di = kvm_getdominfo(kd);

	if (!di) {
		snprintf(why, whylen, "%s", kvm_geterr(kd));
		return -1;
	}
	if (kvm_read(kd, di->di_base, hdr, sizeof(*hdr)) != (ssize_t)sizeof(*hdr) ||
	    hdr->writer_base != di->di_base) {
		snprintf(why, whylen, "the header changed while it was read");
		return -1;
	}
	hdr->progname[PCPU_DOM_PROGNAME_MAX - 1] = '\0';
	hdr->name[PCPU_DOM_NAME_MAX - 1] = '\0';
	return 0;
}

static int read_symbols(struct target *t)
{
	const struct pcpu_dom_header *h = &t->hdr;
	struct pcpu_dom_sym *raw;
	size_t n = h->sym_count, bytes;

	if (h->sym_count > h->sym_cap) {
		tool_err("%s: corrupt domain: sym_count %u exceeds sym_cap %u", t->path,
			 h->sym_count, h->sym_cap);
		return -1;
	}
	bytes = n * sizeof(*raw);
	raw = malloc(bytes ? bytes : 1);
	t->syms = calloc(n ? n : 1, sizeof(*t->syms));
	if (!raw || !t->syms) {
		free(raw);
		tool_err("%s: %s", t->path, strerror(ENOMEM));
		return -1;
	}
	if (n && kvm_read(t->kd, h->writer_base + h->sym_off, raw, bytes) != (ssize_t)bytes) {
		tool_err("%s: cannot read the symbol table: %s", t->path, kvm_geterr(t->kd));
		free(raw);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct tool_sym *s = &t->syms[t->nsyms];

		if (raw[i].kind == PCPU_SYM_FREE)
			continue;
		if (memchr(raw[i].name, '\0', sizeof(raw[i].name)) == NULL) {
			tool_err("%s: corrupt domain: symbol %zu has no terminating NUL", t->path,
				 i);
			free(raw);
			return -1;
		}
		memcpy(s->name, raw[i].name, sizeof(s->name));
		s->addr = raw[i].addr;
		s->size = raw[i].size;
		s->kind = raw[i].kind;
		s->flags = raw[i].flags;
		t->nsyms++;
	}
	free(raw);
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

int target_open(struct target *t, const char *spec)
{
	char errbuf[_POSIX2_LINE_MAX] = "";

	memset(t, 0, sizeof(*t));
	t->path = target_resolve(spec);
	if (!t->path)
		return -1;
	t->kd = kvm_openfiles(NULL, t->path, NULL, O_RDONLY, errbuf);
	if (!t->kd) {
		tool_err_path(t->path, errbuf[0] ? errbuf : strerror(errno));
		goto fail;
	}
	if (read_header(t->kd, &t->hdr, errbuf, sizeof(errbuf)) < 0) {
		tool_err("%s: %s", t->path, errbuf);
		goto fail;
	}
	t->snapshot = (t->hdr.flags & PCPU_DOM_F_SNAPSHOT) != 0;
	target_refresh_state(t);
	memcpy(t->progname, t->hdr.progname, sizeof(t->progname));
	memcpy(t->name, t->hdr.name, sizeof(t->name));
	if (read_symbols(t) < 0)
		goto fail;
	return 0;
fail:
	target_close(t);
	return -1;
}

void target_close(struct target *t)
{
	if (t->kd)
		kvm_close(t->kd);
	free(t->syms);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

bool target_fd_is_domain(int fd)
{
	char magic[sizeof(((struct pcpu_dom_header *)0)->magic)];
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       pread(fd, magic, sizeof(magic), offsetof(struct pcpu_dom_header, magic)) ==
		       (ssize_t)sizeof(magic) &&
	       memcmp(magic, PCPU_DOM_MAGIC, sizeof(magic)) == 0;
}

size_t target_count_kind(const struct target *t, uint32_t kind)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nsyms; i++)
		n += t->syms[i].kind == kind;
	return n;
}

const char *target_kind_name(uint32_t kind)
{
	switch (kind) {
	case PCPU_SYM_DPCPU:
		return "dpcpu";
	case PCPU_SYM_COUNTER:
		return "counter";
	case PCPU_SYM_OBJECT:
		return "object";
	case PCPU_SYM_ZPCPU:
		return "zpcpu";
	default:
		return "unknown";
	}
}

/*
 * The pid to show: the creator while it holds the domain, else the first holder in this
 * PID namespace, else the first holder, else (a dead domain) the creator.
 */
static pid_t shown_pid(kvm_t *kd, const struct kvm_dominfo *di, uint64_t pidns)
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
		if (first < 0 || (p[i].dp_pidns == pidns && p[first].dp_pidns != pidns))
			first = i;
	}
	return first < 0 ? di->di_pid : p[first].dp_pid;
}

void target_refresh_state(struct target *t)
{
	const struct kvm_dominfo *di = kvm_getdominfo(t->kd);
	uint64_t pidns = 0;

	if (!di) {
		t->alive = false;
		t->nprocs = 0;
		return;
	}
	proc_own_pidns(&pidns);
	t->alive = di->di_state == KVM_DOM_ALIVE;
	t->nprocs = di->di_nprocs;
	t->pid = shown_pid(t->kd, di, pidns);
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
