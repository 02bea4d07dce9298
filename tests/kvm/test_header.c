/*
 * Every rule of doc/domain-format.md "Header fields": a file that breaks one is refused
 * by kvm_openfiles with NULL, errno EINVAL and a message naming the field.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "kvm/domfix.h"

static void expect_refused(void (*breakit)(struct domfix *), const char *field, int want_errno)
{
	struct domfix f;
	char errbuf[_POSIX2_LINE_MAX] = "";
	char *path;
	kvm_t *kd;

	cr_assert_eq(domfix_init(&f, 4, 2), 0);
	breakit(&f);
	path = domfix_save(&f);
	cr_assert_not_null(path);
	errno = 0;
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);
	cr_expect_null(kd);
	cr_expect_eq(errno, want_errno, "errno %d, want %d (%s)", errno, want_errno, errbuf);
	cr_expect_not_null(strstr(errbuf, field), "message \"%s\" does not name %s", errbuf, field);
	if (kd != NULL)
		kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

#define REFUSED_WHEN(name, field, stmt)                      \
	static void break_##name(struct domfix *f)           \
	{                                                    \
		struct pcpu_dom_header *h = f->hdr;          \
		(void)h;                                     \
		stmt;                                        \
	}                                                    \
	Test(header, name)                                   \
	{                                                    \
		expect_refused(break_##name, field, EINVAL); \
	}

static void break_not_ready(struct domfix *f)
{
	f->hdr->ready = 0;
}

/* A domain with the magic but not ready is being created: try again, not a bad file. */
Test(header, not_ready_domain_is_refused_for_now)
{
	expect_refused(break_not_ready, "not ready", EAGAIN);
}

REFUSED_WHEN(truncated_file_is_refused, "truncated", f->len = 100)
REFUSED_WHEN(wrong_magic_is_refused, "magic", h->magic[0] = 'X')
REFUSED_WHEN(newer_major_version_is_refused, "version 3.0 is newer than this reader's version 2",
	     (h->version_major = 3, h->version_minor = 0))
REFUSED_WHEN(version_1_file_is_refused, "version 1.0 is older than this reader's version 2",
	     (h->version_major = 1, h->version_minor = 0))
REFUSED_WHEN(name_without_nul_is_refused, "name not NUL-terminated",
	     memset(h->name, 'a', sizeof(h->name)))
REFUSED_WHEN(proc_cap_zero_is_refused, "proc_cap", h->proc_cap = 0)
REFUSED_WHEN(proc_cap_above_max_is_refused, "proc_cap", h->proc_cap = PCPU_DOM_PROC_MAX + 1)
REFUSED_WHEN(process_table_outside_file_is_refused, "proc_off", h->proc_off = h->file_size)
REFUSED_WHEN(process_table_unaligned_is_refused, "proc_off", h->proc_off += 64)
REFUSED_WHEN(process_table_inside_header_is_refused, "proc_off", h->proc_off = 0)
REFUSED_WHEN(process_table_overflowing_is_refused, "proc_off", h->proc_off = UINT64_MAX & ~4095ull)
REFUSED_WHEN(meta_cap_other_than_sym_cap_is_refused, "meta_cap", h->meta_cap = h->sym_cap + 1)
REFUSED_WHEN(metadata_table_outside_file_is_refused, "meta_off", h->meta_off = h->file_size)
REFUSED_WHEN(metadata_table_unaligned_is_refused, "meta_off", h->meta_off += 64)
REFUSED_WHEN(metadata_table_inside_header_is_refused, "meta_off", h->meta_off = 2048)
REFUSED_WHEN(metadata_table_overflowing_is_refused, "meta_off", h->meta_off = UINT64_MAX & ~4095ull)
REFUSED_WHEN(wrong_hdr_size_is_refused, "hdr_size", h->hdr_size = 2048)
REFUSED_WHEN(progname_without_nul_is_refused, "progname",
	     memset(h->progname, 'a', sizeof(h->progname)))
REFUSED_WHEN(toc_without_terminator_is_refused, "toc",
	     for (int i = 0; i < PCPU_DOM_TOC_MAX; i++) h->toc[i].type = DOMTYPE_MAXCPU)
REFUSED_WHEN(toc_field_past_header_is_refused, "toc[1]", h->toc[1].offset = 4094)
REFUSED_WHEN(page_size_not_power_of_two_is_refused, "page_size", h->page_size = 12288)
REFUSED_WHEN(page_size_too_small_is_refused, "page_size", h->page_size = 2048)
REFUSED_WHEN(maxcpu_zero_is_refused, "maxcpu", h->maxcpu = 0)
REFUSED_WHEN(absurd_maxcpu_is_refused, "maxcpu", h->maxcpu = 1u << 20)
REFUSED_WHEN(pcpu_size_below_struct_pcpu_is_refused, "pcpu_size", h->pcpu_size = 64)
REFUSED_WHEN(stride_zero_is_refused, "stride", h->stride = 0)
REFUSED_WHEN(stride_not_page_multiple_is_refused, "stride", h->stride = 4100)
REFUSED_WHEN(huge_stride_is_refused, "stride", h->stride = 1ull << 40)
REFUSED_WHEN(writer_base_zero_is_refused, "writer_base", h->writer_base = 0)
REFUSED_WHEN(writer_base_unaligned_is_refused, "writer_base", h->writer_base += 8)
REFUSED_WHEN(writer_base_plus_file_size_overflow_is_refused, "writer_base",
	     h->writer_base = UINT64_MAX & ~(uint64_t)4095)
REFUSED_WHEN(file_size_beyond_file_is_refused, "file_size", h->file_size += 4096)
REFUSED_WHEN(file_size_below_header_is_refused, "file_size", h->file_size = 100)
REFUSED_WHEN(pcpu_table_outside_file_is_refused, "pcpu_off", h->pcpu_off = h->file_size)
REFUSED_WHEN(pcpu_off_overflowing_is_refused, "pcpu_off", h->pcpu_off = UINT64_MAX & ~4095ull)
REFUSED_WHEN(pcpu_off_inside_header_is_refused, "pcpu_off", h->pcpu_off = 0)
REFUSED_WHEN(sym_count_above_sym_cap_is_refused, "sym_count", h->sym_count = h->sym_cap + 1)
REFUSED_WHEN(symbol_table_outside_file_is_refused, "sym_off", h->sym_cap = 1u << 30)
REFUSED_WHEN(symbol_name_without_nul_is_refused, "symbol 0",
	     memset(domfix_sym(f, "x", PCPU_SYM_OBJECT, h->writer_base, 8)->name, 'n',
		    PCPU_DOM_SYM_NAME_MAX))
REFUSED_WHEN(nchunks_above_64_is_refused, "nchunks", h->nchunks = 65)
REFUSED_WHEN(chunk_outside_file_is_refused, "chunk 0", h->chunk_off[0] = h->file_size)
REFUSED_WHEN(chunk_unaligned_is_refused, "chunk_off[0]", h->chunk_off[0] += 8)
REFUSED_WHEN(dpcpu_size_above_stride_is_refused, "dpcpu_size", h->dpcpu_size = h->stride + 1)
REFUSED_WHEN(dpcpu_block_outside_chunk_is_refused, "dpcpu_addr", h->dpcpu_addr = h->writer_base)
REFUSED_WHEN(dpcpu_block_running_into_cpu_1s_copy_is_refused, "dpcpu_addr",
	     h->dpcpu_addr = h->writer_base + h->chunk_off[0] + h->stride - 8)
REFUSED_WHEN(dpcpu_block_without_chunk_is_refused, "dpcpu_addr", h->nchunks = 0)

Test(header, valid_fixture_opens)
{
	struct domfix f;
	char errbuf[_POSIX2_LINE_MAX] = "";
	char *path;
	kvm_t *kd;

	cr_assert_eq(domfix_init(&f, 4, 2), 0);
	path = domfix_save(&f);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);
	cr_assert_not_null(kd, "%s", errbuf);
	cr_expect_eq(kvm_getmaxcpu(kd), 4);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(header, newer_minor_version_is_accepted)
{
	struct domfix f;
	char errbuf[_POSIX2_LINE_MAX] = "";
	char *path;
	kvm_t *kd;

	cr_assert_eq(domfix_init(&f, 4, 2), 0);
	f.hdr->version_minor = 7;
	f.hdr->flags |= 0x80000000u;
	path = domfix_save(&f);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);
	cr_assert_not_null(kd, "%s", errbuf);
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}
