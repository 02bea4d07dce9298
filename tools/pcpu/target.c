/* TARGET resolution, opening through kvm_openfiles(), and the symbol table reader. */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

#define SHM_DIR "/dev/shm"

static bool is_pid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* The PCPU_DOMAIN the process was started with (its initial environment), or NULL. */
static char *environ_domain(pid_t pid)
{
	static const char key[] = "PCPU_DOMAIN=";
	char file[64], buf[65536];
	ssize_t n;
	int fd;

	snprintf(file, sizeof(file), "/proc/%d/environ", (int)pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strncmp(p, key, sizeof(key) - 1) == 0 && p[sizeof(key) - 1] != '\0')
			return strdup(p + sizeof(key) - 1);
	return NULL;
}

static char *pid_domain(const char *spec)
{
	char *path = NULL;
	char *env;
	long pid;

	errno = 0;
	pid = strtol(spec, NULL, 10);
	if (errno != 0 || pid <= 0 || pid > INT_MAX) {
		tool_err("%s: not a valid pid", spec);
		return NULL;
	}
	if (asprintf(&path, SHM_DIR "/pcpu.%ld", pid) < 0)
		return NULL;
	if (access(path, F_OK) == 0)
		return path; /* live, or left behind by a writer that died: both readable */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
		tool_err("pid %ld: no such process", pid);
		free(path);
		return NULL;
	}
	env = environ_domain((pid_t)pid);
	if (env && access(env, F_OK) == 0) {
		free(path);
		return env;
	}
	tool_err("pid %ld: no pcpu domain (%s does not exist and the process was not started "
		 "with PCPU_DOMAIN set; give the domain file instead)",
		 pid, path);
	free(env);
	free(path);
	return NULL;
}

char *target_resolve(const char *spec)
{
	if (is_pid(spec))
		return pid_domain(spec);
	return strdup(spec);
}

/*
 * The header is read twice: from the file at path, only to learn writer_base (kvm(3) has
 * no call that returns it), then through the handle at that address. The second copy is
 * the one used, so a file replaced at path after kvm_openfiles cannot lend its header to
 * the handle's mapping; O_NONBLOCK and the type check keep a FIFO swapped in from
 * blocking the open.
 */
static int read_header(kvm_t *kd, const char *path, struct pcpu_dom_header *hdr, char *why,
		       size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	uint64_t base;
	struct stat st;
	ssize_t n;

	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, hdr, sizeof(*hdr), 0) : -2;
	close(fd);
	if (n == -2) {
		snprintf(why, whylen, "not a regular file");
		return -1;
	}
	if (n != (ssize_t)sizeof(*hdr)) {
		snprintf(why, whylen, "corrupt domain: shorter than its %u-byte header",
			 PCPU_DOM_HDR_SIZE);
		return -1;
	}
	if (memcmp(hdr->magic, PCPU_DOM_MAGIC, sizeof(hdr->magic)) != 0) {
		snprintf(why, whylen, "not a pcpu domain (bad magic)");
		return -1;
	}
	if (hdr->version_major != PCPU_DOM_VERSION_MAJOR) {
		snprintf(why, whylen, "unsupported domain format version %u", hdr->version_major);
		return -1;
	}
	base = hdr->writer_base;
	if (kvm_read(kd, (unsigned long)base, hdr, sizeof(*hdr)) != (ssize_t)sizeof(*hdr) ||
	    hdr->writer_base != base) {
		snprintf(why, whylen, "the file changed while it was opened");
		return -1;
	}
	if (hdr->ready != PCPU_DOM_READY) {
		snprintf(why, whylen, "domain not ready (its writer is still creating it)");
		return -1;
	}
	hdr->progname[PCPU_DOM_PROGNAME_MAX - 1] = '\0';
	return 0;
}

bool target_writer_alive(pid_t pid, uint64_t writer_start)
{
	char file[64], buf[1024];
	unsigned long long start;
	const char *p;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return false;
	snprintf(file, sizeof(file), "/proc/%d/stat", (int)pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* comm (field 2) may hold spaces and parentheses: fields resume after the last ')'.
	 * the space before field k is the (k - 2)th after it; starttime is field 22. */
	p = strrchr(buf, ')');
	if (!p)
		return false;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return false;
	return writer_start == 0 || start == writer_start;
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
	if (read_header(t->kd, t->path, &t->hdr, errbuf, sizeof(errbuf)) < 0) {
		tool_err("%s: %s", t->path, errbuf);
		goto fail;
	}
	t->pid = t->hdr.writer_pid;
	t->snapshot = (t->hdr.flags & PCPU_DOM_F_SNAPSHOT) != 0;
	target_refresh_state(t);
	memcpy(t->progname, t->hdr.progname, sizeof(t->progname));
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

void target_refresh_state(struct target *t)
{
	t->alive = !t->snapshot && target_writer_alive(t->pid, t->hdr.writer_start);
}

const char *target_state(const struct target *t)
{
	if (t->snapshot)
		return "snapshot";
	return t->alive ? "alive" : "dead";
}
