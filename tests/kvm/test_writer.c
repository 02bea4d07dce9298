/*
 * The reader against a real writer in another process (kvm_writer.c): counters seen
 * rising while it runs, exact totals after it exits and after SIGKILL, every CPU's DPCPU
 * copy, snapshots from both sides, and zpcpu copies of a 4096-CPU domain.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"

#define ITERS 2000000ul /* per writer thread; two threads */

static const char *dir;
static char *domain, *snap_writer, *snap_reader;
static pid_t writer;
static FILE *out;
static int to_writer = -1; /* the writer's stdin */
static unsigned long counter_base, zarea_base;

static void setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	domain = test_path(dir, "dom");
	snap_writer = test_path(dir, "snap.writer");
	snap_reader = test_path(dir, "snap.reader");
	setenv("PCPU_DOMAIN", domain, 1);
	setenv("PCPU_KEEP", "1", 1);
}

static void teardown(void)
{
	if (out != NULL)
		fclose(out);
	if (to_writer >= 0)
		close(to_writer);
	unlink(domain);
	unlink(snap_writer);
	unlink(snap_reader);
	rmdir(dir);
	free(domain);
	free(snap_writer);
	free(snap_reader);
}

TestSuite(writer, .init = setup, .fini = teardown, .timeout = 120);

/* Starts kvm_writer with its stdout on a pipe and waits for its "ready" line. */
static void start_writer(unsigned long iters, const char *end, const char *snapshot)
{
	char *prog = test_built_binary("tests/kvm/kvm_writer");
	char n[32];
	int fds[2], in[2];

	snprintf(n, sizeof(n), "%lu", iters);
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(pipe(in), 0);
	writer = fork();
	cr_assert_geq(writer, 0);
	if (writer == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(in[0], STDIN_FILENO);
		close(fds[0]);
		close(in[1]);
		execl(prog, prog, n, end, snapshot, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	close(in[0]);
	to_writer = in[1];
	free(prog);
	out = fdopen(fds[0], "r");
	cr_assert_eq(fscanf(out, " ready %lu %lu", &counter_base, &zarea_base), 2,
		     "the writer started");
}

static void wait_done(void)
{
	char word[8] = "";

	cr_assert_eq(fscanf(out, " %7s", word), 1);
	cr_assert_str_eq(word, "done");
}

static kvm_t *open_domain(const char *path)
{
	char errbuf[_POSIX2_LINE_MAX] = "";
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);

	cr_assert_not_null(kd, "%s: %s", path, errbuf);
	return kd;
}

/* The counter base as kvm_nlist gives it must be the writer's counter_u64_t. */
static uint64_t fetch_by_name(kvm_t *kd)
{
	struct nlist nl[] = {{.n_name = "kvm_requests"}, {.n_name = NULL}};
	uint64_t v;

	cr_assert_eq(kvm_nlist(kd, nl), 0, "%s", kvm_geterr(kd));
	cr_assert_eq(nl[0].n_type, N_COUNTER);
	cr_assert_eq(nl[0].n_value, counter_base);
	errno = 0;
	v = kvm_counter_u64_fetch(kd, nl[0].n_value);
	cr_assert_eq(errno, 0, "%s", kvm_geterr(kd));
	return v;
}

/* The writer pauses between two rounds of adds (kvm_writer "step"): the reader sees the
 * exact total of the first round while the writer is alive, then the total rise, never
 * going back, to the exact final one, whatever the load on the machine. */
Test(writer, counters_rise_monotonically_while_the_writer_runs)
{
	uint64_t last = 2 * ITERS, v;
	char word[8] = "";
	kvm_t *kd;

	start_writer(ITERS, "step", NULL);
	kd = open_domain(domain);
	cr_assert_eq(fscanf(out, " %7s", word), 1);
	cr_assert_str_eq(word, "half");
	cr_assert_eq(fetch_by_name(kd), 2 * ITERS, "the paused writer's total");
	cr_assert_eq(write(to_writer, "go\n", 3), 3);
	while (last < 4 * ITERS) {
		v = fetch_by_name(kd);
		cr_assert_geq(v, last, "never goes back: %lu after %lu", v, last);
		last = v;
	}
	cr_expect_eq(last, 4 * ITERS);
	wait_done();
	cr_expect_eq(test_wait_exit(writer), 0);
	kvm_close(kd);
}

Test(writer, exact_totals_after_the_writer_exits)
{
	kvm_t *kd;

	start_writer(ITERS, "exit", NULL);
	cr_assert_eq(test_wait_exit(writer), 0);
	kd = open_domain(domain);
	cr_expect_eq(fetch_by_name(kd), 2 * ITERS);
	kvm_close(kd);
}

Test(writer, exact_totals_after_the_writer_is_killed)
{
	kvm_t *kd;

	start_writer(ITERS, "hang", NULL);
	wait_done();
	kill(writer, SIGKILL);
	cr_assert_eq(test_wait_exit(writer), 128 + SIGKILL);
	kd = open_domain(domain);
	cr_expect_eq(fetch_by_name(kd), 2 * ITERS);
	kvm_close(kd);
}

/* Each CPU's copy of kvm_cpu_tag is 1000 + cpu; the copies of kvm_adds total the adds. */
static void check_dpcpu(kvm_t *kd)
{
	struct nlist nl[] = {{.n_name = "kvm_cpu_tag"}, {.n_name = "kvm_adds"}, {.n_name = NULL}};
	int maxcpu = kvm_getmaxcpu(kd);
	uint64_t adds = 0, a;
	long tag;

	for (int cpu = 0; cpu < maxcpu; cpu++) {
		cr_assert_eq(kvm_dpcpu_setcpu(kd, (unsigned int)cpu), 0);
		cr_assert_eq(kvm_nlist(kd, nl), 0, "%s", kvm_geterr(kd));
		cr_assert_eq(nl[0].n_type, N_DPCPU);
		cr_assert_eq(kvm_read(kd, nl[0].n_value, &tag, sizeof(tag)), (ssize_t)sizeof(tag));
		cr_assert_eq(tag, 1000 + cpu, "CPU %d", cpu);
		cr_assert_eq(kvm_read(kd, nl[1].n_value, &a, sizeof(a)), (ssize_t)sizeof(a));
		adds += a;
	}
	cr_expect_eq(adds, 2 * ITERS);
}

Test(writer, each_cpus_dpcpu_copy_is_read_after_dpcpu_setcpu)
{
	kvm_t *kd;

	start_writer(ITERS, "exit", NULL);
	cr_assert_eq(test_wait_exit(writer), 0);
	kd = open_domain(domain);
	check_dpcpu(kd);
	kvm_close(kd);
}

/* CPU c's copy holds {c, 3c + 1, ~c}, written by the writer through zpcpu_get_cpu. */
static void check_zarea(kvm_t *kd)
{
	struct nlist nl[] = {{.n_name = "kvm_zarea"}, {.n_name = NULL}};
	int maxcpu = kvm_getmaxcpu(kd);
	uint64_t v[3];

	cr_assert_eq(kvm_nlist(kd, nl), 0);
	cr_assert_eq(nl[0].n_type, N_ZPCPU);
	cr_assert_eq(nl[0].n_value, zarea_base);
	for (int cpu = 0; cpu < maxcpu; cpu++) {
		cr_assert_eq(kvm_read_zpcpu(kd, zarea_base, v, sizeof(v), cpu), (ssize_t)sizeof(v),
			     "%s", kvm_geterr(kd));
		cr_assert(v[0] == (uint64_t)cpu && v[1] == 3ull * cpu + 1 && v[2] == ~(uint64_t)cpu,
			  "CPU %d", cpu);
	}
}

/* A pcpu_register()ed object: CPU 0's struct pcpu, read by address and by kvm_getpcpu. */
static void check_object(kvm_t *kd)
{
	struct nlist nl[] = {{.n_name = "kvm_pcpu0"}, {.n_name = NULL}};
	struct pcpu by_addr, *pc;

	cr_assert_eq(kvm_nlist(kd, nl), 0);
	cr_assert_eq(nl[0].n_type, N_DATA);
	cr_assert_eq(kvm_read(kd, nl[0].n_value, &by_addr, sizeof(by_addr)),
		     (ssize_t)sizeof(by_addr));
	pc = kvm_getpcpu(kd, 0);
	cr_assert(pc != NULL && pc != (void *)-1, "%s", kvm_geterr(kd));
	cr_expect_eq(memcmp(pc, &by_addr, sizeof(by_addr)), 0);
	cr_expect_eq(pc->pc_cpuid, 0u);
	cr_expect_eq(pc->pc_online, 1);
	free(pc);
}

Test(writer, snapshots_of_either_side_give_the_same_answers)
{
	kvm_t *kd, *sw, *sr;

	start_writer(ITERS, "exit", snap_writer);
	wait_done();
	kd = open_domain(domain);
	cr_assert_eq(kvm_snapshot(kd, snap_reader), 0, "%s", kvm_geterr(kd));
	cr_assert_eq(test_wait_exit(writer), 0);
	sw = open_domain(snap_writer);
	sr = open_domain(snap_reader);
	for (kvm_t **k = (kvm_t *[]){kd, sw, sr, NULL}; *k != NULL; k++) {
		cr_expect_eq(fetch_by_name(*k), 2 * ITERS);
		cr_expect_eq(kvm_getmaxcpu(*k), kvm_getmaxcpu(kd));
		cr_expect_eq(kvm_getncpus(*k), kvm_getncpus(kd));
		check_dpcpu(*k);
		check_zarea(*k);
		check_object(*k);
	}
	kvm_close(sr);
	kvm_close(sw);
	kvm_close(kd);
}

Test(writer, read_zpcpu_agrees_with_zpcpu_get_cpu_for_every_cpu_of_4096)
{
	kvm_t *kd;

	setenv("PCPU_MAXCPU", "4096", 1);
	start_writer(1000, "exit", NULL);
	cr_assert_eq(test_wait_exit(writer), 0);
	kd = open_domain(domain);
	cr_assert_eq(kvm_getmaxcpu(kd), 4096);
	cr_expect_eq(kvm_getncpus(kd), sysconf(_SC_NPROCESSORS_ONLN));
	check_zarea(kd);
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, counter_base), 2000);
	cr_expect_eq(errno, 0);
	kvm_close(kd);
}

Test(writer, counter_in_chunks_the_writer_adds_after_open_is_found_and_read)
{
	struct nlist nl[] = {{.n_name = "kvm_requests"}, {.n_name = NULL}};
	unsigned long late;
	kvm_t *kd;

	start_writer(1000, "grow", NULL);
	wait_done();
	kd = open_domain(domain);
	cr_assert_eq(kvm_counter_u64_fetch(kd, counter_base), 2000);
	cr_assert_eq(write(to_writer, "go\n", 3), 3);
	cr_assert_eq(fscanf(out, " grown %lu", &late), 1, "the writer grew its arena");
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, late), 7, "%s", kvm_geterr(kd));
	cr_expect_eq(errno, 0);
	cr_expect_eq(kvm_nlist(kd, nl), 0, "the symbol table is still read");
	kill(writer, SIGKILL);
	test_wait_exit(writer);
	kvm_close(kd);
}
