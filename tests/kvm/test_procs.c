/*
 * kvm_getdominfo(3): a domain's state and the processes in its table, alive exactly while
 * their slot lock is held (here by a child process, as a writer holds it), and
 * kvm_domain_reclaim, which removes a file only when nobody holds it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "kvm/domfix.h"
#include "sys/proc.h"

static kvm_t *open_ok(const char *path)
{
	char errbuf[_POSIX2_LINE_MAX] = "";
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);

	cr_assert_not_null(kd, "%s", errbuf);
	return kd;
}

/* A named domain with slot 0 attached (pid 100), 1 detached (101), 2 attached (102). */
static char *three_slots(struct domfix *f)
{
	struct pcpu_dom_proc *p;
	char *path;

	cr_assert_eq(domfix_init(f, 2, 2), 0);
	strcpy(f->hdr->name, "web");
	f->hdr->writer_pid = 100;
	f->hdr->writer_start = 1000;
	p = domfix_proc(f, 0, PCPU_PROC_ATTACHED, 100);
	p->flags = PCPU_PROCF_CREATOR;
	p->uid = 33;
	p = domfix_proc(f, 1, PCPU_PROC_DETACHED, 101);
	p->flags = PCPU_PROCF_FORKED;
	p->detach_ns = 1700000000000000123ull;
	domfix_proc(f, 2, PCPU_PROC_ATTACHED, 102);
	path = domfix_save(f);
	cr_assert_not_null(path);
	return path;
}

Test(procs, slots_report_alive_exited_and_died_from_the_locks)
{
	struct domfix f;
	char *path = three_slots(&f);
	unsigned int held[] = {0};
	pid_t holder = domfix_hold(path, held, 1);
	const struct kvm_domproc *p;
	kvm_t *kd = open_ok(path);
	int n = -1;

	cr_assert_gt(holder, 0);
	p = kvm_getdomprocs(kd, &n);
	cr_assert_not_null(p, "%s", kvm_geterr(kd));
	cr_assert_eq(n, 3);
	cr_expect_eq(p[0].dp_slot, 0);
	cr_expect_eq(p[0].dp_state, KVM_PROC_ALIVE);
	cr_expect_eq(p[0].dp_pid, 100);
	cr_expect_eq(p[0].dp_uid, 33);
	cr_expect_eq(p[0].dp_flags, KVM_PROCF_CREATOR);
	cr_expect_eq(p[0].dp_pidns, DOMFIX_PIDNS);
	cr_expect_eq(p[0].dp_start, 1000);
	cr_expect_str_eq(p[0].dp_comm, "domfix");
	cr_expect_eq(p[1].dp_state, KVM_PROC_EXITED);
	cr_expect_eq(p[1].dp_flags, KVM_PROCF_FORKED);
	cr_expect_eq(p[1].dp_detach_ns, 1700000000000000123ull);
	cr_expect_eq(p[2].dp_slot, 2);
	cr_expect_eq(p[2].dp_state, KVM_PROC_DIED, "attached but nobody holds its lock");
	domfix_unhold(holder);
	p = kvm_getdomprocs(kd, &n);
	cr_assert_not_null(p, "%s", kvm_geterr(kd));
	cr_expect_eq(p[0].dp_state, KVM_PROC_DIED, "the holder was killed");
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(procs, dominfo_is_alive_with_the_holders_counted_then_dead)
{
	struct domfix f;
	char *path = three_slots(&f);
	unsigned int held[] = {0, 2};
	pid_t holder = domfix_hold(path, held, 2);
	const struct kvm_dominfo *di;
	kvm_t *kd = open_ok(path);
	const struct kvm_domproc *p;
	int n = 0;

	p = kvm_getdomprocs(kd, &n);
	cr_assert_not_null(p, "%s", kvm_geterr(kd));
	di = kvm_getdominfo(kd);
	cr_assert_not_null(di, "%s", kvm_geterr(kd));
	cr_expect_eq(p[2].dp_pid, 102, "kvm_getdominfo leaves kvm_getdomprocs's answer alone");
	cr_expect_eq(di->di_state, KVM_DOM_ALIVE);
	cr_expect_eq(di->di_nprocs, 2);
	cr_expect_str_eq(di->di_name, "web");
	cr_expect_str_eq(di->di_progname, "domfix");
	cr_expect_eq(di->di_pid, 100);
	cr_expect_eq(di->di_start, 1000);
	cr_expect_eq(di->di_uid, geteuid());
	domfix_unhold(holder);
	di = kvm_getdominfo(kd);
	cr_assert_not_null(di, "%s", kvm_geterr(kd));
	cr_expect_eq(di->di_state, KVM_DOM_DEAD);
	cr_expect_eq(di->di_nprocs, 0);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(procs, a_held_slot_that_says_detached_is_alive)
{
	struct domfix f;
	char *path = three_slots(&f);
	unsigned int held[] = {1}; /* a child between fork and describing itself */
	pid_t holder = domfix_hold(path, held, 1);
	const struct kvm_domproc *p;
	kvm_t *kd = open_ok(path);
	int n = 0;

	cr_assert_gt(holder, 0);
	p = kvm_getdomprocs(kd, &n);
	cr_assert_not_null(p, "%s", kvm_geterr(kd));
	cr_assert_eq(n, 3);
	cr_expect_eq(p[1].dp_state, KVM_PROC_ALIVE);
	cr_expect_eq(kvm_getdominfo(kd)->di_nprocs, 1);
	domfix_unhold(holder);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(procs, a_process_still_publishing_its_slot_keeps_the_domain_alive)
{
	struct domfix f;
	char *path;
	unsigned int held[] = {5}; /* locked, its state still FREE */
	pid_t holder;
	const struct kvm_domproc *p;
	const struct kvm_dominfo *di;
	kvm_t *kd;
	int n = -1;

	cr_assert_eq(domfix_init(&f, 1, 1), 0);
	path = domfix_save(&f);
	holder = domfix_hold(path, held, 1);
	cr_assert_gt(holder, 0);
	kd = open_ok(path);
	p = kvm_getdomprocs(kd, &n);
	cr_assert_not_null(p, "%s", kvm_geterr(kd));
	cr_expect_eq(n, 0, "a free slot is not listed");
	di = kvm_getdominfo(kd);
	cr_assert_not_null(di);
	cr_expect_eq(di->di_state, KVM_DOM_ALIVE);
	cr_expect_eq(di->di_nprocs, 1);
	domfix_unhold(holder);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(procs, unknown_slot_state_fails_einval_naming_the_slot)
{
	struct domfix f;
	char *path;
	kvm_t *kd;
	int n;

	cr_assert_eq(domfix_init(&f, 1, 1), 0);
	domfix_proc(&f, 3, 9, 77);
	path = domfix_save(&f);
	kd = open_ok(path);
	errno = 0;
	cr_expect_null(kvm_getdomprocs(kd, &n));
	cr_expect_eq(errno, EINVAL);
	cr_expect_not_null(strstr(kvm_geterr(kd), "slot 3 has state 9"), "%s", kvm_geterr(kd));
	cr_expect_null(kvm_getdominfo(kd));
	cr_expect_eq(errno, EINVAL);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(procs, comm_without_nul_is_cut_to_fifteen_bytes)
{
	struct domfix f;
	char *path;
	const struct kvm_domproc *p;
	kvm_t *kd;
	int n;

	cr_assert_eq(domfix_init(&f, 1, 1), 0);
	memset(domfix_proc(&f, 0, PCPU_PROC_DETACHED, 7)->comm, 'c', 16);
	path = domfix_save(&f);
	kd = open_ok(path);
	p = kvm_getdomprocs(kd, &n);
	cr_assert_not_null(p, "%s", kvm_geterr(kd));
	cr_assert_eq(n, 1);
	cr_expect_str_eq(p[0].dp_comm, "ccccccccccccccc");
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(procs, a_snapshot_reports_its_slots_as_recorded)
{
	struct domfix f;
	char *path = three_slots(&f), *snap = strdup(path);
	unsigned int held[] = {0};
	pid_t holder = domfix_hold(path, held, 1);
	const struct kvm_domproc *p;
	const struct kvm_dominfo *di;
	kvm_t *kd = open_ok(path), *ks;
	int n = -1;

	strcpy(snap + strlen(snap) - strlen("domain"), "snap");
	cr_assert_eq(kvm_snapshot(kd, snap), 0, "%s", kvm_geterr(kd));
	ks = open_ok(snap);
	di = kvm_getdominfo(ks);
	cr_assert_not_null(di, "%s", kvm_geterr(ks));
	cr_expect_eq(di->di_state, KVM_DOM_SNAPSHOT);
	cr_expect_eq(di->di_nprocs, 0);
	cr_expect_neq(di->di_snapshot_ns, 0);
	p = kvm_getdomprocs(ks, &n);
	cr_assert_not_null(p, "%s", kvm_geterr(ks));
	cr_assert_eq(n, 3);
	cr_expect_eq(p[0].dp_state, KVM_PROC_ATTACHED);
	cr_expect_eq(p[1].dp_state, KVM_PROC_EXITED);
	cr_expect_eq(p[2].dp_state, KVM_PROC_ATTACHED, "a snapshot's locks mean nothing");
	domfix_unhold(holder);
	kvm_close(ks);
	kvm_close(kd);
	free(snap);
	domfix_remove(path, "snap");
	domfix_free(&f);
}

/* Slot 0 is this process as it is; slot 1 has its pid but another start time (a reused
 * pid), slot 2 another PID namespace: only slot 0 is here and gives its arguments. */
Test(procs, a_holder_here_is_flagged_and_gives_its_arguments)
{
	struct domfix f;
	struct pcpu_dom_proc *p;
	unsigned int held[] = {0, 1, 2};
	const struct kvm_domproc *dp;
	char *path, **argv;
	pid_t holder;
	kvm_t *kd;
	int n = 0;

	cr_assert_eq(domfix_init(&f, 2, 2), 0);
	for (unsigned int i = 0; i < 3; i++) {
		p = domfix_proc(&f, i, PCPU_PROC_ATTACHED, getpid());
		p->pidns = pcpu_self_pidns();
		p->start = pcpu_proc_start_time(getpid());
	}
	p = (struct pcpu_dom_proc *)(f.buf + f.hdr->proc_off);
	p[1].start += 1;
	p[2].pidns += 1;
	path = domfix_save(&f);
	cr_assert_not_null(path);
	holder = domfix_hold(path, held, 3);
	cr_assert_gt(holder, 0);
	kd = open_ok(path);
	dp = kvm_getdomprocs(kd, &n);
	cr_assert_not_null(dp, "%s", kvm_geterr(kd));
	cr_assert_eq(n, 3);
	cr_expect(dp[0].dp_flags & KVM_PROCF_HERE);
	cr_expect_not(dp[1].dp_flags & KVM_PROCF_HERE, "a reused pid is not the holder");
	cr_expect_not(dp[2].dp_flags & KVM_PROCF_HERE, "another PID namespace");
	argv = kvm_getdomargv(kd, &dp[0], 0);
	cr_assert_not_null(argv, "%s", kvm_geterr(kd));
	cr_assert_not_null(argv[0]);
	cr_expect_str_eq(argv[0], program_invocation_name);
	argv = kvm_getdomargv(kd, &dp[0], 4);
	cr_assert_not_null(argv);
	cr_expect_eq(strlen(argv[0]), 4, "nchr bounds what is read: \"%s\"", argv[0]);
	cr_expect_null(argv[1]);
	errno = 0;
	cr_expect_null(kvm_getdomargv(kd, &dp[1], 0));
	cr_expect_eq(errno, ESRCH);
	kvm_close(kd);
	domfix_unhold(holder);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(procs, kernel_target_has_no_processes_enotsup)
{
	kvm_t *kd = kvm_openfiles(NULL, NULL, NULL, O_RDONLY, NULL);
	int n;

	cr_assert_not_null(kd);
	cr_expect_null(kvm_getdominfo(kd));
	cr_expect_eq(errno, ENOTSUP);
	cr_expect_null(kvm_getdomprocs(kd, &n));
	cr_expect_eq(errno, ENOTSUP);
	kvm_close(kd);
}

Test(procs, getdomprocs_without_cnt_fails_einval)
{
	struct domfix f;
	char *path = three_slots(&f);
	kvm_t *kd = open_ok(path);

	cr_expect_null(kvm_getdomprocs(kd, NULL));
	cr_expect_eq(errno, EINVAL);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(reclaim, a_held_domain_is_kept_ebusy_and_removed_once_its_holder_died)
{
	struct domfix f;
	char *path = three_slots(&f);
	unsigned int held[] = {2};
	pid_t holder = domfix_hold(path, held, 1);

	cr_assert_gt(holder, 0);
	errno = 0;
	cr_expect_eq(kvm_domain_reclaim(path), -1);
	cr_expect_eq(errno, EBUSY);
	cr_expect_eq(access(path, F_OK), 0);
	domfix_unhold(holder);
	cr_expect_eq(kvm_domain_reclaim(path), 0, "%s", strerror(errno));
	cr_expect_eq(access(path, F_OK), -1, "removed");
	errno = 0;
	cr_expect_eq(kvm_domain_reclaim(path), -1);
	cr_expect_eq(errno, ENOENT);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

/* A fixture domain broken by breakit is kept by kvm_domain_reclaim with EEXIST. */
static void expect_kept(void (*breakit)(struct domfix *))
{
	struct domfix f;
	char *path;

	cr_assert_eq(domfix_init(&f, 1, 1), 0);
	breakit(&f);
	path = domfix_save(&f);
	cr_expect_eq(kvm_domain_reclaim(path), -1);
	cr_expect_eq(errno, EEXIST);
	cr_expect_eq(access(path, F_OK), 0);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

static void make_snapshot(struct domfix *f)
{
	f->hdr->flags |= PCPU_DOM_F_SNAPSHOT;
}

static void clear_magic(struct domfix *f)
{
	memset(f->hdr->magic, 0, sizeof(f->hdr->magic));
}

Test(reclaim, a_snapshot_is_kept_eexist)
{
	expect_kept(make_snapshot);
}

Test(reclaim, a_file_without_the_magic_but_with_content_is_kept_eexist)
{
	expect_kept(clear_magic);
}

Test(reclaim, the_leftover_of_a_creator_killed_before_the_magic_is_removed)
{
	struct pcpu_dom_header h = {.writer_pid = 4242, .writer_start = 99};
	struct domfix f = {.buf = (unsigned char *)&h, .len = sizeof(h)};
	char *path = domfix_save(&f);

	/* A creator stores its identity, then the magic: killed between, it leaves this. */
	cr_assert_not_null(path);
	cr_expect_eq(kvm_domain_reclaim(path), 0, "%s", strerror(errno));
	cr_expect_eq(access(path, F_OK), -1);
	domfix_remove(path, NULL);
}

Test(reclaim, a_symlink_is_refused_eloop_and_null_einval)
{
	const char *dir = test_tmpdir();
	char *link = test_path(dir, "link");

	cr_assert_eq(symlink("/etc/passwd", link), 0);
	cr_expect_eq(kvm_domain_reclaim(link), -1);
	cr_expect_eq(errno, ELOOP);
	cr_expect_eq(access("/etc/passwd", F_OK), 0);
	cr_expect_eq(kvm_domain_reclaim(NULL), -1);
	cr_expect_eq(errno, EINVAL);
	unlink(link);
	rmdir(dir);
	free(link);
}
