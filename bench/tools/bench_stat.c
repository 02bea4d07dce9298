/*
 * pcpu stat (and export) on a 4096-CPU domain with 1000 counters, a whole run of the
 * program each time, next to the raw reader cost: 1000 kvm_counter_u64_fetch() calls on
 * an open handle, which is the reading that stat's output rests on.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "bigdomain.h"
#include "harness.h"

struct run_args {
	char *const *argv;
};

static void run_pcpu(void *arg, uint64_t iters)
{
	struct run_args *a = arg;

	for (uint64_t i = 0; i < iters; i++) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			execv(a->argv[0], a->argv);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "bench: %s %s failed\n", a->argv[0], a->argv[1]);
			exit(1);
		}
	}
}

struct fetch_args {
	kvm_t *kd;
	unsigned long base[BIG_COUNTERS];
};

static void fetch_all(void *arg, uint64_t iters)
{
	struct fetch_args *f = arg;

	for (uint64_t i = 0; i < iters; i++)
		for (int c = 0; c < BIG_COUNTERS; c++)
			bench_keep(kvm_counter_u64_fetch(f->kd, f->base[c]));
}

static void open_fetch_args(struct fetch_args *f, const char *domain)
{
	char errbuf[_POSIX2_LINE_MAX];
	struct nlist nl[BIG_COUNTERS + 1] = {{0}};
	char names[BIG_COUNTERS][32];

	f->kd = kvm_openfiles(NULL, domain, NULL, O_RDONLY, errbuf);
	if (!f->kd) {
		fprintf(stderr, "bench: %s\n", errbuf);
		exit(1);
	}
	for (int c = 0; c < BIG_COUNTERS; c++) {
		snprintf(names[c], sizeof(names[c]), "bench.counter_%04d", c);
		nl[c].n_name = names[c];
	}
	if (kvm_nlist(f->kd, nl) != 0) {
		fprintf(stderr, "bench: kvm_nlist: %s\n", kvm_geterr(f->kd));
		exit(1);
	}
	for (int c = 0; c < BIG_COUNTERS; c++)
		f->base[c] = nl[c].n_value;
}

int main(void)
{
	const char *domain = big_domain();
	char *stat_argv[] = {(char *)pcpu_path(), "stat", (char *)domain, NULL};
	char *statp_argv[] = {(char *)pcpu_path(), "stat", "-P", (char *)domain, NULL};
	char *export_argv[] = {(char *)pcpu_path(), "export", (char *)domain, NULL};
	struct run_args stat = {stat_argv}, statp = {statp_argv}, export = {export_argv};
	static struct fetch_args f;
	double base;

	bench_header("pcpu stat: 1000 counters, 4096 CPU slots (one process run each)");
	big_domain_describe();
	open_fetch_args(&f, domain);
	base = bench_ns_per_op(fetch_all, &f, 20) / 1e6;
	bench_report("pcpu stat", bench_ns_per_op(run_pcpu, &stat, 5) / 1e6,
		     "1000 kvm_counter_u64_fetch", base, "ms");
	bench_report("pcpu stat -P", bench_ns_per_op(run_pcpu, &statp, 5) / 1e6,
		     "1000 kvm_counter_u64_fetch", base, "ms");
	bench_report("pcpu export", bench_ns_per_op(run_pcpu, &export, 5) / 1e6,
		     "1000 kvm_counter_u64_fetch", base, "ms");
	kvm_close(f.kd);
	big_domain_cleanup();
	return 0;
}
