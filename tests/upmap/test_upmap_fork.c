/* pid, forkid and invfork across fork, raw fork system calls, clone and vfork. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <pcpu/upmap.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/testutil.h"

/* Child exit codes: 0 when every check held, else the number of the failed check. */
static int check_own_values(struct sys_upmap *u, forkid_t parent_forkid)
{
	if (ukp_getpid() != getpid())
		return 10;
	if (u->pid != getpid())
		return 11;
	if (ukp_forkid() == 0 || ukp_forkid() == parent_forkid)
		return 12;
	if (u->forkid != ukp_forkid())
		return 13;
	if (u->invfork != 0)
		return 14;
	return 0;
}

Test(upmap, parent_sees_its_own_pid_and_a_nonzero_forkid)
{
	struct sys_upmap *u = upmap_map();

	cr_assert_not_null(u);
	cr_assert_eq(ukp_getpid(), getpid());
	cr_assert_eq(u->pid, getpid());
	cr_assert_neq(ukp_forkid(), 0);
	cr_assert_eq(u->forkid, ukp_forkid());
	cr_assert_eq(u->version, UPMAP_VERSION);
	cr_assert_eq(u->invfork, 0u);
}

Test(upmap, same_address_for_the_life_of_the_process)
{
	cr_assert_eq(upmap_map(), upmap_map());
}

Test(upmap, fork_child_sees_its_own_values_at_the_same_address)
{
	struct sys_upmap *u = upmap_map();
	forkid_t parent = ukp_forkid();
	pid_t pid = fork();

	if (pid == 0) {
		/* Read the field directly first: atfork already refilled it. */
		if (u->pid != getpid())
			_exit(20);
		_exit(check_own_values(u, parent));
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_eq(ukp_getpid(), getpid());
	cr_assert_eq(ukp_forkid(), parent);
}

Test(upmap, grandchild_has_a_third_pid_and_forkid)
{
	struct sys_upmap *u = upmap_map();
	forkid_t parent = ukp_forkid();
	pid_t pid = fork();

	if (pid == 0) {
		forkid_t child = ukp_forkid();
		pid_t grandchild = fork();
		int st;

		if (grandchild == 0) {
			if (ukp_forkid() == parent)
				_exit(30);
			_exit(check_own_values(u, child));
		}
		st = test_wait_exit(grandchild);
		_exit(st != 0 ? st : check_own_values(u, parent));
	}
	cr_assert_eq(test_wait_exit(pid), 0);
}

Test(upmap, raw_fork_syscall_child_never_sees_the_parent_pid)
{
	struct sys_upmap *u = upmap_map();
	forkid_t parent = ukp_forkid();
	pid_t pid = (pid_t)syscall(SYS_fork);

	if (pid == 0) {
		/* No atfork handler ran: the wiped page reads 0 until a ukp_ call. */
		if (u->pid != 0 || u->forkid != 0)
			_exit(40);
		_exit(check_own_values(u, parent));
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(test_wait_exit(pid), 0);
}

static forkid_t clone_parent_forkid;
static struct sys_upmap *clone_map;

static int clone_child(void *arg)
{
	(void)arg;
	return check_own_values(clone_map, clone_parent_forkid);
}

Test(upmap, clone_child_without_clone_vm_sees_its_own_values)
{
	enum { STACK = 256 * 1024 };
	char *stack = malloc(STACK);
	pid_t pid;

	clone_map = upmap_map();
	clone_parent_forkid = ukp_forkid();
	cr_assert_not_null(stack);
	pid = clone(clone_child, stack + STACK, SIGCHLD, NULL);
	cr_assert_gt(pid, 0);
	cr_assert_eq(test_wait_exit(pid), 0);
	free(stack);
}

Test(upmap, ukp_vfork_child_has_invfork_set_and_its_own_pid)
{
	struct sys_upmap *u = upmap_map();
	volatile int invfork_in_child = -1;
	volatile pid_t seen = 0, real = 0;
	pid_t pid = ukp_vfork();

	if (pid == 0) {
		/* Shared memory: the parent reads these after we _exit. */
		invfork_in_child = (int)u->invfork;
		seen = ukp_getpid();
		real = (pid_t)syscall(SYS_getpid);
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_eq(invfork_in_child, 1);
	cr_assert_eq(seen, pid);
	cr_assert_eq(real, pid);
	cr_assert_eq(u->invfork, 0u);
	cr_assert_eq(ukp_getpid(), getpid());
}

Test(upmap, libc_vfork_is_not_replaced)
{
	struct sys_upmap *u = upmap_map();
	volatile int invfork_in_child = -1;
	Dl_info v, lib;
	pid_t pid;

	/* The C library's, or a sanitizer runtime's in front of it: not libpcpu's. */
	cr_assert_neq(dladdr((void *)&vfork, &v), 0);
	cr_assert_neq(dladdr((void *)&upmap_map, &lib), 0);
	cr_assert_neq(v.dli_fbase, lib.dli_fbase, "vfork is from %s", v.dli_fname);
	pid = vfork();
	if (pid == 0) {
		invfork_in_child = (int)u->invfork;
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_eq(invfork_in_child, 0);
}

Test(upmap, fast_paths_map_the_upmap_on_first_use)
{
	cr_assert_eq(ukp_getpid(), getpid());
	cr_assert_neq(ukp_forkid(), 0);
}

Test(upmap, works_the_same_through_the_shared_library)
{
	char *probe = test_built_binary("tests/upmap/upmap_shared_probe");
	pid_t pid = fork();

	if (pid == 0) {
		execl(probe, probe, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	free(probe);
}
