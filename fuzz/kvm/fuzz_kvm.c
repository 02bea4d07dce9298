/*
 * libFuzzer target for the reader: the input is a domain file. It is written to a private
 * file, opened with kvm_openfiles, and every reader call runs on it: the per-CPU calls,
 * nlist, reads at the addresses found, every symbol's total and metadata, the domain's
 * state and process table, a snapshot, and the cache clear and re-check.
 * Further addresses, a CPU and a size come from writer_private (offset 2048), which the
 * reader never interprets, so mutations there steer the calls without breaking the
 * header. Any crash, sanitizer report or hang is a bug: every byte is untrusted.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "format/domain_format.h"

static char dir[200], path[256], snap[256];
static int fd = -1;

/* libFuzzer ends with exit(): remove the private directory then, or every run leaves one
 * in /dev/shm. */
static void cleanup(void)
{
	unlink(snap);
	unlink(path);
	rmdir(dir);
}

static int prepare(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(dir, sizeof(dir), "%s/pcpu-fuzz-kvm.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		return -1;
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/domain", dir);
	snprintf(snap, sizeof(snap), "%s/snap", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -1 : 0;
}

struct steer {
	uint64_t addr[2];
	uint32_t cpu;
	uint16_t size;
};

static void free_pcpu(void *p)
{
	if (p != NULL && p != (void *)-1)
		free(p);
}

static void per_cpu_calls(kvm_t *kd, const struct steer *st)
{
	int maxcpu = kvm_getmaxcpu(kd);
	long cp[CPUSTATES];

	kvm_getncpus(kd);
	kvm_getcptime(kd, cp);
	free_pcpu(kvm_getpcpu(kd, 0));
	free_pcpu(kvm_getpcpu(kd, maxcpu - 1));
	free_pcpu(kvm_getpcpu(kd, (int)st->cpu));
	kvm_dpcpu_setcpu(kd, st->cpu);
}

static void address_calls(kvm_t *kd, uint64_t addr, const struct steer *st)
{
	unsigned char buf[65536];

	kvm_read(kd, addr, buf, st->size);
	kvm_read_zpcpu(kd, addr, buf, st->size, (int)st->cpu);
	kvm_read_zpcpu(kd, addr, buf, 8, 0);
	kvm_counter_u64_fetch(kd, addr);
}

/* Touches every byte of a metadata answer, so that a sanitizer sees a bad one. */
static size_t meta_bytes(kvm_t *kd, const struct kvm_sym *ks)
{
	struct kvm_symmeta m;
	size_t n;

	if (kvm_sym_meta(kd, ks, &m) != 0)
		return strlen(kvm_geterr(kd));
	n = strlen(m.km_family) + strlen(m.km_unit) + strlen(m.km_help) + (size_t)m.km_type;
	for (int i = 0; i < m.km_nlabels; i++)
		n += strlen(m.km_labels[i].kl_name) + strlen(m.km_labels[i].kl_value);
	for (int i = 0; i < m.km_nbounds; i++)
		n += (size_t)m.km_bounds[i];
	return n + (size_t)(m.km_scale > 1);
}

/* Every symbol the walker passes is totalled and its metadata read, and a forged one
 * too (whose wrong index makes kvm_sym_meta search the table). */
static int total_each(const struct kvm_sym *ks, void *kd)
{
	struct kvm_sym forged = *ks;
	uint64_t total;
	volatile size_t sink = strlen(ks->ks_name);

	kvm_sym_total(kd, ks, 1, &total);
	sink += meta_bytes(kd, ks);
	forged.ks_size = 8;
	forged.ks_flags |= KVM_SYMF_INTEGER;
	forged.ks_index = ks->ks_index + 1;
	kvm_sym_total(kd, &forged, 1, &total);
	sink += meta_bytes(kd, &forged);
	(void)sink;
	return 0;
}

static void symbol_calls(kvm_t *kd, const struct kvm_domproc *p, int n)
{
	kvm_walk_syms(kd, total_each, kd);
	for (int i = 0; p != NULL && i < n; i++)
		kvm_getdomargv(kd, &p[i], 16);
}

/* Touches every byte of the answers, so that a sanitizer sees a bad one. */
static void domain_calls(kvm_t *kd)
{
	const struct kvm_dominfo *di = kvm_getdominfo(kd);
	const struct kvm_domproc *p;
	volatile size_t sink = 0;
	int n = 0;

	if (di != NULL)
		sink += strlen(di->di_name) + strlen(di->di_progname) + (size_t)di->di_nprocs;
	p = kvm_getdomprocs(kd, &n);
	for (int i = 0; p != NULL && i < n; i++)
		sink += strlen(p[i].dp_comm) + (size_t)p[i].dp_state + p[i].dp_slot;
	(void)sink;
	symbol_calls(kd, p, n);
}

static void reader_calls(kvm_t *kd, const struct steer *st)
{
	struct nlist nl[] = {{.n_name = "hits"},   {.n_name = "requests"}, {.n_name = "zbuf"},
			     {.n_name = "config"}, {.n_name = "_x"},	   {.n_name = NULL}};

	per_cpu_calls(kd, st);
	if (kvm_nlist(kd, nl) >= 0)
		for (struct nlist *p = nl; p->n_name != NULL; p++)
			address_calls(kd, p->n_value, st);
	address_calls(kd, st->addr[0], st);
	address_calls(kd, st->addr[1], st);
	domain_calls(kd);
	unlink(snap);
	kvm_snapshot(kd, snap);
	kvm_getpcpu(NULL, 0);
	per_cpu_calls(kd, st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct steer st = {{0, 0}, 0, 8};
	char errbuf[_POSIX2_LINE_MAX];
	kvm_t *kd;

	if (fd < 0 && prepare() != 0)
		return 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	if (size >= 2048 + sizeof(st))
		memcpy(&st, data + 2048, sizeof(st));
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);
	if (kd == NULL)
		return 0;
	reader_calls(kd, &st);
	kvm_close(kd);
	return 0;
}
