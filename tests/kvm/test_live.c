/*
 * A domain that changes under the reader, simulated by writing to the file: growth is
 * followed by remapping, a file that shrinks gives EIO instead of SIGBUS, and a call with
 * kd == NULL makes every handle re-read and re-validate its cached header.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "kvm/domfix.h"

static struct domfix f;
static char *path;
static kvm_t *kd;
static int fd;

static void setup(void)
{
	cr_assert_eq(domfix_init(&f, 8, 8), 0);
	path = domfix_save(&f);
	cr_assert_not_null(path);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
	fd = open(path, O_RDWR | O_CLOEXEC);
	cr_assert_geq(fd, 0);
}

static void teardown(void)
{
	close(fd);
	kvm_close(kd);
	domfix_remove(path, "snap");
	domfix_free(&f);
}

TestSuite(live, .init = setup, .fini = teardown);

/* The writer's order: bytes first, then the header fields that publish them. */
static void publish(void)
{
	cr_assert_eq(pwrite(fd, f.buf, f.len, 0), (ssize_t)f.len);
}

Test(live, counter_in_a_chunk_added_after_open_is_read_after_remap)
{
	uint64_t c;

	cr_assert_eq(domfix_add_chunk(&f), 0);
	c = domfix_zalloc(&f, 8);
	for (uint32_t cpu = 0; cpu < 8; cpu++)
		*(uint64_t *)domfix_at(&f, c, cpu) = 1000 + cpu;
	publish();
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, c), 8 * 1000 + 28, "%s", kvm_geterr(kd));
	cr_expect_eq(errno, 0);
}

Test(live, values_written_after_open_are_seen)
{
	uint64_t c = domfix_zalloc(&f, 8);

	cr_expect_eq(kvm_counter_u64_fetch(kd, c), 0);
	*(uint64_t *)domfix_at(&f, c, 7) = 42;
	publish();
	cr_expect_eq(kvm_counter_u64_fetch(kd, c), 42);
}

Test(live, file_shrinking_while_mapped_gives_eio_not_sigbus)
{
	uint64_t c = domfix_zalloc(&f, 8);

	cr_assert_eq(kvm_counter_u64_fetch(kd, c), 0);
	cr_assert_eq(ftruncate(fd, 4096), 0);
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, c), 0);
	cr_expect_eq(errno, EIO);
	cr_expect_not_null(strstr(kvm_geterr(kd), "shrank to 4096"), "%s", kvm_geterr(kd));
	cr_expect_eq(kvm_getpcpu(kd, 0), (void *)-1);
	cr_expect_eq(errno, EIO);
}

/* The guard keeps one slot per mapping handle, 16 to a block: handles past the first block
 * are guarded too, and a closed handle's slot serves the next. */
Test(live, every_open_handle_is_guarded_past_the_first_block_of_slots)
{
	enum { HANDLES = 40 };
	uint64_t c = domfix_zalloc(&f, 8);
	kvm_t *more[HANDLES];

	for (int i = 0; i < HANDLES; i++) {
		more[i] = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
		cr_assert_not_null(more[i], "%s", kvm_geterr(NULL));
	}
	kvm_close(more[3]);
	more[3] = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(more[3], "%s", kvm_geterr(NULL));
	cr_assert_eq(kvm_counter_u64_fetch(more[HANDLES - 1], c), 0);
	cr_assert_eq(ftruncate(fd, 4096), 0);
	for (int i = 0; i < HANDLES; i++) {
		errno = 0;
		cr_expect_eq(kvm_counter_u64_fetch(more[i], c), 0);
		cr_expect_eq(errno, EIO, "handle %d", i);
		kvm_close(more[i]);
	}
}

Test(live, null_kd_makes_handles_revalidate_their_cache)
{
	static const char bad_magic = 'X';

	cr_assert_eq(kvm_getmaxcpu(kd), 8);
	cr_assert_eq(pwrite(fd, &bad_magic, 1, offsetof(struct pcpu_dom_header, magic)), 1);
	cr_expect_eq(kvm_getmaxcpu(kd), 8, "the cached header is used until cleared");
	cr_expect_null(kvm_getpcpu(NULL, 0));
	cr_expect_eq(kvm_getmaxcpu(kd), -1);
	cr_expect_not_null(strstr(kvm_geterr(kd), "magic"));
	cr_expect_eq(kvm_dpcpu_setcpu(NULL, 0), 0);
}

Test(live, dpcpu_cpu_survives_a_cache_clear)
{
	struct nlist nl[] = {{.n_name = "v"}, {.n_name = NULL}};

	domfix_sym(&f, "v", PCPU_SYM_DPCPU, f.hdr->dpcpu_addr, 8);
	publish();
	cr_assert_eq(kvm_dpcpu_setcpu(kd, 5), 0);
	kvm_dpcpu_setcpu(NULL, 0);
	cr_assert_eq(kvm_nlist(kd, nl), 0);
	cr_expect_eq(nl[0].n_value, f.hdr->dpcpu_addr + 5 * DOMFIX_PAGE);
}

Test(live, symbol_appended_after_open_is_found)
{
	struct nlist nl[] = {{.n_name = "late"}, {.n_name = NULL}};
	uint64_t c = domfix_zalloc(&f, 8);

	cr_assert_eq(kvm_nlist(kd, nl), 1);
	domfix_sym(&f, "late", PCPU_SYM_COUNTER, c, 8);
	publish();
	cr_assert_eq(kvm_nlist(kd, nl), 0);
	cr_expect_eq(nl[0].n_value, c);
}

Test(live, corrupt_symbol_appended_after_open_fails_nlist)
{
	struct nlist nl[] = {{.n_name = "late"}, {.n_name = NULL}};

	memset(domfix_sym(&f, "late", PCPU_SYM_COUNTER, DOMFIX_BASE, 8)->name, 'x', 96);
	publish();
	cr_expect_eq(kvm_nlist(kd, nl), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_not_null(strstr(kvm_geterr(kd), "NUL"));
}

Test(live, symbol_with_address_outside_its_region_fails_nlist)
{
	struct nlist nl[] = {{.n_name = "c"}, {.n_name = "d"}, {.n_name = NULL}};

	domfix_sym(&f, "c", PCPU_SYM_COUNTER, DOMFIX_BASE, 8);
	publish();
	cr_expect_eq(kvm_nlist(kd, nl), -1);
	cr_expect_eq(errno, EFAULT);
	cr_expect_eq(nl[0].n_type, N_UNDF);
}

static volatile sig_atomic_t theirs;

static void their_handler(int sig)
{
	(void)sig;
	theirs++;
}

/* Opens the fixture in a process that has not used kvm yet (handlers are per process,
 * and ours is installed on the first read) and truncates the file under the mapping. */
static uint64_t open_then_truncate(void)
{
	uint64_t c;

	cr_assert_eq(domfix_init(&f, 8, 8), 0);
	c = domfix_zalloc(&f, 8);
	path = domfix_save(&f);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd);
	cr_assert_eq(truncate(path, 4096), 0);
	return c;
}

/* A SIGBUS that is not a fault in one of our mappings goes to the handler we replaced. */
Test(guard, sigbus_sent_by_kill_reaches_the_previous_handler)
{
	struct sigaction sa = {.sa_handler = their_handler};
	uint64_t c;

	sigaction(SIGBUS, &sa, NULL);
	c = open_then_truncate();
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, c), 0);
	cr_expect_eq(errno, EIO);
	cr_expect_eq(theirs, 0);
	kill(getpid(), SIGBUS);
	cr_expect_eq(theirs, 1);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

/* Whether a sanitizer had a SIGBUS handler in place before ours. */
static int sanitized_sigbus(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 1;
#else
	return 0;
#endif
}

/* A real fault elsewhere still ends the process: by the default action, or through the
 * handler that was there before ours (AddressSanitizer's, which reports and exits). */
Test(guard, sigbus_fault_outside_our_mappings_still_kills)
{
	uint64_t c = open_then_truncate();
	pid_t pid;
	int status;

	cr_assert_eq(kvm_counter_u64_fetch(kd, c), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd2 = open(path, O_RDONLY);
		volatile unsigned char *p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd2, 0);

		(void)p[4096]; /* past the end of the file: a real SIGBUS */
		_exit(0);
	}
	status = test_wait_exit(pid);
	cr_expect(status == 128 + SIGBUS || (sanitized_sigbus() && status != 0),
		  "the child ended with status %d", status);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}
