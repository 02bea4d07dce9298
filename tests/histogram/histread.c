#include "histogram/histread.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct find {
	const char *name;
	struct kvm_sym ks;
	int found;
};

static int match(const struct kvm_sym *ks, void *closure)
{
	struct find *f = closure;

	if (strcmp(ks->ks_name, f->name) != 0)
		return 0;
	f->ks = *ks;
	f->found = 1;
	return 1;
}

static int told_to_finish(int go)
{
	struct pollfd p = {.fd = go, .events = POLLIN};

	return poll(&p, 1, 0) != 0;
}

static int read_once(kvm_t *kd, const struct find *f, struct histread_result *r)
{
	uint64_t b[KVM_HIST_BOUNDS_MAX + 1], sum;

	if (kvm_histogram_fetch(kd, &f->ks, b, &sum) != 0)
		return -1;
	for (int i = 0; i <= r->meta.km_nbounds; i++) {
		if (b[i] < r->buckets[i])
			r->monotonic = 0;
		r->buckets[i] = b[i];
	}
	if (sum < r->sum)
		r->monotonic = 0;
	r->sum = sum;
	return 0;
}

static void reader(const char *path, const char *name, int go, int result)
{
	struct histread_result r = {.monotonic = 1};
	struct find f = {.name = name};
	char err[_POSIX2_LINE_MAX];
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, err);

	if (kd == NULL) {
		snprintf(r.err, sizeof(r.err), "%.255s", err);
	} else if (kvm_walk_syms(kd, match, &f) < 0 || !f.found ||
		   kvm_sym_meta(kd, &f.ks, &r.meta) != 0) {
		snprintf(r.err, sizeof(r.err), "%s", f.found ? kvm_geterr(kd) : "no such symbol");
	} else {
		r.type = f.ks.ks_type;
		r.ok = 1;
		for (; r.ok && !told_to_finish(go); r.reads++)
			r.ok = read_once(kd, &f, &r) == 0;
		r.ok = r.ok && read_once(kd, &f, &r) == 0;
		if (!r.ok)
			snprintf(r.err, sizeof(r.err), "%s", kvm_geterr(kd));
	}
	_exit(write(result, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
}

int histread_start(struct histread *r, const char *path, const char *name)
{
	int go[2], result[2];

	if (pipe(go) != 0)
		return -1;
	if (pipe(result) != 0) {
		close(go[0]), close(go[1]);
		return -1;
	}
	r->pid = fork();
	if (r->pid == 0) {
		close(go[1]), close(result[0]);
		reader(path, name, go[0], result[1]);
	}
	close(go[0]), close(result[1]);
	r->go = go[1];
	r->result = result[0];
	return r->pid < 0 ? -1 : 0;
}

int histread_finish(struct histread *r, struct histread_result *out)
{
	size_t got = 0;
	ssize_t n = 1;
	int status;

	close(r->go);
	while (got < sizeof(*out) &&
	       (n = read(r->result, (char *)out + got, sizeof(*out) - got)) > 0)
		got += (size_t)n;
	close(r->result);
	if (waitpid(r->pid, &status, 0) != r->pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return got == sizeof(*out) ? 0 : -1;
}
