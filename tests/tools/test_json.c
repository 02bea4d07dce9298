/*
 * The JSON of pcpu stat, ls, nlist and read read by a real parser (python3's json), with
 * the shape asserted: per-CPU values as arrays indexed by CPU slot, and one key name for
 * one thing across the subcommands.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "kvm/domfix.h"
#include "tools/toolrun.h"

/* python_json_expect for the two outputs a and b, one line each, which it frees. */
static void check_both(struct run *a, struct run *b, const char *program, const char *expect)
{
	char *both;

	cr_assert_eq(a->status, 0, "%s", a->err);
	cr_assert_eq(b->status, 0, "%s", b->err);
	cr_assert_geq(asprintf(&both, "%s%s", a->out, b->out), 0);
	python_json_expect(both, program, expect);
	free(both);
	run_free(a);
	run_free(b);
}

/* Four CPU slots, 1 and 3 absent: per_cpu is [cpu 0, null, cpu 2], the absent slot
 * inside the range null and the one past the last present CPU left out. */
Test(tools_json, per_cpu_values_are_an_array_indexed_by_cpu_slot_with_null_for_absent_ones)
{
	struct domfix f;
	uint64_t hits;
	char *path;
	struct run r;

	cr_assert_eq(domfix_init(&f, 4, 4), 0);
	hits = domfix_zalloc(&f, PCPU_COUNTER_SIZE);
	((uint64_t *)domfix_at(&f, hits, 0))[PCPU_COUNTER_VALUE] = 10;
	((uint64_t *)domfix_at(&f, hits, 2))[PCPU_COUNTER_VALUE] = 32;
	domfix_pcpu(&f, 1)->pc_present = 0;
	domfix_pcpu(&f, 3)->pc_present = 0;
	domfix_sym(&f, "hits", PCPU_SYM_COUNTER, hits, 8);
	path = domfix_save(&f);
	cr_assert_not_null(path);
	run_pcpu(&r, "stat", "--json", "-P", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	python_json_expect(
		r.out,
		"import json,sys\n"
		"s=json.load(sys.stdin)[\"symbols\"][0]\n"
		"print(s[\"name\"], s[\"metric_type\"], s[\"total\"], json.dumps(s[\"per_cpu\"]))",
		"hits counter 42 [10, null, 32]\n");
	run_free(&r);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

/* Each symbol: exactly these keys, per_cpu a list of integers summing to the total. */
Test(tools_json, stat_gives_every_symbol_its_kind_type_total_and_per_cpu_array)
{
	struct writer w;
	struct run r;
	char expect[512];

	writer_start(&w, test_tmpdir(), 2, 5000, NULL);
	run_pcpu(&r, "stat", "--json", "-P", w.domain, "test_*", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(expect, sizeof(expect),
		 "test_balance dpcpu untyped %" PRId64 " %u\n"
		 "test_hits dpcpu untyped %" PRIu64 " %u\n"
		 "test_requests counter counter %" PRIu64 " %u\n",
		 w.balance, w.ncpus, w.hits, w.ncpus, w.requests, w.ncpus);
	python_json_expect(
		r.out,
		"import json,sys\n"
		"d=json.load(sys.stdin)\n"
		"for s in sorted(d[\"symbols\"], key=lambda s: s[\"name\"]):\n"
		"  c=s[\"per_cpu\"]\n"
		"  assert isinstance(c, list) and all(isinstance(v, int) for v in c), c\n"
		"  assert sum(c)==s[\"total\"], s\n"
		"  assert sorted(s)==[\"kind\",\"metric_type\",\"name\",\"per_cpu\",\"total\"], s\n"
		"  print(s[\"name\"], s[\"kind\"], s[\"metric_type\"], s[\"total\"], len(c))\n",
		expect);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

/* ls --json and stat --json describe a domain with the same keys and values; ls counts
 * with *_count, as "symbols" is stat's array. */
Test(tools_json, ls_and_stat_name_the_domains_fields_alike)
{
	struct writer w;
	struct run ls, st;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	run_pcpu(&ls, "ls", "--json", w.domain, NULL);
	run_pcpu(&st, "stat", "--json", w.domain, NULL);
	check_both(
		&ls, &st,
		"import json,sys\n"
		"ls,st=[json.loads(l) for l in sys.stdin]\n"
		"assert isinstance(ls, list) and len(ls)==1, ls\n"
		"d=ls[0]\n"
		"assert "
		"sorted(d)==sorted([\"path\",\"name\",\"pid\",\"program\",\"state\",\"procs\","
		"\"title\",\"size\",\"counter_count\",\"symbol_count\",\"holders\"]), sorted(d)\n"
		"k=[\"path\",\"name\",\"pid\",\"program\",\"state\",\"procs\"]\n"
		"assert [d[x] for x in k]==[st[x] for x in k], (d, st)\n"
		"assert d[\"symbol_count\"]==len(st[\"symbols\"])\n"
		"assert isinstance(d[\"holders\"], list) and "
		"d[\"holders\"][0][\"pid\"]==d[\"pid\"]\n"
		"print(d[\"state\"], d[\"counter_count\"])\n",
		"alive 2\n");
	cr_assert_eq(writer_stop(&w), 0);
}

/* An address is "address" in both: nlist's n_value is the address read dumps at. */
Test(tools_json, nlist_and_read_name_the_address_alike)
{
	struct writer w;
	struct run nl, rd;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	run_pcpu(&nl, "nlist", "--json", w.domain, "test_hits", "test_requests", NULL);
	run_pcpu(&rd, "read", "--json", w.domain, "test_hits", NULL);
	check_both(&nl, &rd,
		   "import json,sys\n"
		   "nl,rd=[json.loads(l) for l in sys.stdin]\n"
		   "assert all(sorted(x)==[\"address\",\"kind\",\"name\"] for x in nl), nl\n"
		   "assert sorted(rd)==[\"address\",\"hex\",\"length\"], rd\n"
		   "assert nl[0][\"address\"]==rd[\"address\"], (nl, rd)\n"
		   "print(\" \".join(x[\"name\"]+\"=\"+x[\"kind\"] for x in nl), rd[\"length\"])\n",
		   "test_hits=dpcpu test_requests=counter 8\n");
	cr_assert_eq(writer_stop(&w), 0);
}
