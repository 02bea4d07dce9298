/* The domain file: where it is, what its header says, when it goes away. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>

#include "common/testutil.h"
#include "domain/domain.h"
#include "domain/domtest.h"
#include "kcpuset/maxcpu.h"

static const char *path;

static void setup(void)
{
	path = domtest_use_private_path();
}

TestSuite(domain_file, .init = setup, .fini = domtest_cleanup);

Test(domain_file, created_0600_at_pcpu_domain_on_first_use)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), -1, "nothing before first use");
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_str_eq(pcpu_domain_path(), path);
}

Test(domain_file, header_follows_the_format)
{
	size_t len;
	struct pcpu *pc0 = pcpu_find(0);
	const struct pcpu_dom_header *h = domtest_map(path, &len);

	cr_assert_not_null(h);
	cr_assert_eq(memcmp(h->magic, PCPU_DOM_MAGIC, 8), 0);
	cr_assert_eq(h->version_major, 2);
	cr_assert_eq(h->hdr_size, 4096u);
	cr_assert_eq(h->page_size, (uint32_t)sysconf(_SC_PAGESIZE));
	cr_assert_eq(h->maxcpu, pcpu_maxcpu());
	cr_assert_eq(h->pcpu_size, 128u);
	cr_assert_eq(h->stride, 16384u);
	cr_assert_eq(h->writer_base, (uint64_t)(uintptr_t)pc0 - h->pcpu_off);
	cr_assert_leq(h->file_size, len);
	cr_assert_eq(h->writer_pid, getpid());
	cr_assert_eq(h->writer_start, pcpu_proc_start_time(getpid()));
	cr_assert_neq(h->writer_start, 0u);
	cr_assert_eq(h->ready, PCPU_DOM_READY);
	cr_assert_eq(h->nchunks, 1u);
	cr_assert_eq(h->sym_cap, PCPU_SYM_CAP);
	cr_assert_eq(h->proc_cap, PCPU_PROC_CAP);
	cr_assert_eq(h->proc_off % h->page_size, 0u);
	cr_assert_str_eq(h->name, "", "a domain given by path has no name");
	cr_assert_eq(h->chunk_off[0] % h->page_size, 0u);
	cr_assert_str_eq(h->progname, program_invocation_short_name);
	cr_assert_eq(h->snapshot_ns, 0u);
	cr_assert_eq(h->flags, 0u);
}

Test(domain_file, toc_locates_the_fixed_fields)
{
	size_t len;
	const struct pcpu_dom_header *h;
	int n = 0;

	cr_assert_not_null(pcpu_find(0));
	h = domtest_map(path, &len);
	cr_assert_not_null(h);
	for (; n < PCPU_DOM_TOC_MAX && h->toc[n].type != 0; n++) {
		const struct pcpu_dom_toc *t = &h->toc[n];
		cr_assert_leq(t->offset + PCPU_DOM_LEN(t->type), PCPU_DOM_HDR_SIZE);
		if (t->type == DOMTYPE_STRIDE)
			cr_assert_eq(*(const uint64_t *)((const char *)h + t->offset), h->stride);
		if (t->type == DOMTYPE_READY)
			cr_assert_eq(*(const uint32_t *)((const char *)h + t->offset),
				     PCPU_DOM_READY);
		if (t->type == DOMTYPE_META_OFF)
			cr_assert_eq(*(const uint64_t *)((const char *)h + t->offset), h->meta_off);
		if (t->type == DOMTYPE_META_CAP)
			cr_assert_eq(*(const uint32_t *)((const char *)h + t->offset), h->sym_cap);
	}
	cr_assert_eq(n, 18, "18 entries (16 of 2.0, 2 of 2.1) then the terminator");
	cr_assert_eq(h->version_minor, 1);
	cr_assert_neq(h->meta_off, 0u);
}

Test(domain_file, pc_dynamic_is_each_cpus_dpcpu_block)
{
	size_t len;
	const struct pcpu_dom_header *h;

	cr_assert_not_null(pcpu_find(0));
	h = domtest_map(path, &len);
	cr_assert_neq(h->dpcpu_addr, 0u);
	cr_assert_leq(h->dpcpu_size, h->stride);
	for (unsigned int c = 0; c <= mp_maxid; c++)
		cr_assert_eq(pcpu_find(c)->pc_dynamic, h->dpcpu_addr + (uint64_t)c * h->stride);
}

Test(domain_file, reader_sees_a_registered_counter_live)
{
	counter_u64_t c = counter_u64_alloc(M_NOWAIT);
	const struct pcpu_dom_header *h;
	const struct pcpu_dom_sym *s;
	size_t len;

	counter_u64_add(c, 40);
	counter_u64_add(c, 2);
	cr_assert_eq(pcpu_register("requests", c, sizeof(uint64_t)), 0);
	h = domtest_map(path, &len);
	s = domtest_sym(h, "requests");
	cr_assert_not_null(s);
	cr_assert_eq(s->kind, PCPU_SYM_COUNTER);
	cr_assert_eq(s->size, 8u);
	cr_assert_eq(s->flags, PCPU_SYMF_INTEGER);
	cr_assert_eq(domtest_counter_sum(h, s->addr), 42u);
	counter_u64_add(c, 8);
	cr_assert_eq(domtest_counter_sum(h, s->addr), 50u, "the same bytes, live");
}

/* Runs fn in a child with the current environment and returns its exit status. */
static int in_child(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		exit(0);
	}
	return test_wait_exit(pid);
}

static void create_and_exit(void)
{
	counter_u64_add(counter_u64_alloc(M_WAITOK), 7);
}

static void create_and_crash(void)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);

	pcpu_register("survivor", c, 8);
	counter_u64_add(c, 7);
	raise(SIGKILL);
}

Test(domain_file, removed_at_normal_exit)
{
	cr_assert_eq(in_child(create_and_exit), 0);
	cr_assert_eq(access(path, F_OK), -1);
	cr_assert_eq(errno, ENOENT);
}

Test(domain_file, kept_at_exit_with_pcpu_keep)
{
	setenv("PCPU_KEEP", "1", 1);
	cr_assert_eq(in_child(create_and_exit), 0);
	cr_assert_eq(access(path, F_OK), 0);
}

Test(domain_file, forked_child_exiting_does_not_remove_it)
{
	cr_assert_not_null(counter_u64_alloc(M_WAITOK));
	cr_assert_eq(in_child(create_and_exit), 0);
	cr_assert_eq(access(path, F_OK), 0);
}

Test(domain_file, stays_after_a_crash_with_the_last_values)
{
	const struct pcpu_dom_header *h;
	size_t len;

	cr_assert_eq(in_child(create_and_crash), 128 + SIGKILL);
	h = domtest_map(path, &len);
	cr_assert_not_null(h);
	cr_assert_eq(domtest_counter_sum(h, domtest_sym(h, "survivor")->addr), 7u);
}
