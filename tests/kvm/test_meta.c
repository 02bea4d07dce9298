/*
 * kvm_sym_meta on domains built byte by byte: every field of a good entry read exactly,
 * the defaults for a symbol without one (also in a 2.0 file, and for an entry left from
 * a slot's earlier symbol), and every rule of doc/domain-format.md "Metadata" broken
 * once: -1, errno EINVAL, a message naming the field, and the defaults in *m.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/symfind.h"
#include "kvm/domfix.h"

static struct domfix f;
static struct pcpu_dom_sym *req, *hist, *depth, *plain;
static struct pcpu_dom_meta *req_m, *hist_m;

/* A labeled counter, a histogram of 3 bounds, a described DPCPU gauge and a counter
 * without metadata. */
static void build(void)
{
	uint64_t c, h, p;

	cr_assert_eq(domfix_init(&f, 2, 2), 0);
	c = domfix_zalloc(&f, PCPU_COUNTER_SIZE);
	h = domfix_zalloc(&f, 4 * PCPU_HIST_CELL_SIZE);
	p = domfix_zalloc(&f, PCPU_COUNTER_SIZE);
	req = domfix_sym(&f, "req_2xx", PCPU_SYM_COUNTER, c, 8);
	req_m = domfix_meta(&f, req, PCPU_META_COUNTER);
	strcpy(req_m->family, "http_requests");
	strcpy(req_m->help, "Requests answered, by status class \xe2\x80\x94 all of them");
	strcpy(req_m->labels[0].name, "code");
	strcpy(req_m->labels[0].value, "2xx");
	strcpy(req_m->labels[1].name, "method");
	strcpy(req_m->labels[1].value, "GET");
	req_m->nlabels = 2;
	hist = domfix_sym(&f, "latency", PCPU_SYM_HISTOGRAM, h, 4 * PCPU_HIST_CELL_SIZE);
	hist_m = domfix_meta(&f, hist, PCPU_META_HISTOGRAM);
	strcpy(hist_m->unit, "seconds");
	hist_m->scale = 1e-9;
	hist_m->nbounds = 3;
	hist_m->bounds[0] = 1000;
	hist_m->bounds[1] = 5000;
	hist_m->bounds[2] = 100000;
	depth = domfix_sym(&f, "depth", PCPU_SYM_DPCPU, f.hdr->dpcpu_addr, 8);
	strcpy(domfix_meta(&f, depth, PCPU_META_GAUGE)->unit, "bytes");
	plain = domfix_sym(&f, "plain", PCPU_SYM_COUNTER, p, 8);
}

static void setup(void)
{
	build();
}

static void teardown(void)
{
	domfix_free(&f);
}

TestSuite(meta, .init = setup, .fini = teardown);

/* Saves the fixture, opens it and reads the metadata of name: kvm_sym_meta's result,
 * with errno and the message. */
static int meta_of(const char *name, struct kvm_symmeta *m, int *err, char *msg)
{
	struct test_sym_found w = {.name = name};
	char *path = domfix_save(&f);
	kvm_t *kd;
	int r;

	cr_assert_not_null(path);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, msg);
	cr_assert_not_null(kd, "%s", msg);
	cr_assert_eq(kvm_walk_syms(kd, test_sym_pick, &w), 1, "%s is listed", name);
	memset(m, 0xa5, sizeof(*m));
	errno = 0;
	r = kvm_sym_meta(kd, &w.ks, m);
	*err = errno;
	strcpy(msg, kvm_geterr(kd));
	kvm_close(kd);
	domfix_remove(path, NULL);
	return r;
}

static void expect_defaults(const struct kvm_symmeta *m, int type)
{
	cr_expect_eq(m->km_type, type);
	cr_expect_str_empty(m->km_family);
	cr_expect_str_empty(m->km_unit);
	cr_expect_str_empty(m->km_help);
	cr_expect_eq(m->km_nlabels, 0);
	cr_expect_eq(m->km_nbounds, 0);
	cr_expect(m->km_scale == 1.0);
}

Test(meta, labeled_counter_reads_every_field)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	cr_assert_eq(meta_of("req_2xx", &m, &err, msg), 0, "%s", msg);
	cr_expect_eq(m.km_type, KVM_METRIC_COUNTER);
	cr_expect_str_eq(m.km_family, "http_requests");
	cr_expect_str_empty(m.km_unit);
	cr_expect_str_eq(m.km_help, "Requests answered, by status class \xe2\x80\x94 all of them");
	cr_expect_eq(m.km_nlabels, 2);
	cr_expect_str_eq(m.km_labels[0].kl_name, "code");
	cr_expect_str_eq(m.km_labels[0].kl_value, "2xx");
	cr_expect_str_eq(m.km_labels[1].kl_name, "method");
	cr_expect_str_eq(m.km_labels[1].kl_value, "GET");
	cr_expect(m.km_scale == 1.0, "scale 0 in the file reads as 1");
	cr_expect_eq(m.km_nbounds, 0);
}

Test(meta, bytes_after_a_strings_nul_are_not_passed_on)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	memcpy(req_m->unit, "ms\0junk", 8);
	memcpy(req_m->labels[0].value, "2xx\0\xff\x01", 7);
	cr_assert_eq(meta_of("req_2xx", &m, &err, msg), 0, "%s", msg);
	cr_expect_str_eq(m.km_unit, "ms");
	cr_expect_eq(m.km_unit[3], '\0');
	cr_expect_eq(m.km_labels[0].kl_value[4], '\0');
	cr_expect_eq(m.km_labels[0].kl_value[5], '\0');
}

Test(meta, histogram_reads_its_bounds_and_scale)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	cr_assert_eq(meta_of("latency", &m, &err, msg), 0, "%s", msg);
	cr_expect_eq(m.km_type, KVM_METRIC_HISTOGRAM);
	cr_expect_str_eq(m.km_unit, "seconds");
	cr_expect(m.km_scale == 1e-9);
	cr_assert_eq(m.km_nbounds, 3);
	cr_expect_eq(m.km_bounds[0], 1000u);
	cr_expect_eq(m.km_bounds[1], 5000u);
	cr_expect_eq(m.km_bounds[2], 100000u);
	cr_expect_eq(m.km_bounds[3], 0u);
}

Test(meta, symbols_without_metadata_get_the_defaults)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	cr_assert_eq(meta_of("plain", &m, &err, msg), 0, "%s", msg);
	expect_defaults(&m, KVM_METRIC_COUNTER);
	cr_assert_eq(meta_of("depth", &m, &err, msg), 0, "%s", msg);
	cr_expect_eq(m.km_type, KVM_METRIC_GAUGE);
	cr_expect_str_eq(m.km_unit, "bytes");
}

Test(meta, dpcpu_variable_without_metadata_is_untyped)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	memset(domfix_meta(&f, depth, 0), 0, sizeof(struct pcpu_dom_meta));
	cr_assert_eq(meta_of("depth", &m, &err, msg), 0, "%s", msg);
	expect_defaults(&m, KVM_METRIC_UNTYPED);
}

Test(meta, file_of_format_2_0_has_no_metadata)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	f.hdr->version_minor = 0;
	f.hdr->meta_off = 0;
	f.hdr->meta_cap = 0;
	cr_assert_eq(meta_of("req_2xx", &m, &err, msg), 0, "%s", msg);
	expect_defaults(&m, KVM_METRIC_COUNTER);
}

/* The slot was tombstoned and reused (its seq moved on): the entry describes the old
 * symbol, not this one. */
Test(meta, entry_of_the_slots_earlier_symbol_is_ignored)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	req->seq = 4;
	cr_assert_eq(meta_of("req_2xx", &m, &err, msg), 0, "%s", msg);
	expect_defaults(&m, KVM_METRIC_COUNTER);
	req_m->sym_seq = 4;
	cr_assert_eq(meta_of("req_2xx", &m, &err, msg), 0, "%s", msg);
	cr_expect_str_eq(m.km_family, "http_requests");
}

Test(meta, symbol_is_found_by_name_when_the_index_is_wrong)
{
	struct kvm_symmeta m;
	struct kvm_sym ks = {.ks_name = "latency", .ks_index = 0};
	char errbuf[_POSIX2_LINE_MAX];
	char *path = domfix_save(&f);
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);

	cr_assert_not_null(kd, "%s", errbuf);
	cr_expect_eq(kvm_sym_meta(kd, &ks, &m), 0, "%s", kvm_geterr(kd));
	cr_expect_eq(m.km_nbounds, 3);
	ks.ks_index = 1u << 30;
	cr_expect_eq(kvm_sym_meta(kd, &ks, &m), 0, "%s", kvm_geterr(kd));
	cr_expect_eq(m.km_type, KVM_METRIC_HISTOGRAM);
	strcpy(ks.ks_name, "nosuch");
	errno = 0;
	cr_expect_eq(kvm_sym_meta(kd, &ks, &m), -1);
	cr_expect_eq(errno, ENOENT);
	cr_expect_not_null(strstr(kvm_geterr(kd), "nosuch"), "%s", kvm_geterr(kd));
	errno = 0;
	cr_expect_eq(kvm_sym_meta(kd, NULL, &m), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(kvm_sym_meta(kd, &ks, NULL), -1);
	kvm_close(kd);
	domfix_remove(path, NULL);
}

Test(meta, entry_being_rewritten_fails_with_eagain)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	req_m->seq = 3;
	cr_expect_eq(meta_of("req_2xx", &m, &err, msg), -1);
	cr_expect_eq(err, EAGAIN);
	cr_expect_not_null(strstr(msg, "metadata entry"), "%s", msg);
}

Test(meta, kernel_target_has_no_metadata)
{
	struct kvm_sym ks = {.ks_name = "x"};
	struct kvm_symmeta m;
	kvm_t *kd = kvm_openfiles(NULL, NULL, NULL, O_RDONLY, NULL);

	cr_assert_not_null(kd);
	errno = 0;
	cr_expect_eq(kvm_sym_meta(kd, &ks, &m), -1);
	cr_expect_eq(errno, ENOTSUP);
	kvm_close(kd);
}

/* The entry of entry's symbol is broken by stmt: refused, naming field, defaults left. */
static void expect_bad(const char *sym, const char *field, int default_type)
{
	struct kvm_symmeta m;
	char msg[_POSIX2_LINE_MAX];
	int err;

	cr_expect_eq(meta_of(sym, &m, &err, msg), -1);
	cr_expect_eq(err, EINVAL, "errno %d (%s)", err, msg);
	cr_expect_not_null(strstr(msg, "bad metadata"), "message \"%s\"", msg);
	cr_expect_not_null(strstr(msg, field), "message \"%s\" does not name %s", msg, field);
	expect_defaults(&m, default_type);
}

#define BAD_WHEN(name, field, stmt)                                               \
	Test(meta, name)                                                          \
	{                                                                         \
		struct pcpu_dom_meta *m = req_m, *h = hist_m;                     \
		(void)m;                                                          \
		(void)h;                                                          \
		stmt;                                                             \
		expect_bad(m == req_m ? "req_2xx" : "latency", field,             \
			   m == req_m ? KVM_METRIC_COUNTER : KVM_METRIC_UNTYPED); \
	}

BAD_WHEN(unknown_type_is_bad, "type", m->type = 4)
BAD_WHEN(unknown_flag_is_bad, "flags", m->flags |= 0x8000)
BAD_WHEN(scale_nan_is_bad, "scale", m->scale = NAN)
BAD_WHEN(scale_infinite_is_bad, "scale", m->scale = INFINITY)
BAD_WHEN(scale_negative_is_bad, "scale", m->scale = -1)
BAD_WHEN(family_without_nul_is_bad, "family", memset(m->family, 'a', sizeof(m->family)))
BAD_WHEN(family_with_a_dash_is_bad, "family", strcpy(m->family, "http-requests"))
BAD_WHEN(family_starting_with_a_digit_is_bad, "family", strcpy(m->family, "9lives"))
BAD_WHEN(unit_with_a_space_is_bad, "unit", strcpy(m->unit, "kilo bytes"))
BAD_WHEN(unit_without_nul_is_bad, "unit", memset(m->unit, 'b', sizeof(m->unit)))
BAD_WHEN(help_without_nul_is_bad, "help", memset(m->help, 'h', sizeof(m->help)))
BAD_WHEN(help_with_a_newline_is_bad, "help", strcpy(m->help, "two\nlines"))
BAD_WHEN(help_with_an_escape_is_bad, "help", strcpy(m->help, "\x1b[31mred"))
BAD_WHEN(help_with_a_c1_control_is_bad, "help", strcpy(m->help, "x\xc2\x85y"))
BAD_WHEN(help_with_an_overlong_form_is_bad, "help", strcpy(m->help, "\xc0\xaf"))
BAD_WHEN(help_with_a_surrogate_is_bad, "help", strcpy(m->help, "\xed\xa0\x80"))
BAD_WHEN(help_beyond_u10ffff_is_bad, "help", strcpy(m->help, "\xf4\x90\x80\x80"))
BAD_WHEN(help_with_a_stray_continuation_is_bad, "help", strcpy(m->help, "a\x80"))
BAD_WHEN(help_cut_inside_a_sequence_is_bad, "help", strcpy(m->help, "a\xe2\x80"))
BAD_WHEN(five_labels_are_bad, "nlabels", m->nlabels = 5)
BAD_WHEN(label_name_with_a_colon_is_bad, "label name", strcpy(m->labels[0].name, "a:b"))
BAD_WHEN(empty_label_name_is_bad, "label name", m->labels[1].name[0] = '\0')
BAD_WHEN(reserved_label_name_is_bad, "reserved", strcpy(m->labels[0].name, "__name__"))
BAD_WHEN(label_name_without_nul_is_bad, "label name",
	 memset(m->labels[0].name, 'n', sizeof(m->labels[0].name)))
BAD_WHEN(label_value_without_nul_is_bad, "label value",
	 memset(m->labels[0].value, 'v', sizeof(m->labels[0].value)))
BAD_WHEN(label_value_with_a_tab_is_bad, "label value", strcpy(m->labels[1].value, "G\tET"))
BAD_WHEN(duplicate_label_names_are_bad, "same name", strcpy(m->labels[1].name, "code"))
BAD_WHEN(label_beyond_nlabels_is_bad, "beyond nlabels", m->nlabels = 1)
BAD_WHEN(bounds_on_a_counter_are_bad, "bounds", (m->nbounds = 1, m->bounds[0] = 5))
BAD_WHEN(histogram_type_on_a_counter_is_bad, "histogram", m->type = PCPU_META_HISTOGRAM)
BAD_WHEN(counter_type_on_a_histogram_is_bad, "histogram",
	 (m = h, h->type = PCPU_META_COUNTER, h->nbounds = 0, memset(h->bounds, 0, 24)))
BAD_WHEN(bounds_not_ascending_are_bad, "ascending", (m = h, h->bounds[2] = 5000))
BAD_WHEN(too_many_bounds_are_bad, "nbounds", (m = h, h->nbounds = 29))
BAD_WHEN(nbounds_other_than_the_size_says_is_bad, "size", (m = h, h->nbounds = 2, h->bounds[2] = 0))
BAD_WHEN(bound_beyond_nbounds_is_bad, "beyond nbounds", (m = h, h->bounds[5] = 1))
BAD_WHEN(le_label_on_a_histogram_is_bad, "\"le\"",
	 (m = h, h->nlabels = 1, strcpy(h->labels[0].name, "le"), strcpy(h->labels[0].value, "1")))

Test(meta, snapshot_keeps_the_metadata)
{
	struct test_sym_found w = {.name = "req_2xx"};
	struct kvm_symmeta m;
	char errbuf[_POSIX2_LINE_MAX];
	char *path = domfix_save(&f), *snap = strdup(path);
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf), *ks;

	cr_assert_not_null(kd, "%s", errbuf);
	strcpy(snap + strlen(snap) - strlen("domain"), "snap");
	cr_assert_eq(kvm_snapshot(kd, snap), 0, "%s", kvm_geterr(kd));
	kvm_close(kd);
	ks = kvm_openfiles(NULL, snap, NULL, O_RDONLY, errbuf);
	cr_assert_not_null(ks, "%s", errbuf);
	cr_assert_eq(kvm_walk_syms(ks, test_sym_pick, &w), 1);
	cr_assert_eq(kvm_sym_meta(ks, &w.ks, &m), 0, "%s", kvm_geterr(ks));
	cr_expect_str_eq(m.km_family, "http_requests");
	cr_expect_str_eq(m.km_labels[1].kl_value, "GET");
	kvm_close(ks);
	free(snap);
	domfix_remove(path, "snap");
}

Test(meta, histogram_is_listed_and_found_as_n_histogram)
{
	struct test_sym_found w = {.name = "latency"};
	struct nlist nl[] = {{.n_name = "latency"}, {.n_name = NULL}};
	char errbuf[_POSIX2_LINE_MAX];
	char *path = domfix_save(&f);
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);

	cr_assert_not_null(kd, "%s", errbuf);
	cr_assert_eq(kvm_walk_syms(kd, test_sym_pick, &w), 1);
	cr_expect_eq(w.ks.ks_type, N_HISTOGRAM);
	cr_expect_eq(w.ks.ks_size, 4 * PCPU_HIST_CELL_SIZE);
	cr_expect_eq(w.ks.ks_index, 1u);
	cr_expect_eq(kvm_nlist(kd, nl), 0, "%s", kvm_geterr(kd));
	cr_expect_eq(nl[0].n_type, N_HISTOGRAM);
	cr_expect_eq(nl[0].n_value, hist->addr);
	kvm_close(kd);
	domfix_remove(path, NULL);
}

/* The words of one cell on one CPU. */
static void put_cell(uint32_t cpu, unsigned int bucket, uint64_t count, uint64_t count_adj,
		     uint64_t sum, uint64_t sum_adj)
{
	uint64_t *w = (uint64_t *)domfix_at(&f, hist->addr, cpu) + 4 * bucket;

	w[PCPU_HIST_COUNT] = count;
	w[PCPU_HIST_COUNT_ADJ] = count_adj;
	w[PCPU_HIST_SUM] = sum;
	w[PCPU_HIST_SUM_ADJ] = sum_adj;
}

/* Cells on two CPUs with adjustments, as the format lays them out: each bucket is its
 * count minus adjustment over both CPUs, the sum every sum minus its adjustment. */
Test(meta, histogram_fetch_sums_cells_over_cpus_less_adjustments)
{
	static const uint64_t want[4] = {7, 0, 30, 1};
	struct test_sym_found w = {.name = "latency"};
	char errbuf[_POSIX2_LINE_MAX];
	uint64_t got[4], sum;
	char *path;
	kvm_t *kd;

	put_cell(0, 0, 5, 0, 2000, 0);
	put_cell(1, 0, 3, 1, 1500, 500);
	put_cell(0, 2, 40, 10, 900000, 0);
	put_cell(1, 3, 1, 0, 123456789, 0);
	path = domfix_save(&f);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);
	cr_assert_not_null(kd, "%s", errbuf);
	cr_assert_eq(kvm_walk_syms(kd, test_sym_pick, &w), 1);
	cr_assert_eq(kvm_histogram_fetch(kd, &w.ks, got, &sum), 0, "%s", kvm_geterr(kd));
	cr_expect_arr_eq(got, want, sizeof(want));
	cr_expect_eq(sum, 2000 + 1500 - 500 + 900000 + 123456789);
	kvm_close(kd);
	domfix_remove(path, NULL);
}
