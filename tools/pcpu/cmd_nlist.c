/* pcpu nlist: kvm_nlist() of names, as FreeBSD's nlist(3) prints them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "json.h"
#include "target.h"

const char cmd_nlist_synopsis[] = "nlist [-C CPU] [--json] TARGET NAME...";
const char cmd_nlist_help[] =
	"Looks NAMEs up with kvm_nlist(3) and prints the kind and the writer's address of each:\n"
	"a counter's base, a DPCPU variable's copy for CPU (default 0), an object's address.\n"
	"Exits 1 when a name is unknown.\n"
	"  -C, --cpu CPU   the CPU whose DPCPU copies are given (kvm_dpcpu_setcpu)\n"
	"      --json      an array of {\"name\", \"kind\", \"address\"}\n"
	"  -h, --help      this text\n";

static void print(struct nlist *nl, int n, bool json)
{
	struct json j;

	json_init(&j, stdout);
	if (json)
		json_open_array(&j);
	for (int i = 0; i < n; i++) {
		if (nl[i].n_type == N_UNDF)
			continue;
		if (!json) {
			printf("%-32s %-8s 0x%016lx\n", nl[i].n_name,
			       target_kind_name(nl[i].n_type), nl[i].n_value);
			continue;
		}
		json_open_object(&j);
		json_key(&j, "name");
		json_string(&j, nl[i].n_name);
		json_key(&j, "kind");
		json_string(&j, target_kind_name(nl[i].n_type));
		json_key(&j, "address"); /* as read --json names it */
		json_u64(&j, nl[i].n_value);
		json_close_object(&j);
	}
	if (json) {
		json_close_array(&j);
		json_end(&j);
	}
}

static int lookup(struct target *t, char **names, int n, bool json)
{
	struct nlist *nl = calloc((size_t)n + 1, sizeof(*nl));
	int missing, rc = 0;

	if (!nl)
		return tool_err("out of memory");
	for (int i = 0; i < n; i++)
		nl[i].n_name = names[i];
	missing = kvm_nlist(t->kd, nl);
	if (missing < 0) {
		free(nl);
		return tool_err("%s: %s", t->path, kvm_geterr(t->kd));
	}
	print(nl, n, json);
	for (int i = 0; i < n; i++)
		if (nl[i].n_type == N_UNDF)
			rc = tool_err("%s: unknown name \"%s\"", t->path, names[i]);
	free(nl);
	return rc;
}

static const struct option long_opts[] = {
	{"cpu", required_argument, NULL, 'C'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_nlist(int argc, char **argv)
{
	uint64_t cpu = 0;
	bool json = false;
	struct target t;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+C:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			if (tool_parse_u64("cpu", optarg, &cpu) < 0)
				return TOOL_EXIT_FAIL;
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
	if (argc - optind < 2)
		return tool_usage();
	if (target_open(&t, argv[optind]) < 0)
		return TOOL_EXIT_FAIL;
	if (kvm_dpcpu_setcpu(t.kd, (unsigned int)cpu) != 0)
		rc = tool_err("%s: cpu %llu: %s", t.path, (unsigned long long)cpu,
			      kvm_geterr(t.kd));
	else
		rc = lookup(&t, argv + optind + 1, argc - optind - 1, json);
	target_close(&t);
	return rc;
}
