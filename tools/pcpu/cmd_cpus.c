/* pcpu cpus: the struct pcpu table of a domain or (no TARGET) the running kernel. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "json.h"
#include "target.h"

const char cmd_cpus_synopsis[] = "cpus [-a] [--json] [TARGET]";
const char cmd_cpus_help[] =
	"Prints struct pcpu for every CPU present (kvm_getpcpu(3)): id, online, core,\n"
	"package and NUMA node; for a TARGET also pc_dynamic (the CPU's DPCPU block),\n"
	"without TARGET the running kernel with per-CPU times in USER_HZ ticks.\n"
	"  -a, --all    every CPU slot, present or not\n"
	"      --json   a JSON array\n"
	"  -h, --help   this text\n";

static const char *const cp_names[CPUSTATES] = {"user", "nice", "sys", "intr", "idle"};

static void row_text(const struct pcpu *pc, bool kernel)
{
	printf("%5u %7s %6s %5d %7d %5d", pc->pc_cpuid, pc->pc_present ? "yes" : "no",
	       pc->pc_online ? "yes" : "no", pc->pc_core_id, pc->pc_package_id, pc->pc_numa_node);
	if (kernel)
		for (int s = 0; s < CPUSTATES; s++)
			printf(" %10llu", (unsigned long long)pc->pc_cp_time[s]);
	else
		printf("  0x%016llx", (unsigned long long)pc->pc_dynamic);
	putchar('\n');
}

static void row_json(struct json *j, const struct pcpu *pc, bool kernel)
{
	json_open_object(j);
	json_key(j, "cpu");
	json_u64(j, pc->pc_cpuid);
	json_key(j, "present");
	json_bool(j, pc->pc_present);
	json_key(j, "online");
	json_bool(j, pc->pc_online);
	json_key(j, "core");
	json_i64(j, pc->pc_core_id);
	json_key(j, "package");
	json_i64(j, pc->pc_package_id);
	json_key(j, "node");
	json_i64(j, pc->pc_numa_node);
	if (kernel) {
		json_key(j, "cp_time");
		json_open_object(j);
		for (int s = 0; s < CPUSTATES; s++) {
			json_key(j, cp_names[s]);
			json_u64(j, pc->pc_cp_time[s]);
		}
		json_close_object(j);
	} else {
		json_key(j, "dynamic");
		json_u64(j, pc->pc_dynamic);
	}
	json_close_object(j);
}

static void header(bool kernel)
{
	printf("%5s %7s %6s %5s %7s %5s", "CPU", "PRESENT", "ONLINE", "CORE", "PACKAGE", "NODE");
	if (kernel)
		for (int s = 0; s < CPUSTATES; s++)
			printf(" %10s", cp_names[s]);
	else
		printf("  %-18s", "DYNAMIC");
	putchar('\n');
}

static int table(kvm_t *kd, const char *what, bool all, bool json, bool kernel)
{
	int maxcpu = kvm_getmaxcpu(kd);
	struct json j;

	if (maxcpu <= 0)
		return tool_err("%s: %s", what, kvm_geterr(kd));
	json_init(&j, stdout);
	if (json)
		json_open_array(&j);
	else
		header(kernel);
	for (int cpu = 0; cpu < maxcpu; cpu++) {
		struct pcpu *pc = kvm_getpcpu(kd, cpu);

		if (pc == (void *)-1)
			return tool_err("%s: cpu %d: %s", what, cpu, kvm_geterr(kd));
		if (pc && (all || pc->pc_present)) {
			if (json)
				row_json(&j, pc, kernel);
			else
				row_text(pc, kernel);
		}
		free(pc);
	}
	if (json) {
		json_close_array(&j);
		json_end(&j);
	}
	return 0;
}

static int kernel_table(bool all, bool json)
{
	char errbuf[_POSIX2_LINE_MAX] = "";
	kvm_t *kd = kvm_openfiles(NULL, NULL, NULL, O_RDONLY, errbuf);
	int rc;

	if (!kd)
		return tool_err("the running kernel: %s", errbuf[0] ? errbuf : strerror(errno));
	rc = table(kd, "the running kernel", all, json, true);
	kvm_close(kd);
	return rc;
}

static const struct option long_opts[] = {
	{"all", no_argument, NULL, 'a'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_cpus(int argc, char **argv)
{
	bool all = false, json = false;
	struct target t;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+ah", long_opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (argc - optind > 1)
		return tool_usage();
	if (argc == optind)
		return kernel_table(all, json);
	if (target_open(&t, argv[optind]) < 0)
		return TOOL_EXIT_FAIL;
	rc = table(t.kd, t.path, all, json, false);
	target_close(&t);
	return rc;
}
