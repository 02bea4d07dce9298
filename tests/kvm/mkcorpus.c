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

/* A domain of maxcpu slots with the names the fuzzer looks up; steering words in
 * writer_private point at the counter. */
static int build(struct domfix *f, uint32_t maxcpu)
{
	uint64_t c, z, o, *steer;

	if (domfix_init(f, maxcpu, maxcpu) != 0)
		return -1;
	c = domfix_zalloc(f, 8);
	z = domfix_zalloc(f, 16);
	o = domfix_zalloc(f, 24);
	*(uint64_t *)domfix_at(f, c, 0) = 7;
	domfix_sym(f, "hits", PCPU_SYM_DPCPU, f->hdr->dpcpu_addr, 8);
	domfix_sym(f, "requests", PCPU_SYM_COUNTER, c, 8);
	domfix_sym(f, "zbuf", PCPU_SYM_ZPCPU, z, 16);
	domfix_sym(f, "config", PCPU_SYM_OBJECT, o, 24);
	steer = (uint64_t *)f->hdr->writer_private;
	steer[0] = c;
	steer[1] = z;
	return 0;
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
