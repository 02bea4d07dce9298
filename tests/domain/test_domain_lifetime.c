/*
 * A domain lives as long as the processes that use it: the creator, its forked children
 * and every process that attached. The last normal exit removes it; a crash leaves it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "common/testutil.h"
#include "domain/domtest.h"
#include "format/holders.h"

static const char *userdir;

static void setup(void)
{
	userdir = domtest_use_private_shmdir();
}

TestSuite(domain_lifetime, .init = setup, .fini = domtest_cleanup);

static int exists(const char *p)
{
	return access(p, F_OK) == 0;
}

/* Waits up to 10 s for the file to go; 1 when it went. */
static int gone_soon(const char *p)
{
	for (int i = 0; i < 1000 && exists(p); i++)
		usleep(10000);
	return !exists(p);
}

static int held_slots(const char *p)
{
	int fd = open(p, O_RDONLY), n = 0;

	cr_assert_geq(fd, 0);
	for (unsigned int i = 0; i < PCPU_DOM_PROC_MAX; i++)
		n += pcpu_holders_slot_held(fd, i) == 1;
	close(fd);
	return n;
}

struct holder {
	pid_t pid;
	int io[2];
};

static void start_holder(struct holder *h, char *path, size_t len)
{
	h->pid = domtest_spawn(h->io, "path", NULL);
	snprintf(path, len, "%s", domtest_read_line(h->io[0]));
	cr_assert_neq(strcmp(path, "private"), 0);
}

static void stop_holder(struct holder *h)
{
	close(h->io[1]);
	close(h->io[0]);
	cr_assert_eq(test_wait_exit(h->pid), 0);
}

Test(domain_lifetime, the_last_normal_exit_removes_the_domain)
{
	struct holder a, b;
	char pa[4096], pb[4096];

	setenv("PCPU_DOMAIN", "life", 1);
	start_holder(&a, pa, sizeof(pa));
	start_holder(&b, pb, sizeof(pb));
	cr_assert_str_eq(pa, pb);
	cr_assert_eq(held_slots(pa), 2);
	stop_holder(&a);
	cr_assert(exists(pa), "b still uses it");
	cr_assert_eq(held_slots(pa), 1);
	stop_holder(&b);
	cr_assert_not(exists(pa));
}

Test(domain_lifetime, keep_leaves_the_domain_after_the_last_exit)
{
	struct holder a;
	char p[4096];

	setenv("PCPU_DOMAIN", "kept", 1);
	setenv("PCPU_KEEP", "1", 1);
	start_holder(&a, p, sizeof(p));
	stop_holder(&a);
	cr_assert(exists(p));
	cr_assert_eq(held_slots(p), 0);
}

Test(domain_lifetime, a_crash_leaves_the_domain_for_post_mortem_reading)
{
	struct holder a;
	char p[4096];

	setenv("PCPU_DOMAIN", "crash", 1);
	start_holder(&a, p, sizeof(p));
	kill(a.pid, SIGKILL);
	cr_assert_eq(test_wait_exit(a.pid), 128 + SIGKILL);
	cr_assert(exists(p));
	cr_assert_eq(held_slots(p), 0, "the kernel dropped the dead holder's lock");
}

/*
 * A classic daemon: the parent forks and exits normally at once, the child (and its
 * child) go on counting. The parent's exit must not remove what the daemon uses.
 */
Test(domain_lifetime, a_daemon_whose_parent_exits_keeps_its_domain)
{
	int ready[2], done[2];
	char path[4096] = "", c;
	pid_t pid;

	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(done), 0);
	setenv("PCPU_DOMAIN", "daemon", 1);
	pid = fork();
	if (pid == 0) {
		counter_u64_t n = counter_u64_alloc_named("served", M_WAITOK);

		counter_u64_add(n, 1);
		if (fork() != 0)
			exit(0); /* runs the atexit handlers: this process leaves the domain */
		setsid();
		if (fork() != 0)
			exit(0);
		usleep(100000); /* both parents are gone by now */
		counter_u64_add(n, 100);
		dprintf(ready[1], "%s\n", pcpu_domain_path() != NULL ? pcpu_domain_path() : "");
		close(done[1]);
		read(done[0], &c, 1);
		exit(0);
	}
	close(ready[1]);
	close(done[0]);
	cr_assert_eq(test_wait_exit(pid), 0);
	snprintf(path, sizeof(path), "%s", domtest_read_line(ready[0]));
	cr_assert_neq(path[0], '\0', "the daemon lost its domain");
	cr_assert(exists(path));
	size_t len;
	const struct pcpu_dom_header *h = domtest_map(path, &len);
	cr_assert_not_null(h);
	cr_assert_eq(domtest_counter_sum(h, domtest_sym(h, "served")->addr), 101u);
	cr_assert_eq(held_slots(path), 1);
	close(done[1]);
	cr_assert(gone_soon(path), "the daemon's normal exit removes it");
}

Test(domain_lifetime, forked_children_each_hold_the_domain)
{
	int go[2];
	char c;
	pid_t kids[3];

	cr_assert_eq(pipe(go), 0);
	setenv("PCPU_DOMAIN", "family", 1);
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			close(go[1]);
			read(go[0], &c, 1);
			exit(0);
		}
	}
	cr_assert_eq(held_slots(pcpu_domain_path()), 4);
	close(go[1]);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(test_wait_exit(kids[i]), 0);
	cr_assert_eq(held_slots(pcpu_domain_path()), 1);
	cr_assert(exists(pcpu_domain_path()), "the children's exits leave it to the parent");
}

/* A process killed while it allocates (holding the domain's lock at times) leaves the
 * domain usable and consistent for the others, which go on counting exactly. */
Test(domain_lifetime, a_holder_killed_while_allocating_leaves_the_others_counting)
{
	setenv("PCPU_DOMAIN", "churn", 1);
	counter_u64_t c = counter_u64_alloc_named("requests", M_WAITOK);
	pid_t counter = domtest_spawn(NULL, "count", "2000000", "2", NULL);

	for (int round = 0; round < 5; round++) {
		pid_t pid = domtest_spawn(NULL, "churn", NULL);

		usleep(20000 + 10000 * round);
		kill(pid, SIGKILL);
		cr_assert_eq(test_wait_exit(pid), 128 + SIGKILL);
		void *z = zpcpu_alloc_named("after", 64);
		cr_assert_not_null(z, "%s", strerror(errno));
		cr_assert_eq(zpcpu_alloc_named("after", 64), z);
	}
	cr_assert_eq(test_wait_exit(counter), 0);
	cr_assert_eq(counter_u64_fetch(c), 4000000u);
}

/* attach_prog path as pid 1 of a new PID namespace; io as domtest_spawn's. */
static pid_t spawn_in_pid_namespace(int io[2], const char *prog)
{
	int in[2], out[2];
	pid_t pid;

	cr_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("unshare", "unshare", "-p", "-f", "--mount-proc", prog, "path",
		       (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	io[0] = out[0];
	io[1] = in[1];
	return pid;
}

/* Two processes that are both pid 1, each in its own PID namespace, get two domains. */
Test(domain_lifetime, pid_1_of_two_pid_namespaces_get_separate_domains)
{
	struct holder a, b;
	char p1[4096], p2[4096];
	char *prog = test_built_binary("tests/domain/attach_prog");

	if (geteuid() != 0)
		cr_skip_test("unshare -p needs root");
	a.pid = spawn_in_pid_namespace(a.io, prog);
	b.pid = spawn_in_pid_namespace(b.io, prog);
	snprintf(p1, sizeof(p1), "%s", domtest_read_line(a.io[0]));
	snprintf(p2, sizeof(p2), "%s", domtest_read_line(b.io[0]));
	cr_assert(strstr(p1, "/pid.1.") != NULL, "%s", p1);
	cr_assert(strstr(p2, "/pid.1.") != NULL, "%s", p2);
	cr_assert_str_neq(p1, p2);
	cr_assert(exists(p1) && exists(p2));
	stop_holder(&a);
	cr_assert(exists(p2), "one's exit leaves the other's domain");
	stop_holder(&b);
	cr_assert_not(exists(p1) || exists(p2));
	free(prog);
}
