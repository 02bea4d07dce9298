/* pcpu cpuset: CPU lists and masks, the sysfs sets, and a process's affinity. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcpu/kcpuset.h>

#include "commands.h"
#include "json.h"

const char cmd_cpuset_synopsis[] = "cpuset [--json] [-l LIST | -m MASK | -p PID [-a] [LIST]]";
const char cmd_cpuset_help[] =
	"Without options prints the possible, present and online CPUs and this process's\n"
	"affinity, each as a CPU list (0-3,8), a mask (10f) and a count. -l and -m take\n"
	"CPUs up to 65535 (or $PCPU_MAXCPU - 1); an affinity only the possible CPUs.\n"
	"  -l, --list LIST   parse a CPU list (as cpuset(7): 0-3,8,0-15:2/4) and print it\n"
	"  -m, --mask MASK   parse a hexadecimal mask (ff,00000000) and print it\n"
	"  -p, --pid PID     print PID's affinity; with LIST, set it first\n"
	"  -a, --all-threads set the affinity of every thread of PID, not just its main one\n"
	"      --json        {\"NAME\": {\"list\":..., \"mask\":..., \"count\":...}, ...}\n"
	"  -h, --help        this text\n";

#define CPUSET_CONVERT_MAXCPU 65536u

struct named_set {
	const char *name;
	kcpuset_t *set;
};

static char *format(const kcpuset_t *set, size_t (*fmt)(const kcpuset_t *, char *, size_t))
{
	size_t n = fmt(set, NULL, 0);
	char *buf = malloc(n + 1);

	if (buf)
		fmt(set, buf, n + 1);
	return buf;
}

static int print(const struct named_set *sets, int n, bool json)
{
	struct json j;

	json_init(&j, stdout);
	if (json)
		json_open_object(&j);
	else
		printf("%-10s %-24s %-24s %s\n", "SET", "LIST", "MASK", "COUNT");
	for (int i = 0; i < n; i++) {
		char *list = format(sets[i].set, kcpuset_format_list);
		char *mask = format(sets[i].set, kcpuset_format_mask);

		if (!list || !mask) {
			free(list);
			free(mask);
			return tool_err("out of memory");
		}
		if (json) {
			json_key(&j, sets[i].name);
			json_open_object(&j);
			json_key(&j, "list");
			json_string(&j, list);
			json_key(&j, "mask");
			json_string(&j, mask);
			json_key(&j, "count");
			json_i64(&j, kcpuset_countset(sets[i].set));
			json_close_object(&j);
		} else {
			printf("%-10s %-24s %-24s %d\n", sets[i].name, list, mask,
			       kcpuset_countset(sets[i].set));
		}
		free(list);
		free(mask);
	}
	if (json) {
		json_close_object(&j);
		json_end(&j);
	}
	return 0;
}

static int parse(kcpuset_t *set, const char *str, bool mask)
{
	struct kcpuset_parse_error pe = {0, NULL};
	int rc = mask ? kcpuset_parse_mask(set, str, &pe) : kcpuset_parse_list(set, str, &pe);

	if (rc != 0)
		return tool_err("bad CPU %s \"%s\" at byte %zu: %s", mask ? "mask" : "list", str,
				pe.pe_pos, pe.pe_reason ? pe.pe_reason : strerror(errno));
	return 0;
}

static int system_sets(kcpuset_t **s, bool json)
{
	static int (*const get[])(kcpuset_t *) = {kcpuset_possible, kcpuset_present,
						  kcpuset_online};
	struct named_set sets[] = {
		{"possible", s[0]}, {"present", s[1]}, {"online", s[2]}, {"affinity", s[3]}};

	for (int i = 0; i < 3; i++)
		if (get[i](s[i]) != 0)
			return tool_err("the %s CPUs: %s", sets[i].name, strerror(errno));
	if (kcpuset_getaffinity(0, s[3]) != 0)
		return tool_err("this process's affinity: %s", strerror(errno));
	return print(sets, 4, json);
}

struct cpuset_opts {
	const char *list, *mask, *pid;
	bool all, json;
};

static int pid_affinity(kcpuset_t *set, const struct cpuset_opts *o, const char *newlist)
{
	struct named_set ns = {"affinity", set};
	uint64_t pid;
	int rc;

	if (tool_parse_u64("pid", o->pid, &pid) < 0)
		return TOOL_EXIT_FAIL;
	if (newlist) {
		if (parse(set, newlist, false) != 0)
			return TOOL_EXIT_FAIL;
		rc = o->all ? kcpuset_setaffinity_all((pid_t)pid, set)
			    : kcpuset_setaffinity((pid_t)pid, set);
		if (rc != 0)
			return tool_err("pid %s: cannot set affinity to %s: %s", o->pid, newlist,
					errno == ESRCH ? "no such process" : strerror(errno));
	}
	if (kcpuset_getaffinity((pid_t)pid, set) != 0)
		return tool_err("pid %s: %s", o->pid,
				errno == ESRCH ? "no such process" : strerror(errno));
	return print(&ns, 1, o->json);
}

static int run(const struct cpuset_opts *o, char *const *args, int nargs, kcpuset_t **s)
{
	if (o->pid)
		return pid_affinity(s[0], o, nargs ? args[0] : NULL);
	if (o->list || o->mask) {
		struct named_set ns = {"input", s[0]};

		if (parse(s[0], o->list ? o->list : o->mask, o->mask != NULL) != 0)
			return TOOL_EXIT_FAIL;
		return print(&ns, 1, o->json);
	}
	return system_sets(s, o->json);
}

/* Runs with four empty sets (system_sets() needs them all). */
static int with_sets(const struct cpuset_opts *o, char *const *args, int nargs)
{
	kcpuset_t *s[4] = {NULL, NULL, NULL, NULL};
	int rc = TOOL_EXIT_FAIL;

	/* Sets cover the possible CPUs; a list or mask to convert may name any CPU the
	 * domain format allows, so those sets get as many (before the first set). */
	if ((o->list || o->mask) && kcpuset_setcapacity(CPUSET_CONVERT_MAXCPU) != 0)
		return tool_err("cannot size the sets: %s", strerror(errno));
	for (int i = 0; i < 4; i++)
		kcpuset_create(&s[i], true);
	if (s[0] && s[1] && s[2] && s[3])
		rc = run(o, args, nargs, s);
	else
		tool_err("out of memory");
	for (int i = 0; i < 4; i++)
		if (s[i])
			kcpuset_destroy(s[i]);
	return rc;
}

static const struct option long_opts[] = {
	{"list", required_argument, NULL, 'l'},
	{"mask", required_argument, NULL, 'm'},
	{"pid", required_argument, NULL, 'p'},
	{"all-threads", no_argument, NULL, 'a'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_cpuset(int argc, char **argv)
{
	struct cpuset_opts o = {0};
	int c, modes;

	while ((c = getopt_long(argc, argv, "+l:m:p:ah", long_opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.list = optarg;
			break;
		case 'm':
			o.mask = optarg;
			break;
		case 'p':
			o.pid = optarg;
			break;
		case 'a':
			o.all = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	modes = (o.list != NULL) + (o.mask != NULL) + (o.pid != NULL);
	if (modes > 1 || argc - optind > (o.pid ? 1 : 0) || (o.all && !o.pid))
		return tool_usage();
	return with_sets(&o, argv + optind, argc - optind);
}
