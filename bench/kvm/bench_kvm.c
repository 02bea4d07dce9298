/*
 * The reader's cost. For domains of 2 (or the machine's), 64 and 4096 CPU slots, a writer
 * process counts into a counter and times its own counter_u64_fetch; this process, a
 * separate one, times kvm_counter_u64_fetch on the same counter through the domain file
 * (target: within 2x of the writer's own fetch) and the cost of kvm_openfiles next to
 * the system calls it cannot avoid (open, fstat, mmap, munmap, close of the same file).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/kvm.h>

#include "harness.h"

struct writer_report {
	unsigned long base; /* the counter_u64_t */
	double fetch_ns;    /* the writer's own counter_u64_fetch */
};

static void writer_fetch(void *arg, uint64_t iters)
{
	counter_u64_t c = arg;

	for (uint64_t i = 0; i < iters; i++)
		bench_keep(counter_u64_fetch(c));
}

/* The writer: reports its counter and its fetch cost, then waits to be killed. */
static void run_writer(int out)
{
	struct writer_report r;
	counter_u64_t c = counter_u64_alloc(M_WAITOK);

	if (c == NULL)
		_exit(1);
	for (int i = 0; i < 1000; i++)
		counter_u64_add(c, 1);
	r.base = (unsigned long)c;
	r.fetch_ns = bench_ns_per_op(writer_fetch, c, 20000);
	if (write(out, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	for (;;)
		pause();
}

struct reader {
	kvm_t *kd;
	unsigned long base;
	const char *path;
};

static void reader_fetch(void *arg, uint64_t iters)
{
	struct reader *r = arg;

	for (uint64_t i = 0; i < iters; i++)
		bench_keep(kvm_counter_u64_fetch(r->kd, r->base));
}

static void reader_open(void *arg, uint64_t iters)
{
	struct reader *r = arg;

	for (uint64_t i = 0; i < iters; i++)
		kvm_close(kvm_openfiles(NULL, r->path, NULL, O_RDONLY, NULL));
}

static void raw_open(void *arg, uint64_t iters)
{
	struct reader *r = arg;
	struct stat st;

	for (uint64_t i = 0; i < iters; i++) {
		int fd = open(r->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		void *p;

		fstat(fd, &st);
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		bench_keep(*(volatile char *)p);
		munmap(p, (size_t)st.st_size);
		close(fd);
	}
}

static void measure(const char *dir, const char *maxcpu)
{
	struct writer_report w;
	struct reader r = {0};
	char path[512], name[96];
	int fds[2];
	pid_t pid;
	double ns;

	snprintf(path, sizeof(path), "%s/dom.%s", dir, maxcpu ? maxcpu : "default");
	setenv("PCPU_DOMAIN", path, 1);
	if (maxcpu != NULL)
		setenv("PCPU_MAXCPU", maxcpu, 1);
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		return;
	if (pid == 0)
		run_writer(fds[1]);
	if (read(fds[0], &w, sizeof(w)) != (ssize_t)sizeof(w))
		goto out;
	r.path = path;
	r.base = w.base;
	r.kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	if (r.kd == NULL) {
		fprintf(stderr, "bench_kvm: %s\n", kvm_geterr(NULL));
		goto out;
	}
	ns = bench_ns_per_op(reader_fetch, &r, 20000);
	snprintf(name, sizeof(name), "kvm_counter_u64_fetch, maxcpu %d", kvm_getmaxcpu(r.kd));
	bench_report(name, ns, "writer's counter_u64_fetch", w.fetch_ns, "ns/op");
	kvm_close(r.kd);
	ns = bench_ns_per_op(reader_open, &r, 200);
	snprintf(name, sizeof(name), "kvm_openfiles + kvm_close, maxcpu %s",
		 maxcpu ? maxcpu : "default");
	bench_report(name, ns / 1000, "open+fstat+mmap+munmap+close",
		     bench_ns_per_op(raw_open, &r, 200) / 1000, "us/op");
out:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	char dir[] = "/tmp/pcpu-bench-kvm.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	bench_header("kvm reader: another process reading a live domain");
	measure(dir, NULL);
	measure(dir, "64");
	measure(dir, "4096");
	rmdir(dir);
	return 0;
}
