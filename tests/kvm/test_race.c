/*
 * A reader racing a writer (another thread, through its own shared mapping of the
 * file) that creates a domain, grows it chunk by chunk and rewrites a symbol slot, each
 * by the writer halves of format/publish.h with the other stores in between spread out
 * by yields, and rewrites a metadata entry. The reader must only ever see a consistent
 * domain, or one not there yet: no file, an empty one, no magic yet, or "not ready"
 * (EAGAIN). Any other error, or a value that mixes two states, fails.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "format/publish.h"
#include "format/snapshot.h"
#include "kvm/domfix.h"

#define MAXCPU 4u
#define ROUNDS 40
#define CHUNKS 24
#define REWRITES 20000
/* Reads of a 1024-byte entry, each of 128 atomic loads that ThreadSanitizer makes slow. */
#ifdef __SANITIZE_THREAD__
#define REDESCRIBES 2000
#define SNAPSHOTS 50
#else
#define REDESCRIBES 20000
#define SNAPSHOTS 500
#endif

/* The writer's stores are whole aligned words, as the reader's loads are, with yields
 * in between so that the reader meets every intermediate state. */
static void store_words(unsigned char *dst, const unsigned char *src, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v;

		memcpy(&v, src + i, 8);
		__atomic_store_n((uint64_t *)(void *)(dst + i), v, __ATOMIC_RELAXED);
		if (i % 512 == 0)
			sched_yield();
	}
}

static unsigned char *map_rw(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

/* The failures of a domain that is not there yet. */
static bool not_yet(const char *msg, int err)
{
	return err == ENOENT || (err == EAGAIN && strstr(msg, "not ready")) ||
	       (err == EINVAL && (strstr(msg, "truncated") || strstr(msg, "wrong magic")));
}

/* ---- creation ---- */

struct create {
	struct domfix *f;
	char path[4096];
	volatile int go;
};

/* As pcpu_domain_init_header does it: sized, magic, the rest, ready last. */
static void *create_writer(void *arg)
{
	struct create *c = arg;
	struct pcpu_dom_header *img = c->f->hdr;
	int fd;
	unsigned char *m;

	while (!__atomic_load_n(&c->go, __ATOMIC_ACQUIRE))
		sched_yield();
	fd = open(c->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	sched_yield();
	cr_assert_eq(ftruncate(fd, (off_t)c->f->len), 0);
	m = map_rw(fd, c->f->len);
	store_words(m + offsetof(struct pcpu_dom_header, magic), (unsigned char *)img->magic, 8);
	store_words(m + PCPU_DOM_HDR_SIZE, c->f->buf + PCPU_DOM_HDR_SIZE,
		    c->f->len - PCPU_DOM_HDR_SIZE);
	store_words(m, c->f->buf, offsetof(struct pcpu_dom_header, magic));
	store_words(m + offsetof(struct pcpu_dom_header, magic) + 8,
		    c->f->buf + offsetof(struct pcpu_dom_header, magic) + 8,
		    PCPU_DOM_HDR_SIZE - offsetof(struct pcpu_dom_header, magic) - 8);
	pcpu_pub_ready((struct pcpu_dom_header *)m);
	munmap(m, c->f->len);
	close(fd);
	return NULL;
}

Test(race, a_reader_racing_creation_sees_a_whole_domain_or_none_yet, .timeout = 120)
{
	struct domfix f;
	uint64_t hits;
	int early = 0;

	cr_assert_eq(domfix_init(&f, MAXCPU, MAXCPU), 0);
	hits = domfix_zalloc(&f, 8);
	for (uint32_t cpu = 0; cpu < MAXCPU; cpu++)
		*(uint64_t *)domfix_at(&f, hits, cpu) = 7;
	domfix_sym(&f, "hits", PCPU_SYM_COUNTER, hits, 8);
	f.hdr->ready = 0; /* the writer thread publishes it */
	for (int round = 0; round < ROUNDS; round++) {
		struct create c = {.f = &f};
		struct nlist nl[] = {{.n_name = "hits"}, {.n_name = NULL}};
		char errbuf[_POSIX2_LINE_MAX];
		pthread_t w;
		kvm_t *kd = NULL;

		snprintf(c.path, sizeof(c.path), "%s/race%d", test_tmpdir(), round);
		cr_assert_eq(pthread_create(&w, NULL, create_writer, &c), 0);
		__atomic_store_n(&c.go, 1, __ATOMIC_RELEASE);
		while (kd == NULL) {
			errbuf[0] = '\0';
			kd = kvm_openfiles(NULL, c.path, NULL, O_RDONLY, errbuf);
			if (kd == NULL) {
				cr_assert(not_yet(errbuf, errno), "round %d: errno %d: %s", round,
					  errno, errbuf);
				early++;
			}
		}
		pthread_join(w, NULL);
		cr_assert_eq(kvm_getmaxcpu(kd), (int)MAXCPU);
		cr_assert_eq(kvm_nlist(kd, nl), 0, "%s", kvm_geterr(kd));
		cr_assert_eq(kvm_counter_u64_fetch(kd, nl[0].n_value), 7 * MAXCPU);
		kvm_close(kd);
		unlink(c.path);
	}
	cr_log_info("%d opens of a domain not there yet", early);
	domfix_free(&f);
}

/* ---- growth ---- */

struct grow {
	struct domfix *f;
	int fd;
	unsigned char *m; /* the writer's mapping of the final size */
	uint32_t nsyms0;  /* symbols published at the start */
};

/* As the arena's grow and pcpu_sym_add_locked do it, a chunk and its counter a time. */
static void *grow_writer(void *arg)
{
	struct grow *g = arg;
	const struct pcpu_dom_header *img = g->f->hdr;
	struct pcpu_dom_header *h = (struct pcpu_dom_header *)g->m;
	const unsigned char *syms = g->f->buf + img->sym_off;

	for (uint32_t k = 1; k < img->nchunks; k++) {
		uint64_t at = img->chunk_off[k], len = (uint64_t)img->stride * img->maxcpu;
		uint32_t s = g->nsyms0 + k - 1;

		cr_assert_eq(ftruncate(g->fd, (off_t)(at + len)), 0);
		store_words(g->m + at, g->f->buf + at, len);
		__atomic_store_n(&h->chunk_off[k], at, __ATOMIC_RELAXED);
		pcpu_pub_grow(h, at + len, k + 1);
		store_words(g->m + img->sym_off + s * sizeof(struct pcpu_dom_sym),
			    syms + s * sizeof(struct pcpu_dom_sym), sizeof(struct pcpu_dom_sym));
		pcpu_pub_sym_count(h, s + 1);
	}
	return NULL;
}

struct check {
	kvm_t *kd;
	int n;
	const char *error; /* what went wrong, NULL when nothing */
	char why[256];
};

/* Each counter "cK" lives in chunk K and holds K + 1 on every CPU. */
static int check_counter(const struct kvm_sym *ks, void *arg)
{
	struct check *c = arg;
	uint64_t total;
	unsigned int k;

	if (sscanf(ks->ks_name, "c%u", &k) != 1 || ks->ks_type != N_COUNTER) {
		snprintf(c->why, sizeof(c->why), "symbol \"%s\" type %u", ks->ks_name, ks->ks_type);
		return 1;
	}
	if (kvm_sym_total(c->kd, ks, 1, &total) != 0) {
		snprintf(c->why, sizeof(c->why), "%s: %s", ks->ks_name, kvm_geterr(c->kd));
		return 1;
	}
	if (total != (uint64_t)(k + 1) * MAXCPU) {
		snprintf(c->why, sizeof(c->why), "%s: total %lu", ks->ks_name,
			 (unsigned long)total);
		return 1;
	}
	c->n++;
	return 0;
}

Test(race, a_reader_racing_growth_sees_every_published_chunk_whole, .timeout = 120)
{
	struct domfix f;
	struct grow g = {.f = &f};
	char name[16], *path;
	size_t len0 = 0, lenmax;
	pthread_t w;
	kvm_t *kd;
	int last = 0;

	cr_assert_eq(domfix_init(&f, MAXCPU, MAXCPU), 0);
	for (unsigned int k = 0; k < CHUNKS; k++) {
		uint64_t c;

		if (k > 0)
			cr_assert_eq(domfix_add_chunk(&f), 0);
		c = domfix_zalloc(&f, 8);
		for (uint32_t cpu = 0; cpu < MAXCPU; cpu++)
			*(uint64_t *)domfix_at(&f, c, cpu) = k + 1;
		snprintf(name, sizeof(name), "c%u", k);
		domfix_sym(&f, name, PCPU_SYM_COUNTER, c, 8);
		if (k == 0)
			len0 = f.len;
	}
	lenmax = f.len;
	/* What is on disk at the start: chunk 0 and its counter. */
	g.nsyms0 = 1;
	f.hdr->nchunks = 1;
	f.hdr->sym_count = 1;
	f.hdr->file_size = len0;
	f.len = len0;
	path = domfix_save(&f);
	cr_assert_not_null(path);
	f.hdr->nchunks = CHUNKS;
	f.hdr->sym_count = CHUNKS;
	f.len = lenmax;
	g.fd = open(path, O_RDWR);
	cr_assert_geq(g.fd, 0);
	g.m = map_rw(g.fd, lenmax);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
	cr_assert_eq(pthread_create(&w, NULL, grow_writer, &g), 0);
	while (last < CHUNKS) {
		struct check c = {.kd = kd};

		cr_assert_eq(kvm_walk_syms(kd, check_counter, &c), 0, "after %d counters: %s%s",
			     c.n, c.why, c.why[0] ? "" : kvm_geterr(kd));
		cr_assert_geq(c.n, last, "a published counter went away");
		last = c.n;
	}
	pthread_join(w, NULL);
	kvm_close(kd);
	munmap(g.m, lenmax);
	close(g.fd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

/* ---- slot reuse ---- */

struct reuse {
	unsigned char *m;
	struct pcpu_dom_sym *slot; /* in the writer's mapping */
	struct pcpu_dom_sym a, b;  /* the two lives of the slot */
	int stop;
};

/* As pcpu_sym_drop_range_locked then pcpu_sym_add_locked reuse a slot. */
static void *reuse_writer(void *arg)
{
	struct reuse *r = arg;

	for (unsigned long i = 0; !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); i++) {
		const struct pcpu_dom_sym *next = i % 2 ? &r->a : &r->b;

		struct pcpu_dom_sym gone = *r->slot;

		gone.kind = PCPU_SYM_FREE;
		pcpu_sym_rewrite(r->slot, &gone);
		pcpu_sym_rewrite(r->slot, next);
	}
	return NULL;
}

struct seen {
	const struct reuse *r;
	uint64_t addr_a, addr_b;
	int bad;
	char why[256];
};

static int check_life(const struct kvm_sym *ks, void *arg)
{
	struct seen *s = arg;
	int is_a = strcmp(ks->ks_name, s->r->a.name) == 0,
	    is_b = !is_a && strcmp(ks->ks_name, s->r->b.name) == 0;

	if ((is_a && ks->ks_addr == s->addr_a && ks->ks_size == s->r->a.size) ||
	    (is_b && ks->ks_addr == s->addr_b && ks->ks_size == s->r->b.size) ||
	    strcmp(ks->ks_name, "keep") == 0)
		return 0;
	snprintf(s->why, sizeof(s->why), "\"%s\" at %#lx, %zu bytes: a torn entry", ks->ks_name,
		 ks->ks_addr, ks->ks_size);
	s->bad = 1;
	return 1;
}

Test(race, a_reader_racing_slot_reuse_sees_one_life_of_the_slot_or_none, .timeout = 120)
{
	struct domfix f;
	struct reuse r = {0};
	struct seen s = {.r = &r};
	uint64_t a, b;
	char *path;
	pthread_t w;
	kvm_t *kd;
	int fd;

	cr_assert_eq(domfix_init(&f, MAXCPU, MAXCPU), 0);
	a = domfix_zalloc(&f, 8);
	b = domfix_zalloc(&f, 64);
	domfix_sym(&f, "keep", PCPU_SYM_COUNTER, a, 8);
	r.a = *domfix_sym(&f, "alpha_counter_with_a_long_name", PCPU_SYM_COUNTER, a, 8);
	path = domfix_save(&f);
	cr_assert_not_null(path);
	r.b = r.a;
	memset(r.b.name, 0, sizeof(r.b.name));
	strcpy(r.b.name, "b");
	r.b.addr = b;
	r.b.size = 64;
	r.b.kind = PCPU_SYM_ZPCPU;
	s.addr_a = a;
	s.addr_b = b;
	fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	r.m = map_rw(fd, f.len);
	r.slot = (struct pcpu_dom_sym *)(r.m + f.hdr->sym_off) + 1;
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
	cr_assert_eq(pthread_create(&w, NULL, reuse_writer, &r), 0);
	for (int i = 0; i < REWRITES && !s.bad; i++) {
		int rc = kvm_walk_syms(kd, check_life, &s);

		cr_assert(rc == 0 || s.bad || errno == EAGAIN, "%s", kvm_geterr(kd));
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(w, NULL);
	cr_expect_eq(s.bad, 0, "%s", s.why);
	kvm_close(kd);
	munmap(r.m, f.len);
	close(fd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

/* ---- metadata rewrite ---- */

struct redescribe {
	unsigned char *map;	     /* the writer's mapping */
	struct pcpu_dom_meta *entry; /* in it */
	struct pcpu_dom_meta a, b;   /* two descriptions of one symbol */
	int stop;
};

/* As pcpu_metric_describe replaces a description, over and over; with pause, between
 * rewrites, a pause (as a writer under its lock has) that a copy can fall into. */
static void *rewrite_loop(struct redescribe *r, int pause)
{
	for (unsigned long i = 0; !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); i++) {
		pcpu_meta_rewrite(r->entry, i % 2 ? &r->a : &r->b);
		if (pause)
			sched_yield();
	}
	return NULL;
}

static void *redescribe_writer(void *arg)
{
	return rewrite_loop(arg, 0);
}

static void *pausing_redescribe_writer(void *arg)
{
	return rewrite_loop(arg, 1);
}

/* m is a or b whole: its family names the description, every other field agrees. */
static int one_description(const struct kvm_symmeta *m, const struct pcpu_dom_meta *a,
			   const struct pcpu_dom_meta *b)
{
	const struct pcpu_dom_meta *e = strcmp(m->km_family, a->family) == 0 ? a : b;

	return strcmp(m->km_family, e->family) == 0 && strcmp(m->km_help, e->help) == 0 &&
	       strcmp(m->km_unit, e->unit) == 0 && m->km_type == e->type &&
	       m->km_nlabels == e->nlabels &&
	       strcmp(m->km_labels[0].kl_value, e->labels[0].value) == 0;
}

/* A domain whose symbol "requests" has description a, b being another, and a
 * read-write mapping of it for the writer thread (r->entry, r->map). Returns its path. */
static char *redescribe_fixture(struct domfix *f, struct redescribe *r, int *fd)
{
	struct pcpu_dom_sym *sym;
	char *path;

	cr_assert_eq(domfix_init(f, MAXCPU, MAXCPU), 0);
	sym = domfix_sym(f, "requests", PCPU_SYM_COUNTER, domfix_zalloc(f, 16), 8);
	r->a = *domfix_meta(f, sym, PCPU_META_COUNTER);
	r->b = r->a;
	strcpy(r->a.family, "alpha_requests");
	memset(r->a.help, 'a', sizeof(r->a.help) - 1);
	strcpy(r->a.labels[0].name, "code");
	strcpy(r->a.labels[0].value, "2xx");
	r->a.nlabels = 1;
	strcpy(r->b.family, "beta");
	memset(r->b.help, 'b', 100);
	strcpy(r->b.unit, "bytes");
	r->b.type = PCPU_META_GAUGE;
	*domfix_meta(f, sym, PCPU_META_COUNTER) = r->a;
	path = domfix_save(f);
	cr_assert_not_null(path);
	*fd = open(path, O_RDWR);
	cr_assert_geq(*fd, 0);
	r->map = map_rw(*fd, f->len);
	r->entry = (struct pcpu_dom_meta *)(r->map + f->hdr->meta_off);
	return path;
}

/* Stops the writer and removes the fixture, and other_name (or NULL) beside it. */
static void redescribe_end(struct redescribe *r, pthread_t w, struct domfix *f, int fd, char *path,
			   const char *other_name)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	pthread_join(w, NULL);
	munmap(r->map, f->len);
	close(fd);
	domfix_remove(path, other_name);
	domfix_free(f);
}

Test(race, a_reader_racing_a_redescription_sees_one_description_whole, .timeout = 120)
{
	struct domfix f;
	struct redescribe r = {0};
	struct kvm_sym ks = {.ks_name = "requests", .ks_index = 0};
	struct kvm_symmeta m = {0};
	pthread_t w;
	kvm_t *kd;
	int fd, torn = 0;
	char *path = redescribe_fixture(&f, &r, &fd);

	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
	cr_assert_eq(pthread_create(&w, NULL, redescribe_writer, &r), 0);
	for (int i = 0; i < REDESCRIBES && !torn; i++) {
		if (kvm_sym_meta(kd, &ks, &m) != 0)
			cr_assert_eq(errno, EAGAIN, "%s", kvm_geterr(kd));
		else
			torn = !one_description(&m, &r.a, &r.b);
	}
	kvm_close(kd);
	redescribe_end(&r, w, &f, fd, path, NULL);
	cr_expect_eq(torn, 0, "family \"%s\" with help \"%.8s...\": a torn entry", m.km_family,
		     m.km_help);
}

/* A snapshot's block copy of an entry being rewritten could mix two versions with an
 * even seq; each entry is copied again whole (src/format/snapshot.c). */
Test(race, a_snapshot_taken_during_redescriptions_holds_one_description_whole, .timeout = 120)
{
	struct domfix f;
	struct redescribe r = {0};
	struct kvm_sym ks = {.ks_name = "requests", .ks_index = 0};
	struct kvm_symmeta m = {0};
	pthread_t w;
	int fd, torn = 0, taken = 0;
	char *path = redescribe_fixture(&f, &r, &fd), *snap = strdup(path);

	strcpy(snap + strlen(snap) - strlen("domain"), "snap");
	cr_assert_eq(pthread_create(&w, NULL, pausing_redescribe_writer, &r), 0);
	for (int i = 0; i < SNAPSHOTS && !torn; i++) {
		kvm_t *kd;

		unlink(snap);
		cr_assert_eq(pcpu_format_snapshot(r.map, f.len, snap), 0, "%s", strerror(errno));
		kd = kvm_openfiles(NULL, snap, NULL, O_RDONLY, NULL);
		cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
		/* Never a mix. An odd entry is kept only when the writer stayed inside a
		 * rewrite through every retry (preempted on a busy machine): EAGAIN. */
		if (kvm_sym_meta(kd, &ks, &m) == 0) {
			torn = !one_description(&m, &r.a, &r.b);
			taken++;
		} else {
			cr_assert_eq(errno, EAGAIN, "%s", kvm_geterr(kd));
		}
		kvm_close(kd);
	}
	free(snap);
	redescribe_end(&r, w, &f, fd, path, "snap");
	cr_expect_eq(torn, 0, "family \"%s\" with help \"%.8s...\": a torn entry", m.km_family,
		     m.km_help);
	cr_expect_gt(taken, 0);
}
