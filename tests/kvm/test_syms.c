/*
 * kvm_walk_syms and kvm_sym_total on a dead domain, the same domain held by a process
 * (alive), and a snapshot of it; kvm_isdomain on what is and is not a domain.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "kvm/domfix.h"

#define MAXCPU 8u

static struct domfix f;
static char *path, *snap;
static uint64_t hits, depth, bytes, blob, cfg;

/* Symbols of every kind, a freed entry and one of an unknown kind between them. */
static void setup(void)
{
	cr_assert_eq(domfix_init(&f, MAXCPU, 2), 0);
	hits = domfix_zalloc(&f, PCPU_COUNTER_SIZE);
	depth = f.hdr->dpcpu_addr + 16;
	bytes = domfix_zalloc(&f, 2);
	blob = domfix_zalloc(&f, 24);
	cfg = domfix_zalloc(&f, 8);
	for (uint32_t cpu = 0; cpu < MAXCPU; cpu++) {
		/* A counter counts value less adjustment: 11 * cpu - cpu. */
		((uint64_t *)domfix_at(&f, hits, cpu))[PCPU_COUNTER_VALUE] = 11 * cpu;
		((uint64_t *)domfix_at(&f, hits, cpu))[PCPU_COUNTER_ADJ] = cpu;
		*(int32_t *)domfix_at(&f, depth, cpu) = -3;
		*(uint16_t *)domfix_at(&f, bytes, cpu) = 0xffff;
	}
	*(int64_t *)domfix_at(&f, cfg, 0) = -42;
	domfix_sym(&f, "hits", PCPU_SYM_COUNTER, hits, 8);
	domfix_sym(&f, "gone", PCPU_SYM_FREE, hits, 8);
	domfix_sym(&f, "depth", PCPU_SYM_DPCPU, depth, 4)->flags =
		PCPU_SYMF_INTEGER | PCPU_SYMF_SIGNED;
	domfix_sym(&f, "future", 99, hits, 8);
	domfix_sym(&f, "bytes", PCPU_SYM_ZPCPU, bytes, 2)->flags = PCPU_SYMF_INTEGER;
	domfix_sym(&f, "blob", PCPU_SYM_ZPCPU, blob, 24)->flags = 0;
	domfix_sym(&f, "cfg", PCPU_SYM_OBJECT, cfg, 8)->flags =
		PCPU_SYMF_INTEGER | PCPU_SYMF_SIGNED;
	path = domfix_save(&f);
	cr_assert_not_null(path);
	snap = strdup(path);
	strcpy(snap + strlen(snap) - strlen("domain"), "snap");
}

static void teardown(void)
{
	free(snap);
	domfix_remove(path, "snap");
	domfix_free(&f);
}

TestSuite(syms, .init = setup, .fini = teardown);

struct seen {
	struct kvm_sym s[16];
	int n;
	int stop_after; /* 0: never stop */
};

static int collect(const struct kvm_sym *ks, void *closure)
{
	struct seen *v = closure;

	cr_assert_lt(v->n, 16);
	v->s[v->n++] = *ks;
	return v->n == v->stop_after ? 7 : 0;
}

static kvm_t *open_ok(const char *p)
{
	char errbuf[_POSIX2_LINE_MAX] = "";
	kvm_t *kd = kvm_openfiles(NULL, p, NULL, O_RDONLY, errbuf);

	cr_assert_not_null(kd, "%s", errbuf);
	return kd;
}

static void expect_sym(const struct kvm_sym *s, const char *name, unsigned char type,
		       unsigned int flags, size_t size, uint64_t addr)
{
	cr_expect_str_eq(s->ks_name, name);
	cr_expect_eq(s->ks_type, type, "%s: type %u", name, s->ks_type);
	cr_expect_eq(s->ks_flags, flags, "%s: flags %#x", name, s->ks_flags);
	cr_expect_eq(s->ks_size, size, "%s: size %zu", name, s->ks_size);
	cr_expect_eq(s->ks_addr, addr, "%s", name);
}

/* The walk and the totals a reader gets from kd, whatever the domain's state. */
static void expect_all(kvm_t *kd)
{
	struct seen v = {0};
	struct kvm_sym ints[4];
	uint64_t total, all[4];

	cr_assert_eq(kvm_walk_syms(kd, collect, &v), 0, "%s", kvm_geterr(kd));
	cr_assert_eq(v.n, 5);
	expect_sym(&v.s[0], "hits", N_COUNTER, KVM_SYMF_INTEGER, 8, hits);
	expect_sym(&v.s[1], "depth", N_DPCPU, KVM_SYMF_INTEGER | KVM_SYMF_SIGNED, 4, depth);
	expect_sym(&v.s[2], "bytes", N_ZPCPU, KVM_SYMF_INTEGER, 2, bytes);
	expect_sym(&v.s[3], "blob", N_ZPCPU, 0, 24, blob);
	expect_sym(&v.s[4], "cfg", N_DATA, KVM_SYMF_INTEGER | KVM_SYMF_SIGNED, 8, cfg);

	cr_assert_eq(kvm_sym_total(kd, &v.s[0], 1, &total), 0, "%s", kvm_geterr(kd));
	cr_expect_eq(total, 10 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
	cr_assert_eq(kvm_sym_total(kd, &v.s[1], 1, &total), 0, "%s", kvm_geterr(kd));
	cr_expect_eq((int64_t)total, -3 * (int64_t)MAXCPU);
	cr_assert_eq(kvm_sym_total(kd, &v.s[2], 1, &total), 0, "%s", kvm_geterr(kd));
	cr_expect_eq(total, 0xffffu * MAXCPU, "no sign, no wrap at 16 bits: %lu",
		     (unsigned long)total);
	cr_assert_eq(kvm_sym_total(kd, &v.s[4], 1, &total), 0, "%s", kvm_geterr(kd));
	cr_expect_eq((int64_t)total, -42, "an object has one value, not one per CPU");

	ints[0] = v.s[4];
	ints[1] = v.s[0];
	ints[2] = v.s[2];
	ints[3] = v.s[1];
	cr_assert_eq(kvm_sym_total(kd, ints, 4, all), 0, "%s", kvm_geterr(kd));
	cr_expect_eq((int64_t)all[0], -42);
	cr_expect_eq(all[1], 10 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
	cr_expect_eq(all[2], 0xffffu * MAXCPU);
	cr_expect_eq((int64_t)all[3], -3 * (int64_t)MAXCPU);
	cr_expect_eq(kvm_sym_total(kd, ints, 0, NULL), 0);

	for (int cpu = 0; cpu < (int)MAXCPU; cpu++) {
		cr_assert_eq(kvm_sym_cpu(kd, ints, 4, cpu, all), 0, "%s", kvm_geterr(kd));
		cr_expect_eq((int64_t)all[0], -42, "an object is the same on every CPU");
		cr_expect_eq(all[1], 10u * (unsigned)cpu, "cpu %d: value less adjustment", cpu);
		cr_expect_eq(all[2], 0xffffu);
		cr_expect_eq((int64_t)all[3], -3);
	}
	errno = 0;
	cr_expect_eq(kvm_sym_cpu(kd, ints, 1, (int)MAXCPU, all), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(kvm_sym_cpu(kd, ints, 1, -1, all), -1);
	cr_expect_eq(errno, EINVAL);

	errno = 0;
	cr_expect_eq(kvm_sym_total(kd, &v.s[2], 2, all), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect(strstr(kvm_geterr(kd), "\"blob\" is not an integer") != NULL, "%s",
		  kvm_geterr(kd));
}

Test(syms, a_dead_domain_lists_and_sums_every_known_symbol)
{
	kvm_t *kd = open_ok(path);

	cr_assert_eq(kvm_getdominfo(kd)->di_state, KVM_DOM_DEAD);
	expect_all(kd);
	kvm_close(kd);
}

Test(syms, a_live_domain_lists_and_sums_the_same)
{
	unsigned int held[] = {0};
	pid_t holder;
	kvm_t *kd;

	domfix_proc(&f, 0, PCPU_PROC_ATTACHED, 100);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(domfix_write(&f, path), 0);
	holder = domfix_hold(path, held, 1);
	cr_assert_gt(holder, 0);
	kd = open_ok(path);
	cr_assert_eq(kvm_getdominfo(kd)->di_state, KVM_DOM_ALIVE);
	expect_all(kd);
	kvm_close(kd);
	domfix_unhold(holder);
}

Test(syms, a_snapshot_lists_and_sums_the_same)
{
	kvm_t *kd = open_ok(path), *sk;

	cr_assert_eq(kvm_snapshot(kd, snap), 0, "%s", kvm_geterr(kd));
	kvm_close(kd);
	sk = open_ok(snap);
	cr_assert_eq(kvm_getdominfo(sk)->di_state, KVM_DOM_SNAPSHOT);
	expect_all(sk);
	kvm_close(sk);
}

Test(syms, a_symbol_added_after_the_open_is_walked)
{
	kvm_t *kd = open_ok(path);
	struct pcpu_dom_sym *s = domfix_sym(&f, "late", PCPU_SYM_COUNTER, hits, 8);
	uint32_t count = f.hdr->sym_count;
	int fd = open(path, O_WRONLY);
	struct seen v = {0};

	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, s, sizeof(*s), (off_t)((unsigned char *)s - f.buf)),
		     (ssize_t)sizeof(*s));
	cr_assert_eq(pwrite(fd, &count, sizeof(count), offsetof(struct pcpu_dom_header, sym_count)),
		     (ssize_t)sizeof(count));
	close(fd);
	cr_assert_eq(kvm_walk_syms(kd, collect, &v), 0, "%s", kvm_geterr(kd));
	cr_assert_eq(v.n, 6);
	expect_sym(&v.s[5], "late", N_COUNTER, KVM_SYMF_INTEGER, 8, hits);
	kvm_close(kd);
}

Test(syms, a_non_zero_return_stops_the_walk_and_is_returned)
{
	kvm_t *kd = open_ok(path);
	struct seen v = {.stop_after = 2};

	cr_expect_eq(kvm_walk_syms(kd, collect, &v), 7);
	cr_expect_eq(v.n, 2);
	kvm_close(kd);
}

Test(syms, a_symbol_out_of_its_area_fails_the_walk)
{
	kvm_t *kd;
	struct seen v = {0};

	domfix_sym(&f, "astray", PCPU_SYM_DPCPU, hits, 8)->flags = PCPU_SYMF_INTEGER;
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(domfix_write(&f, path), 0);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd);
	errno = 0;
	cr_expect_eq(kvm_walk_syms(kd, collect, &v), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect(strstr(kvm_geterr(kd), "\"astray\"") != NULL, "%s", kvm_geterr(kd));
	kvm_close(kd);
}

Test(syms, the_running_kernel_has_no_symbols)
{
	kvm_t *kd = kvm_openfiles(NULL, NULL, NULL, O_RDONLY, NULL);
	struct kvm_sym ks = {.ks_type = N_COUNTER, .ks_flags = KVM_SYMF_INTEGER, .ks_size = 8};
	struct seen v = {0};
	uint64_t total;

	cr_assert_not_null(kd);
	cr_expect_eq(kvm_walk_syms(kd, collect, &v), -1);
	cr_expect_eq(errno, ENOTSUP);
	cr_expect_eq(kvm_sym_total(kd, &ks, 1, &total), -1);
	cr_expect_eq(errno, ENOTSUP);
	cr_expect_eq(kvm_walk_syms(NULL, collect, &v), -1);
	cr_expect_eq(errno, EINVAL);
	kvm_close(kd);
}

Test(syms, isdomain_knows_a_domain_by_its_magic)
{
	char other[] = "/tmp/pcpu-notdom-XXXXXX";
	int fd = open(path, O_RDONLY), nd = mkstemp(other), dir = open("/tmp", O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_geq(nd, 0);
	cr_assert_eq(write(nd, "PCPUDOM?", 8), 8);
	cr_expect_eq(kvm_isdomain(fd), 1);
	cr_expect_eq(kvm_isdomain(nd), 0);
	cr_expect_eq(kvm_isdomain(dir), 0);
	cr_expect_eq(kvm_isdomain(-1), 0);
	close(fd);
	close(nd);
	close(dir);
	unlink(other);
}
