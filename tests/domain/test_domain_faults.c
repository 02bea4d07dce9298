/* Files the writer must not trust, and file systems that refuse it: never a crash, the
 * work goes on in private memory, and pcpu_domain_path() says why. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>

#include "common/testutil.h"
#include "domain/domtest.h"

static const char *path;

static void setup(void)
{
	path = domtest_use_private_path();
}

TestSuite(domain_faults, .init = setup, .fini = domtest_cleanup);

/* Counting works whatever happened to the file. */
static void assert_counting_works(void)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);

	cr_assert_not_null(c);
	for (int i = 0; i < 1000; i++)
		counter_u64_add(c, 3);
	cr_assert_eq(counter_u64_fetch(c), 3000u);
}

static void assert_private_because(int err)
{
	errno = 0;
	cr_assert_null(pcpu_domain_path());
	cr_assert_eq(errno, err, "errno %d, expected %d", errno, err);
}

static void write_file(const char *p, const void *buf, size_t len, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* Leaves at path the domain of a child that exited (PCPU_KEEP=1): a stale domain. */
static void leave_stale_domain(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		setenv("PCPU_KEEP", "1", 1);
		counter_u64_alloc(M_WAITOK);
		exit(0);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_eq(access(path, F_OK), 0);
}

static pid_t writer_pid_of(const char *p)
{
	size_t len;
	const struct pcpu_dom_header *h = domtest_map(p, &len);

	return h == NULL ? -1 : h->writer_pid;
}

/* A domain at a path, like a named one, outlives its writers: the next one continues it. */
Test(domain_faults, dead_domain_at_a_path_is_continued)
{
	pid_t pid = fork();

	if (pid == 0) {
		setenv("PCPU_KEEP", "1", 1);
		counter_u64_add(counter_u64_alloc_named("kept", M_WAITOK), 41);
		exit(0);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	counter_u64_t c = counter_u64_alloc_named("kept", M_WAITOK);
	cr_assert_not_null(c);
	counter_u64_add(c, 1);
	cr_assert_eq(counter_u64_fetch(c), 42u);
	cr_assert_str_eq(pcpu_domain_path(), path);
	cr_assert_eq(writer_pid_of(path), pid, "the creator stays on record");
}

/* What a creator killed before it stored the magic leaves: a header zero but for the
 * writer's identity. No process holds it, so it is replaced. */
Test(domain_faults, leftover_of_a_creator_killed_before_the_magic_is_replaced)
{
	struct pcpu_dom_header h;

	memset(&h, 0, sizeof(h));
	h.writer_pid = 4242;
	h.writer_start = 17;
	write_file(path, &h, sizeof(h), 0600);
	assert_counting_works();
	cr_assert_str_eq(pcpu_domain_path(), path);
	cr_assert_eq(writer_pid_of(path), getpid());
}

Test(domain_faults, empty_leftover_is_replaced)
{
	write_file(path, "", 0, 0600);
	assert_counting_works();
	cr_assert_str_eq(pcpu_domain_path(), path);
}

/* A snapshot is a frozen copy kept on purpose: its writer being gone does not make it stale. */
Test(domain_faults, snapshot_of_a_dead_writer_is_left_alone)
{
	char *live = NULL;
	size_t len;
	pid_t pid;

	cr_assert_gt(asprintf(&live, "%s.live", path), 0);
	pid = fork();
	if (pid == 0) {
		setenv("PCPU_DOMAIN", live, 1);
		exit(counter_u64_alloc(M_WAITOK) != NULL && pcpu_snapshot(path) == 0 ? 0 : 1);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	assert_counting_works();
	assert_private_because(EEXIST);
	const struct pcpu_dom_header *h = domtest_map(path, &len);
	cr_assert_not_null(h, "the snapshot is still there");
	cr_assert_eq(h->writer_pid, pid);
	cr_assert(h->flags & PCPU_DOM_F_SNAPSHOT);
	free(live);
}

/*
 * Run as the new image of a process that exec()ed (DOMTEST_EXEC_PROBE set): the previous
 * image's domain is at the path, written by this very pid and start time. Exits 0 when
 * this image got the file, else 1.
 */
__attribute__((constructor)) static void exec_probe(void)
{
	if (getenv("DOMTEST_EXEC_PROBE") == NULL)
		return;
	exit(counter_u64_alloc(M_WAITOK) != NULL && pcpu_domain_path() != NULL ? 0 : 1);
}

Test(domain_faults, domain_of_this_process_before_it_exec_ed_is_replaced)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = {"exec_probe", NULL};

		counter_u64_alloc(M_WAITOK);
		setenv("DOMTEST_EXEC_PROBE", "1", 1);
		execv("/proc/self/exe", argv);
		_exit(2);
	}
	cr_assert_eq(test_wait_exit(pid), 0, "the exec()ed image fell back to private memory");
	cr_assert_eq(access(path, F_OK), -1, "the new image removed its file at exit");
}

Test(domain_faults, foreign_file_is_left_alone)
{
	char buf[16] = {0};
	int fd;

	write_file(path, "not a domain", 12, 0600);
	assert_counting_works();
	assert_private_because(EEXIST);
	fd = open(path, O_RDONLY);
	cr_assert_eq(read(fd, buf, sizeof(buf)), 12);
	cr_assert_str_eq(buf, "not a domain");
	close(fd);
}

Test(domain_faults, planted_fifo_is_refused_without_blocking)
{
	cr_assert_eq(mkfifo(path, 0600), 0);
	assert_counting_works();
	assert_private_because(EEXIST);
}

Test(domain_faults, planted_directory_is_refused)
{
	cr_assert_eq(mkdir(path, 0700), 0);
	assert_counting_works();
	assert_private_because(EEXIST);
	rmdir(path);
}

Test(domain_faults, planted_symlink_is_not_followed)
{
	char *target = NULL;
	struct stat st;

	cr_assert_gt(asprintf(&target, "%s.target", path), 0);
	write_file(target, "", 0, 0600);
	cr_assert_eq(symlink(target, path), 0);
	assert_counting_works();
	assert_private_because(ELOOP);
	cr_assert_eq(stat(target, &st), 0);
	cr_assert_eq(st.st_size, 0, "the symlink's target was not written");
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	free(target);
}

Test(domain_faults, live_domain_at_a_path_is_attached)
{
	int go[2], added[2];
	char c;
	pid_t pid;

	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(added), 0);
	pid = fork();
	if (pid == 0) {
		counter_u64_add(counter_u64_alloc_named("shared", M_WAITOK), 5);
		close(go[1]);
		close(added[0]);
		close(added[1]); /* the add is done: the parent may look */
		exit(read(go[0], &c, 1) == 0 ? 0 : 1);
	}
	close(added[1]);
	cr_assert_eq(read(added[0], &c, 1), 0, "the writer added and held on");
	cr_assert_eq(writer_pid_of(path), pid);
	counter_u64_t s = counter_u64_alloc_named("shared", M_WAITOK);
	cr_assert_not_null(s);
	cr_assert_str_eq(pcpu_domain_path(), path);
	cr_assert_eq(counter_u64_fetch(s), 5u);
	close(go[1]);
	cr_assert_eq(test_wait_exit(pid), 0);
}

Test(domain_faults, stale_domain_of_another_user_is_not_replaced)
{
	leave_stale_domain();
	if (chown(path, 4242, 4242) != 0)
		cr_skip_test("cannot chown (not root)");
	assert_counting_works();
	assert_private_because(EPERM);
}

Test(domain_faults, missing_directory_falls_back_to_private_memory)
{
	setenv("PCPU_DOMAIN", "/nonexistent-pcpu-dir/dom", 1);
	assert_counting_works();
	assert_private_because(ENOENT);
}

Test(domain_faults, full_file_system_falls_back_and_leaves_no_file)
{
	struct rlimit small = {65536, 65536};

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_counting_works();
	assert_private_because(EFBIG);
	cr_assert_eq(access(path, F_OK), -1);
}

Test(domain_faults, private_domain_is_shared_with_forked_children)
{
	counter_u64_t c;
	pid_t pid;

	setenv("PCPU_DOMAIN", "/nonexistent-pcpu-dir/dom", 1);
	c = counter_u64_alloc(M_WAITOK);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 100000; i++)
			counter_u64_add(c, 1);
		exit(0);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_eq(counter_u64_fetch(c), 100000u);
}
