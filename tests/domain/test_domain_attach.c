/* Named domains: where they live, who may attach, and what attaching processes share. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "common/testutil.h"
#include "domain/domain.h"
#include "domain/domtest.h"

static const char *userdir;

static void setup(void)
{
	userdir = domtest_use_private_shmdir();
}

TestSuite(domain_attach, .init = setup, .fini = domtest_cleanup);

static char *in_userdir(const char *name)
{
	return test_path(userdir, name);
}

static void assert_mode(const char *p, mode_t mode)
{
	struct stat st;

	cr_assert_eq(lstat(p, &st), 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(st.st_mode & 07777, mode, "%s: mode %o, expected %o", p, st.st_mode & 07777,
		     mode);
	cr_assert_eq(st.st_uid, geteuid());
}

Test(domain_attach, per_process_domain_lives_in_the_per_user_directory)
{
	char *want = NULL;

	cr_assert_gt(asprintf(&want, "%s/pid.%d.%llu", userdir, (int)getpid(),
			      (unsigned long long)pcpu_self_pidns()),
		     0);
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_str_eq(pcpu_domain_path(), want);
	cr_assert_str_eq(pcpu_domain_name(), "");
	assert_mode(userdir, 0700);
	assert_mode(want, 0600);
	free(want);
}

Test(domain_attach, named_domain_is_a_file_of_that_name)
{
	char *want = in_userdir("web");

	setenv("PCPU_DOMAIN", "web", 1);
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_str_eq(pcpu_domain_path(), want);
	cr_assert_str_eq(pcpu_domain_name(), "web");
	free(want);
}

Test(domain_attach, attach_call_names_the_domain_before_first_use)
{
	char *want = in_userdir("api");

	cr_assert_eq(pcpu_domain_attach("api", NULL), 0);
	cr_assert_str_eq(pcpu_domain_path(), want);
	cr_assert_eq(pcpu_domain_attach("api", NULL), 0, "the same domain again is fine");
	cr_assert_eq(pcpu_domain_attach("other", NULL), -1);
	cr_assert_eq(errno, EBUSY);
	free(want);
}

Test(domain_attach, attach_after_first_use_of_another_domain_is_busy)
{
	cr_assert_not_null(counter_u64_alloc(M_WAITOK)); /* the per-process domain */
	cr_assert_eq(pcpu_domain_attach("late", NULL), -1);
	cr_assert_eq(errno, EBUSY);
}

static void assert_name_refused(const char *name)
{
	cr_assert_eq(pcpu_domain_attach(name, NULL), -1, "%s", name);
	cr_assert_eq(errno, EINVAL, "%s: errno %d", name, errno);
}

Test(domain_attach, bad_names_are_refused_and_the_program_counts_privately)
{
	assert_name_refused("pid.42");
	cr_assert_null(pcpu_domain_path());
	cr_assert_eq(errno, EINVAL);
	counter_u64_t c = counter_u64_alloc(M_WAITOK);
	counter_u64_add(c, 7);
	cr_assert_eq(counter_u64_fetch(c), 7u);
}

Test(domain_attach, names_with_spaces_dots_first_or_too_long_are_refused)
{
	char longname[80];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(pcpu_domain_name_valid("a b"), EINVAL);
	cr_assert_eq(pcpu_domain_name_valid(".hidden"), EINVAL);
	cr_assert_eq(pcpu_domain_name_valid("-x"), EINVAL);
	cr_assert_eq(pcpu_domain_name_valid(longname), EINVAL);
	cr_assert_eq(pcpu_domain_name_valid(""), EINVAL);
	cr_assert_eq(pcpu_domain_name_valid("nginx-1.worker_a"), 0);
}

Test(domain_attach, directory_others_can_write_is_refused)
{
	cr_assert_eq(mkdir(userdir, 0777), 0);
	cr_assert_eq(chmod(userdir, 0777), 0);
	setenv("PCPU_DOMAIN", "web", 1);
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_null(pcpu_domain_path());
	cr_assert_eq(errno, EPERM);
}

Test(domain_attach, directory_planted_by_another_user_is_refused)
{
	cr_assert_eq(mkdir(userdir, 0700), 0);
	if (chown(userdir, 4242, 4242) != 0)
		cr_skip_test("cannot chown (not root)");
	setenv("PCPU_DOMAIN", "web", 1);
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_null(pcpu_domain_path());
	cr_assert_eq(errno, EPERM);
}

Test(domain_attach, symlink_in_place_of_the_directory_is_refused)
{
	char *target = NULL;

	cr_assert_gt(asprintf(&target, "%s.real", userdir), 0);
	cr_assert_eq(mkdir(target, 0700), 0);
	cr_assert_eq(symlink(target, userdir), 0);
	if (geteuid() == 0)
		cr_assert_eq(lchown(userdir, 4242, 4242), 0, "planted by another user");
	setenv("PCPU_DOMAIN", "web", 1);
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_null(pcpu_domain_path());
	cr_assert_eq(errno, EPERM);
	free(target);
}

Test(domain_attach, group_may_read_directory_and_file)
{
	char group[16], *file = in_userdir("grp");

	snprintf(group, sizeof(group), "%u", (unsigned)getegid());
	cr_assert_eq(pcpu_domain_attach("grp", group), 0);
	assert_mode(userdir, 0750);
	assert_mode(file, 0640);
	free(file);
}

Test(domain_attach, unknown_group_is_refused)
{
	cr_assert_eq(pcpu_domain_attach("grp", "no-such-group-pcpu"), -1);
	cr_assert_eq(errno, ENOENT);
}

/* Two programs attached to one domain at once, each adding from threads: exact. */
Test(domain_attach, two_programs_count_into_one_named_counter_exactly)
{
	pid_t a, b;

	setenv("PCPU_DOMAIN", "shared", 1);
	counter_u64_t c = counter_u64_alloc_named("requests", M_WAITOK);
	cr_assert_not_null(c, "%s", strerror(errno));
	a = domtest_spawn(NULL, "count", "500000", "4", NULL);
	b = domtest_spawn(NULL, "attach", "shared", "700000", NULL);
	cr_assert_eq(test_wait_exit(a), 0);
	cr_assert_eq(test_wait_exit(b), 0);
	cr_assert_eq(counter_u64_fetch(c), 4 * 500000u + 700000u);
}

Test(domain_attach, early_counter_of_a_restarted_program_continues)
{
	setenv("PCPU_DOMAIN", "restart", 1);
	setenv("PCPU_KEEP", "1", 1);
	for (int run = 0; run < 3; run++)
		cr_assert_eq(test_wait_exit(domtest_spawn(NULL, "count", "1000", "2", NULL)), 0);
	unsetenv("PCPU_KEEP");
	cr_assert_eq(counter_u64_fetch(counter_u64_alloc_named("requests", M_WAITOK)), 6000u);
}

Test(domain_attach, dpcpu_variables_of_a_restarted_program_continue)
{
	int io[2];

	setenv("PCPU_DOMAIN", "dp", 1);
	setenv("PCPU_KEEP", "1", 1);
	for (int run = 1; run <= 3; run++) {
		char want[16];
		pid_t pid = domtest_spawn(io, "dpcpu", "5", NULL);

		close(io[1]);
		snprintf(want, sizeof(want), "%d", 5 * run);
		cr_assert_str_eq(domtest_read_line(io[0]), want);
		close(io[0]);
		cr_assert_eq(test_wait_exit(pid), 0);
	}
}

Test(domain_attach, name_of_another_kind_or_size_is_refused)
{
	setenv("PCPU_DOMAIN", "kinds", 1);
	cr_assert_not_null(counter_u64_alloc_named("x", M_WAITOK));
	cr_assert_null(zpcpu_alloc_named("x", 8));
	cr_assert_eq(errno, EEXIST);
	cr_assert_not_null(zpcpu_alloc_named("z", 16));
	cr_assert_null(zpcpu_alloc_named("z", 24));
	cr_assert_eq(errno, EEXIST);
	cr_assert_null(counter_u64_alloc_named("z", M_WAITOK));
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(zpcpu_alloc_named("z", 16), zpcpu_alloc_named("z", 16));
	cr_assert_null(counter_u64_alloc_named("", M_WAITOK));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(counter_u64_alloc_named("x", 0));
	cr_assert_eq(errno, EINVAL);
}

Test(domain_attach, attacher_maps_the_domain_at_the_creators_address)
{
	int io[2];
	pid_t pid;

	setenv("PCPU_DOMAIN", "addr", 1);
	pid = domtest_spawn(io, "path", NULL);
	cr_assert_neq(strcmp(domtest_read_line(io[0]), "private"), 0);
	counter_u64_t c = counter_u64_alloc_named("requests", M_WAITOK);
	size_t len;
	const struct pcpu_dom_header *h = domtest_map(pcpu_domain_path(), &len);
	cr_assert_not_null(h);
	cr_assert_eq(h->writer_pid, pid, "the program created it, this test attached");
	cr_assert_eq((uint64_t)(uintptr_t)pcpu_find(0), h->writer_base + h->pcpu_off);
	cr_assert_eq((uint64_t)(uintptr_t)c, domtest_sym(h, "requests")->addr);
	close(io[1]);
	cr_assert_eq(test_wait_exit(pid), 0);
}

static char *own_domain_path(void)
{
	char *p = NULL;

	cr_assert_gt(asprintf(&p, "%s/pid.%d.%llu", userdir, (int)getpid(),
			      (unsigned long long)pcpu_self_pidns()),
		     0);
	return p;
}

/* Another process holds a file at this process's own per-process name (a family whose
 * parent had this pid): never joined, the program counts privately and says why. */
Test(domain_attach, own_name_held_by_an_unrelated_process_is_not_joined)
{
	char *mine = own_domain_path();
	int io[2];
	pid_t pid;

	cr_assert_eq(mkdir(userdir, 0700), 0);
	setenv("PCPU_DOMAIN", mine, 1);
	pid = domtest_spawn(io, "path", NULL);
	cr_assert_str_eq(domtest_read_line(io[0]), mine);
	unsetenv("PCPU_DOMAIN");
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_null(pcpu_domain_path());
	cr_assert_eq(errno, EBUSY);
	close(io[1]);
	cr_assert_eq(test_wait_exit(pid), 0);
	free(mine);
}

/* Run as the new image of a process that exec()ed (DOMTEST_EXEC_ATTACH set): its earlier
 * image made its per-process domain, which its forked child still holds. */
__attribute__((constructor)) static void exec_attach_probe(void)
{
	const char *want = getenv("DOMTEST_EXEC_ATTACH");

	if (want == NULL)
		return;
	counter_u64_t c = counter_u64_alloc_named("before_exec", M_WAITOK);
	exit(c != NULL && counter_u64_fetch(c) == 3 && pcpu_domain_path() != NULL &&
			     strcmp(pcpu_domain_path(), want) == 0
		     ? 0
		     : 1);
}

Test(domain_attach, own_domain_held_by_children_is_joined_after_exec)
{
	pid_t pid = fork();

	if (pid == 0) {
		int go[2];
		char c;

		counter_u64_add(counter_u64_alloc_named("before_exec", M_WAITOK), 3);
		cr_assert_eq(pipe(go), 0);
		if (fork() == 0) {
			close(go[1]);
			read(go[0], &c, 1); /* holds the domain until the exec()ed image exits */
			_exit(0);
		}
		close(go[0]);
		setenv("DOMTEST_EXEC_ATTACH", pcpu_domain_path(), 1);
		execl("/proc/self/exe", "exec_attach_probe", (char *)NULL);
		_exit(2);
	}
	cr_assert_eq(test_wait_exit(pid), 0, "the exec()ed image did not rejoin its domain");
}

/* A file of format 2.0 has its chunks where a 2.1 writer keeps its metadata table. */
Test(domain_attach, domain_of_format_2_0_is_not_joined)
{
	char *p = in_userdir("old");
	uint16_t minor = 0;
	uint64_t meta_off = 0;
	int fd;

	setenv("PCPU_DOMAIN", "old", 1);
	setenv("PCPU_KEEP", "1", 1);
	cr_assert_eq(test_wait_exit(domtest_spawn(NULL, "count", "10", "1", NULL)), 0);
	unsetenv("PCPU_KEEP");
	unsetenv("PCPU_DOMAIN");
	fd = open(p, O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(
		pwrite(fd, &minor, sizeof(minor), offsetof(struct pcpu_dom_header, version_minor)),
		(ssize_t)sizeof(minor));
	cr_assert_eq(
		pwrite(fd, &meta_off, sizeof(meta_off), offsetof(struct pcpu_dom_header, meta_off)),
		(ssize_t)sizeof(meta_off));
	close(fd);
	errno = 0;
	cr_expect_eq(pcpu_domain_attach("old", NULL), -1);
	cr_expect_eq(errno, EPROTO);
	free(p);
}
