/* kvm_snapshot: a copy of the opened domain that reads back the same, later. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/symfind.h"
#include "common/testutil.h"
#include "common/watch.h"
#include "format/snapshot.h"
#include "kvm/domfix.h"

static struct domfix f;
static char *path, *snap;
static kvm_t *kd;
static uint64_t counter;

static void setup(void)
{
	cr_assert_eq(domfix_init(&f, 16, 2), 0);
	counter = domfix_zalloc(&f, 8);
	for (uint32_t cpu = 0; cpu < 16; cpu++)
		*(uint64_t *)domfix_at(&f, counter, cpu) = cpu;
	domfix_sym(&f, "c", PCPU_SYM_COUNTER, counter, 8);
	memset(f.hdr->writer_private, 0xab, sizeof(f.hdr->writer_private));
	path = domfix_save(&f);
	cr_assert_not_null(path);
	snap = strdup(path);
	strcpy(snap + strlen(snap) - strlen("domain"), "snap");
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd);
}

static void teardown(void)
{
	kvm_close(kd);
	free(snap);
	domfix_remove(path, "snap");
	domfix_free(&f);
}

TestSuite(snapshot, .init = setup, .fini = teardown);

Test(snapshot, snapshot_reads_back_the_same_values)
{
	struct nlist nl[] = {{.n_name = "c"}, {.n_name = NULL}};
	kvm_t *sk;

	cr_assert_eq(kvm_snapshot(kd, snap), 0, "%s", kvm_geterr(kd));
	sk = kvm_openfiles(NULL, snap, NULL, O_RDONLY, NULL);
	cr_assert_not_null(sk, "%s", kvm_geterr(NULL));
	cr_assert_eq(kvm_nlist(sk, nl), 0);
	cr_expect_eq(nl[0].n_value, counter);
	cr_expect_eq(kvm_counter_u64_fetch(sk, counter), 120);
	cr_expect_eq(kvm_getmaxcpu(sk), 16);
	cr_expect_eq(kvm_getncpus(sk), 2);
	kvm_close(sk);
}

Test(snapshot, snapshot_is_flagged_dated_private_and_without_writer_state)
{
	struct pcpu_dom_header h;
	struct stat st;
	int fd;

	cr_assert_eq(kvm_snapshot(kd, snap), 0);
	fd = open(snap, O_RDONLY);
	cr_assert_eq(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	cr_assert_eq(fstat(fd, &st), 0);
	close(fd);
	cr_expect_eq(st.st_mode & 0777, 0600);
	cr_expect_eq((uint64_t)st.st_size, h.file_size);
	cr_expect(h.flags & PCPU_DOM_F_SNAPSHOT);
	cr_expect_gt(h.snapshot_ns, 0);
	for (size_t i = 0; i < sizeof(h.writer_private); i++)
		cr_assert_eq(h.writer_private[i], 0, "byte %zu", i);
}

Test(snapshot, snapshot_never_overwrites_an_existing_file)
{
	cr_assert_eq(kvm_snapshot(kd, snap), 0);
	cr_expect_eq(kvm_snapshot(kd, snap), -1);
	cr_expect_eq(errno, EEXIST);
	cr_expect_not_null(strstr(kvm_geterr(kd), snap));
}

Test(snapshot, snapshot_of_a_snapshot_reads_the_same)
{
	char *snap2 = NULL;
	kvm_t *sk;

	cr_assert_gt(asprintf(&snap2, "%s2", snap), 0);
	cr_assert_eq(kvm_snapshot(kd, snap), 0);
	sk = kvm_openfiles(NULL, snap, NULL, O_RDONLY, NULL);
	cr_assert_not_null(sk);
	cr_assert_eq(kvm_snapshot(sk, snap2), 0);
	cr_expect_eq(kvm_counter_u64_fetch(sk, counter), 120);
	kvm_close(sk);
	unlink(snap2);
	free(snap2);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

Test(snapshot, snapshot_of_a_file_that_shrank_fails_eio_and_leaves_nothing)
{
	int before = open_fds();

	cr_assert_eq(truncate(path, 4096), 0);
	cr_expect_eq(kvm_snapshot(kd, snap), -1);
	cr_expect_eq(errno, EIO);
	cr_expect_eq(access(snap, F_OK), -1, "the partial snapshot was removed");
	cr_expect_eq(open_fds(), before, "no descriptor leaked");
}

Test(snapshot, snapshot_taken_while_the_writer_grows_keeps_only_the_chunks_it_copied)
{
	size_t copied = f.len;
	kvm_t *sk;

	/* The header now announces a second chunk, but the copy stops where the writer's
	 * file_size stood when the snapshot began. */
	cr_assert_eq(domfix_add_chunk(&f), 0);
	cr_assert_eq(pcpu_format_snapshot(f.buf, copied, snap), 0);
	sk = kvm_openfiles(NULL, snap, NULL, O_RDONLY, NULL);
	cr_assert_not_null(sk, "%s", kvm_geterr(NULL));
	cr_expect_eq(kvm_counter_u64_fetch(sk, counter), 120);
	kvm_close(sk);
}

/*
 * A writer preempted twice inside pcpu_format_snapshot, by watchpoints on the words of
 * one metadata entry: once just after the block copy loaded the first word of the help,
 * where it rewrites the entry whole (help B, seq even again), and once just after the
 * block copy loaded seq, where it starts the next rewrite (seq odd) and never ends it.
 * The block copy then holds the first 8 bytes of help A and the rest of help B under an
 * even seq, and no try of the settling copy finds the entry whole.
 */
#define HELP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HELP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static struct pcpu_dom_meta *rewritten;
static int help_watch = -1, seq_watch = -1;
static volatile sig_atomic_t rewrites;

static void rewrite_on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	test_watch_arm(help_watch, 0);
	test_watch_arm(seq_watch, 0);
	if (rewrites++ == 0) {
		rewritten->seq++;
		memcpy(rewritten->help, HELP_B, sizeof(HELP_B));
		rewritten->seq++;
		test_watch_arm(seq_watch, 1);
	} else {
		rewritten->seq++;
	}
}

Test(snapshot, an_entry_no_try_finds_whole_reads_back_as_being_rewritten)
{
	struct pcpu_dom_sym *sym = (struct pcpu_dom_sym *)(f.buf + f.hdr->sym_off);
	struct test_sym_found w = {.name = "c"};
	struct kvm_symmeta m = {0};
	kvm_t *sk;
	int got;

	rewritten = domfix_meta(&f, sym, PCPU_META_COUNTER);
	memcpy(rewritten->help, HELP_A, sizeof(HELP_A));
	help_watch =
		test_watch(rewritten->help, HW_BREAKPOINT_RW, HW_BREAKPOINT_LEN_8, rewrite_on_trap);
	seq_watch =
		test_watch(&rewritten->seq, HW_BREAKPOINT_RW, HW_BREAKPOINT_LEN_8, rewrite_on_trap);
	if (help_watch < 0 || seq_watch < 0)
		cr_skip_test("no watchpoint for this process: %s", strerror(errno));
	cr_assert_eq(test_watch_arm(help_watch, 1), 0);
	cr_assert_eq(pcpu_format_snapshot(f.buf, f.len, snap), 0);
	close(help_watch);
	close(seq_watch);
	cr_assert_eq(rewrites, 2, "the writer was preempted where the test means it to be");

	sk = kvm_openfiles(NULL, snap, NULL, O_RDONLY, NULL);
	cr_assert_not_null(sk, "%s", kvm_geterr(NULL));
	cr_assert_eq(kvm_walk_syms(sk, test_sym_pick, &w), 1);
	got = kvm_sym_meta(sk, &w.ks, &m);
	cr_expect_eq(got, -1, "the entry read back whole, help \"%s\"", m.km_help);
	cr_expect_eq(errno, EAGAIN);
	cr_expect_not_null(strstr(kvm_geterr(sk), "being rewritten"), "%s", kvm_geterr(sk));
	kvm_close(sk);
}
