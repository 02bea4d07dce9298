/* pcpu nlist, read and cpus: addresses and bytes agree with stat and with the system. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

/* read's --json gives the bytes in hex; a little-endian 8-byte value. */
static uint64_t le64_of_hex(const char *json)
{
	const char *hex = strstr(json, "\"hex\":\"");
	uint64_t v = 0;

	cr_assert_not_null(hex, "%s", json);
	hex += 7;
	for (int i = 7; i >= 0; i--) {
		unsigned int byte;

		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &byte), 1);
		v = v << 8 | byte;
	}
	return v;
}

Test(tools_inspect, read_of_a_name_dumps_the_value_stat_shows_for_that_cpu)
{
	struct writer w;
	struct run st, rd, nl;
	char addr[32];

	writer_start(&w, test_tmpdir(), 2, 40000, NULL);
	run_pcpu(&st, "stat", "-P", w.domain, NULL);
	cr_assert_eq(st.status, 0, "%s", st.err);
	for (unsigned int c = 0; c < w.ncpus; c++) {
		char cpu[16];

		snprintf(cpu, sizeof(cpu), "%u", c);
		run_pcpu(&rd, "read", "--json", "-C", cpu, w.domain, "test_hits", NULL);
		cr_assert_eq(rd.status, 0, "%s", rd.err);
		cr_assert_eq(le64_of_hex(rd.out),
			     strtoull(field_of(st.out, "test_hits", 2 + (int)c), NULL, 10));
		run_free(&rd);
	}
	/* nlist gives the counter's base: reading there is CPU 0's slot */
	run_pcpu(&nl, "nlist", w.domain, "test_requests", NULL);
	cr_assert_eq(nl.status, 0, "%s", nl.err);
	cr_assert_str_eq(field_of(nl.out, "test_requests", 1), "counter");
	snprintf(addr, sizeof(addr), "%s", field_of(nl.out, "test_requests", 2));
	run_pcpu(&rd, "read", "--json", w.domain, addr, "8", NULL);
	cr_assert_eq(rd.status, 0, "%s", rd.err);
	cr_assert_eq(le64_of_hex(rd.out), strtoull(field_of(st.out, "test_requests", 2), NULL, 10));
	run_free(&rd);
	run_pcpu(&rd, "read", w.domain, addr, "16", NULL);
	cr_assert_eq(rd.status, 0, "%s", rd.err);
	cr_assert_eq(strncmp(rd.out, addr + 2, 16), 0, "the dump is addressed: %s", rd.out);
	cr_assert_not_null(strstr(rd.out, "  |"), "%s", rd.out);
	run_free(&rd);
	run_free(&nl);
	run_free(&st);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_inspect, read_outside_the_domain_fails_with_the_address)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 1, 1, NULL);
	run_pcpu(&r, "read", w.domain, "0x10", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "0x10"), "%s", r.err);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

static int count_rows(const char *out)
{
	int n = -1; /* the heading */

	for (const char *p = out; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

Test(tools_inspect, cpus_lists_the_kernels_present_cpus_with_times)
{
	struct run r, py;
	long present = sysconf(_SC_NPROCESSORS_CONF);

	run_pcpu(&r, "cpus", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_rows(r.out), present, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "idle"));
	run_free(&r);
	run_pcpu(&r, "cpus", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_python_json(&py, r.out,
			"import json,sys\n"
			"c=json.load(sys.stdin)\n"
			"print(len(c), all(x[\"cp_time\"][\"idle\"] > 0 for x in c))");
	cr_assert_eq(py.status, 0, "%s", py.err);
	char expect[32];

	snprintf(expect, sizeof(expect), "%ld True\n", present);
	cr_assert_str_eq(py.out, expect);
	run_free(&py);
	run_free(&r);
}

Test(tools_inspect, cpus_of_a_domain_gives_each_cpu_its_dpcpu_block)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 1, 1, NULL);
	run_pcpu(&r, "cpus", w.domain, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_rows(r.out), (int)w.ncpus, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "DYNAMIC"));
	cr_assert_null(strstr(r.out, "0x0000000000000000"), "%s", r.out);
	run_free(&r);
	run_pcpu(&r, "cpus", "-a", w.domain, NULL);
	cr_assert_geq(count_rows(r.out), (int)w.ncpus);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}
