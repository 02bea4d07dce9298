/* pcpu stat PID: from a process to its domain file. */
#include "findpid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "domdir.h"
#include "target.h"
#include "tool.h"

#define PRIVATE_PREFIX "/memfd:pcpu-private:"
#define DELETED " (deleted)"

/* What /proc/PID/maps said: a domain file, or why there is none. */
struct mapped {
	char *path;    /* a mapped domain file */
	char *private; /* the reason of a private domain */
	char *removed; /* a mapped domain whose file was removed */
};

/* Whether path is the file of the mapping (same device and inode) and a domain. */
static bool is_domain_file(const char *path, unsigned int major_, unsigned int minor_,
			   unsigned long ino)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	bool ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && st.st_ino == ino && major(st.st_dev) == major_ &&
	     minor(st.st_dev) == minor_ && kvm_isdomain(fd);
	close(fd);
	return ok;
}

/* The length of a maps path without the suffix of a removed file. */
static size_t kept_len(const char *s)
{
	size_t n = strlen(s), d = strlen(DELETED);

	return n >= d && strcmp(s + n - d, DELETED) == 0 ? n - d : n;
}

/*
 * One line of maps: "start-end perms offset major:minor inode path". A writer maps its
 * domain shared and writable from offset 0 (a reader's mapping is read-only, so a
 * process that only reads a domain is not taken for one of its writers).
 */
static void parse_line(const char *line, struct mapped *m)
{
	char perms[8];
	unsigned long long off;
	unsigned int maj, min;
	unsigned long ino;
	int at = 0;

	if (sscanf(line, "%*x-%*x %7s %llx %x:%x %lu %n", perms, &off, &maj, &min, &ino, &at) < 5 ||
	    at == 0 || perms[1] != 'w' || perms[3] != 's' || off != 0 || ino == 0)
		return;
	line += at;
	if (strncmp(line, PRIVATE_PREFIX, strlen(PRIVATE_PREFIX)) == 0) {
		line += strlen(PRIVATE_PREFIX);
		if (!m->private)
			m->private = strndup(line, kept_len(line));
	} else if (line[0] == '/' && !m->path) {
		if (kept_len(line) < strlen(line)) {
			if (!m->removed)
				m->removed = strndup(line, kept_len(line));
		} else if (is_domain_file(line, maj, min, ino)) {
			m->path = strdup(line);
		}
	}
}

/* 0 with *m filled, or -1 with errno when maps cannot be read. */
static int read_maps(pid_t pid, struct mapped *m)
{
	char file[64], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/maps", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return -1;
	errno = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		parse_line(line, m);
	}
	free(line);
	n = ferror(f) ? errno : 0;
	fclose(f);
	errno = (int)n;
	return n == 0 ? 0 : -1;
}

/* Whether the domain at path lists pid as a live holder here (KVM_PROCF_HERE). */
static int holds(const char *path, pid_t pid)
{
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	const struct kvm_domproc *p;
	int n = 0, found = 0;

	if (!kd)
		return 0;
	p = kvm_getdomprocs(kd, &n);
	for (int i = 0; p && i < n && !found; i++)
		found = (p[i].dp_flags & KVM_PROCF_HERE) && p[i].dp_pid == pid;
	kvm_close(kd);
	return found;
}

static char *scan_dir(const char *dir, pid_t pid)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *path = NULL;

	if (!d)
		return NULL;
	while (!path && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			path = NULL;
		else if (!holds(path, pid)) {
			free(path);
			path = NULL;
		}
	}
	closedir(d);
	return path;
}

static char *scan(pid_t pid)
{
	struct domdir *dirs;
	char *path = NULL;
	size_t n;

	if (domdir_list(&dirs, &n) != 0)
		return NULL;
	for (size_t i = 0; i < n && !path; i++)
		path = scan_dir(dirs[i].path, pid);
	domdir_free(dirs, n);
	if (!path)
		tool_err("pid %d: no pcpu domain found (its /proc/%d/maps is not readable by you, "
			 "and no domain you can read lists it as a live process)",
			 (int)pid, (int)pid);
	return path;
}

static char *from_maps(pid_t pid, struct mapped *m)
{
	if (m->path)
		return m->path;
	if (m->private)
		tool_err("pid %d: runs on private memory, not a shared domain: %s", (int)pid,
			 m->private);
	else if (m->removed)
		tool_err("pid %d: its domain file %s was removed while it runs", (int)pid,
			 m->removed);
	else
		tool_err("pid %d: no pcpu domain mapped (not a pcpu program, or it has not used "
			 "pcpu yet)",
			 (int)pid);
	return NULL;
}

char *findpid_domain(pid_t pid)
{
	struct mapped m = {0};
	char *path;

	if (read_maps(pid, &m) != 0) {
		if (errno == ENOENT || errno == ESRCH) {
			tool_err("pid %d: no such process", (int)pid);
			return NULL;
		}
		return scan(pid);
	}
	path = from_maps(pid, &m);
	free(m.private);
	free(m.removed);
	return path;
}
