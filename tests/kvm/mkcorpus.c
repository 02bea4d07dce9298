/*
 * Writes the seed corpus of fuzz/kvm: small valid domains made by the fixture, each with
 * symbols of every kind, and broken variants. Run once; the output is committed:
 *   build/tests/kvm/kvm_mkcorpus fuzz/kvm/corpus
 */
#include <stdio.h>
#include <string.h>

#include "kvm/domfix.h"

static int save(const struct domfix *f, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (domfix_write(f, path) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

/* Metadata of every kind: a labeled counter of a family, a gauge with unit and help, a
 * histogram of 2 bounds with a scale. */
static void describe(struct domfix *f, struct pcpu_dom_sym *counter, struct pcpu_dom_sym *gauge,
		     struct pcpu_dom_sym *hist)
{
	struct pcpu_dom_meta *m = domfix_meta(f, counter, PCPU_META_COUNTER);

	strcpy(m->family, "http_requests");
	strcpy(m->help, "Requests \xe2\x80\x94 answered");
	strcpy(m->labels[0].name, "code");
	strcpy(m->labels[0].value, "2xx");
	m->nlabels = 1;
	m = domfix_meta(f, gauge, PCPU_META_GAUGE);
	strcpy(m->unit, "bytes");
	strcpy(m->help, "Buffered");
	m = domfix_meta(f, hist, PCPU_META_HISTOGRAM);
	strcpy(m->unit, "seconds");
	m->scale = 1e-9;
	m->nbounds = 2;
	m->bounds[0] = 1000;
	m->bounds[1] = 1000000;
}

/* A domain of maxcpu slots with the names the fuzzer looks up, described; steering
 * words in writer_private point at the counter. */
static int build(struct domfix *f, uint32_t maxcpu)
{
	uint64_t c, z, o, h, *steer;
	struct pcpu_dom_sym *counter, *gauge, *hist;

	if (domfix_init(f, maxcpu, maxcpu) != 0)
		return -1;
	c = domfix_zalloc(f, 8);
	z = domfix_zalloc(f, 16);
	o = domfix_zalloc(f, 24);
	h = domfix_zalloc(f, 3 * PCPU_HIST_CELL_SIZE);
	*(uint64_t *)domfix_at(f, c, 0) = 7;
	domfix_sym(f, "hits", PCPU_SYM_DPCPU, f->hdr->dpcpu_addr, 8);
	counter = domfix_sym(f, "requests", PCPU_SYM_COUNTER, c, 8);
	gauge = domfix_sym(f, "zbuf", PCPU_SYM_ZPCPU, z, 16);
	domfix_sym(f, "config", PCPU_SYM_OBJECT, o, 24);
	hist = domfix_sym(f, "latency", PCPU_SYM_HISTOGRAM, h, 3 * PCPU_HIST_CELL_SIZE);
	describe(f, counter, gauge, hist);
	steer = (uint64_t *)f->hdr->writer_private;
	steer[0] = c;
	steer[1] = z;
	return 0;
}

/* The metadata entry of symbol i. */
static struct pcpu_dom_meta *meta(struct domfix *f, unsigned int i)
{
	return (struct pcpu_dom_meta *)(f->buf + f->hdr->meta_off) + i;
}

int main(int argc, char **argv)
{
	struct domfix f;
	int bad = 0;

	if (argc != 2)
		return 2;
	if (build(&f, 1) != 0)
		return 1;
	bad |= save(&f, argv[1], "valid_1cpu");
	meta(&f, 1)->help[0] = '\x1b';
	bad |= save(&f, argv[1], "broken_meta_help");
	meta(&f, 1)->help[0] = 'R';
	meta(&f, 4)->nbounds = 3;
	bad |= save(&f, argv[1], "broken_meta_nbounds");
	meta(&f, 4)->nbounds = 2;
	f.hdr->sym_count = f.hdr->sym_cap + 1;
	bad |= save(&f, argv[1], "broken_sym_count");
	f.hdr->sym_count = 4;
	f.len = 4096 + 100;
	bad |= save(&f, argv[1], "broken_truncated");
	domfix_free(&f);
	if (build(&f, 2) != 0 || domfix_add_chunk(&f) != 0)
		return 1;
	domfix_sym(&f, "_x", PCPU_SYM_COUNTER, domfix_zalloc(&f, 8), 8);
	strcpy(f.hdr->name, "web");
	domfix_proc(&f, 0, PCPU_PROC_ATTACHED, 10)->flags = PCPU_PROCF_CREATOR;
	domfix_proc(&f, 1, PCPU_PROC_DETACHED, 11)->flags = PCPU_PROCF_FORKED;
	bad |= save(&f, argv[1], "valid_2cpu_2chunks");
	f.hdr->proc_cap = PCPU_DOM_PROC_MAX;
	bad |= save(&f, argv[1], "broken_proc_cap");
	f.hdr->proc_cap = DOMFIX_PROC_CAP;
	memset(f.hdr->magic, 0, 8);
	bad |= save(&f, argv[1], "broken_magic");
	domfix_free(&f);
	return bad;
}
