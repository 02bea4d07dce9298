/*
 * TARGET forms of pcpu(1): a PID (the domain it has mapped, or the process tables when
 * its mappings are not readable), NAME and USER/NAME in the per-user directories, and
 * the errors when none fits.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "kvm/domfix.h"
#include "tools/toolrun.h"

#define MONITOR 64102u /* a monitoring user of GROUP, without an account */
#define GROUP 64100u

static uint64_t u64(const char *s)
{
	cr_assert_not_null(s);
	return strtoull(s, NULL, 10);
}

/* A private $PCPU_SHMDIR where root makes other users' domains. */
static const char *root_shm(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to make other users' domains");
	return shm_private();
}

/* Checks that `pcpu stat TARGET test_requests` reads want from the domain at path. */
static void expect_stat(const char *target, const char *path, uint64_t want)
{
	struct run r;

	run_pcpu(&r, "stat", target, "test_requests", NULL);
	cr_assert_eq(r.status, 0, "stat %s: %s", target, r.err);
	cr_assert_not_null(strstr(r.out, path), "stat %s read another domain:\n%s", target, r.out);
	cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), want);
	run_free(&r);
}

Test(tools_find, a_pid_finds_the_domain_its_process_and_its_forked_children_have_mapped)
{
	const char *shm = shm_private();
	struct writer w;
	char pid[16];
	pid_t child;

	writer_start(&w, NULL, 1, 1234, NULL);
	cr_assert_not_null(w.domain);
	snprintf(pid, sizeof(pid), "%d", (int)w.pid);
	expect_stat(pid, w.domain, 1234);
	child = writer_fork(&w);
	snprintf(pid, sizeof(pid), "%d", (int)child);
	expect_stat(pid, w.domain, 1234);
	kill(child, SIGTERM);
	wait_gone(child);
	cr_assert_eq(writer_stop(&w), 0);
	shm_remove(shm);
}

Test(tools_find, a_process_on_private_memory_is_reported_with_its_reason)
{
	struct writer_opts o = {.domain = "/nonexistent/pcpu.private"};
	struct writer w;
	struct run r;
	char pid[16];

	writer_start_opts(&w, &o, 1, 10);
	cr_assert_null(w.domain, "the writer runs on private memory");
	snprintf(pid, sizeof(pid), "%d", (int)w.pid);
	run_pcpu(&r, "stat", pid, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "runs on private memory, not a shared domain: ENOENT"),
			   "%s", r.err);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_find, a_pid_without_a_domain_or_a_process_is_an_error)
{
	struct run r;

	run_pcpu(&r, "stat", "1", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "pid 1: no pcpu domain") != NULL, "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "stat", "2147483647", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "pid 2147483647: no such process"), "%s", r.err);
	run_free(&r);
}

Test(tools_find, a_name_opens_the_named_domain_and_user_slash_name_too)
{
	const char *shm = shm_private();
	struct writer_opts o = {.domain = "web"};
	struct passwd *pw = getpwuid(geteuid());
	char target[128];
	struct writer w;
	struct run r;

	writer_start_opts(&w, &o, 1, 321);
	expect_stat("web", w.domain, 321);
	snprintf(target, sizeof(target), "%u/web", (unsigned int)geteuid());
	expect_stat(target, w.domain, 321);
	cr_assert_not_null(pw);
	snprintf(target, sizeof(target), "%s/web", pw->pw_name);
	expect_stat(target, w.domain, 321);
	run_pcpu(&r, "stat", "nosuch", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "nosuch: no domain of that name"), "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "stat", "nosuchuser/web", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "nosuchuser is not a user"), "%s", r.err);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
	shm_remove(shm);
}

/* A domain file (the fixture's) at shm/pcpu-<dir_uid>/name, the directory owned by
 * owner with mode. */
static void plant(const char *shm, unsigned int dir_uid, uid_t owner, mode_t mode, const char *name)
{
	struct domfix f;
	char *dir, *file;

	cr_assert_geq(asprintf(&dir, "%s/pcpu-%u", shm, dir_uid), 0);
	if (mkdir(dir, 0755) != 0)
		cr_assert_fail("mkdir %s", dir);
	file = test_path(dir, name);
	cr_assert_eq(domfix_init(&f, 1, 1), 0);
	cr_assert_eq(domfix_write(&f, file), 0);
	cr_assert_eq(chown(file, dir_uid, 0), 0);
	cr_assert_eq(chmod(file, 0644), 0);
	cr_assert_eq(chown(dir, owner, 0), 0);
	cr_assert_eq(chmod(dir, mode), 0);
	domfix_free(&f);
	free(file);
	free(dir);
}

Test(tools_find, a_name_that_several_users_have_must_be_given_as_user_slash_name)
{
	const char *shm;
	struct run r;

	shm = root_shm();
	plant(shm, 64101, 64101, 0755, "web");
	plant(shm, 64102, 64102, 0755, "web");
	run_pcpu(&r, "stat", "web", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "web: several users have a domain of that name "
					 "(64101/web, 64102/web): say USER/NAME"),
			   "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "stat", "64102/web", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "/pcpu-64102/web"), "%s", r.out);
	run_free(&r);
	shm_remove(shm);
}

Test(tools_find, an_untrusted_directory_is_skipped_with_one_warning_line)
{
	const char *shm;
	struct run r;

	shm = root_shm();
	plant(shm, 64103, 0, 0755, "web");     /* not owned by the uid its name gives */
	plant(shm, 64104, 64104, 0777, "web"); /* writable by others */
	plant(shm, 64105, 64105, 0755, "web");
	run_pcpu(&r, "stat", "web", NULL);
	cr_assert_eq(r.status, 0, "the one trusted directory's domain: %s", r.err);
	cr_assert_not_null(strstr(r.out, "/pcpu-64105/web"), "%s", r.out);
	cr_assert_not_null(strstr(r.err, "/pcpu-64103: owned by uid 0, not by uid 64103 as its "
					 "name says\n"),
			   "%s", r.err);
	cr_assert_not_null(strstr(r.err, "/pcpu-64104: writable by group or others\n"), "%s",
			   r.err);
	cr_assert_null(strstr(strstr(r.err, "pcpu-64103") + 1, "pcpu-64103"), "one line: %s",
		       r.err);
	run_free(&r);
	shm_remove(shm);
}

Test(tools_find, a_monitoring_group_member_reads_roots_domain_by_name_and_by_pid)
{
	const char *shm;
	struct writer_opts o = {.domain = "web", .extra_env = "PCPU_GROUP=64100"};
	struct writer w;
	struct run r;
	char pid[16];

	shm = root_shm();
	cr_assert_eq(chmod(shm, 0755), 0);
	writer_start_opts(&w, &o, 1, 77);
	snprintf(pid, sizeof(pid), "%d", (int)w.pid);
	const char *targets[] = {"web", "0/web", "root/web", pid};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		run_pcpu_as(&r, MONITOR, GROUP, "stat", targets[i], "test_requests", NULL);
		cr_assert_eq(r.status, 0, "stat %s as a group member: %s", targets[i], r.err);
		cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), 77, "%s", r.out);
		run_free(&r);
	}
	run_pcpu_as(&r, MONITOR, 0, "stat", "web", NULL);
	cr_assert_eq(r.status, 1, "not in the group: %s", r.out);
	cr_assert_not_null(strstr(r.err, "web: no domain of that name that you may see ("), "%s",
			   r.err);
	cr_assert_not_null(strstr(r.err, "/pcpu-0: Permission denied)"), "%s", r.err);
	run_free(&r);
	run_pcpu_as(&r, MONITOR, 0, "stat", "0/web", NULL);
	cr_assert_eq(r.status, 1, "not in the group: %s", r.out);
	cr_assert_not_null(strstr(r.err, "Permission denied"), "%s", r.err);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
	shm_remove(shm);
}
