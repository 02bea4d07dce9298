/* pcpu read: a hex dump of the writer's memory at an address or a name (kvm_read). */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "json.h"
#include "target.h"

#define READ_DEFAULT_LEN 64
#define READ_MAX_LEN (16u << 20)

const char cmd_read_synopsis[] = "read [-C CPU] [--json] TARGET ADDR|NAME [LEN]";
const char cmd_read_help[] =
	"Dumps LEN bytes of the writer's memory with kvm_read(3), like hexdump -C, at ADDR\n"
	"(the writer's address, decimal or 0x hex) or at the address kvm_nlist(3) gives\n"
	"NAME. LEN defaults to the symbol's size for a NAME, 64 for an ADDR; at most 16 MiB.\n"
	"  -C, --cpu CPU   for a DPCPU NAME: that CPU's copy (default 0)\n"
	"      --json      {\"address\":..., \"length\":..., \"hex\":\"...\"}\n"
	"  -h, --help      this text\n";

struct read_req {
	uint64_t cpu;
	bool json;
	const char *what, *len;
};

static void dump(uint64_t addr, const unsigned char *b, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		size_t k = n - off < 16 ? n - off : 16;

		printf("%016llx ", (unsigned long long)(addr + off));
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				putchar(' ');
			if (i < k)
				printf(" %02x", b[off + i]);
			else
				fputs("   ", stdout);
		}
		fputs("  |", stdout);
		for (size_t i = 0; i < k; i++)
			putchar(isprint(b[off + i]) ? b[off + i] : '.');
		puts("|");
	}
}

static void dump_json(uint64_t addr, const unsigned char *b, size_t n)
{
	struct json j;
	char *hex = malloc(n * 2 + 1);

	if (!hex)
		return;
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", b[i]);
	hex[2 * n] = '\0';
	json_init(&j, stdout);
	json_open_object(&j);
	json_key(&j, "address");
	json_u64(&j, addr);
	json_key(&j, "length");
	json_u64(&j, n);
	json_key(&j, "hex");
	json_string(&j, hex);
	json_close_object(&j);
	json_end(&j);
	free(hex);
}

/* The address and default length of NAME, or of a numeric ADDR. */
static int locate(struct target *t, const struct read_req *r, uint64_t *addr, uint64_t *len)
{
	struct nlist nl[2] = {{.n_name = r->what}, {0}};
	char *end;

	*len = READ_DEFAULT_LEN;
	if (isdigit((unsigned char)r->what[0])) {
		*addr = strtoull(r->what, &end, 0);
		if (*end == '\0')
			return 0;
	}
	if (kvm_dpcpu_setcpu(t->kd, (unsigned int)r->cpu) != 0)
		return tool_err("%s: cpu %llu: %s", t->path, (unsigned long long)r->cpu,
				kvm_geterr(t->kd));
	if (kvm_nlist(t->kd, nl) != 0 || nl[0].n_type == N_UNDF)
		return tool_err("%s: unknown name \"%s\"", t->path, r->what);
	*addr = nl[0].n_value;
	for (size_t i = 0; i < t->nsyms; i++) {
		if (strcmp(t->syms[i].ks_name, r->what) == 0) {
			*len = t->syms[i].ks_size;
			break;
		}
	}
	return 0;
}

static int run(struct target *t, const struct read_req *r)
{
	uint64_t addr = 0, len = 0;
	unsigned char *buf;
	ssize_t n;

	if (locate(t, r, &addr, &len) != 0)
		return TOOL_EXIT_FAIL;
	if (r->len && tool_parse_u64("length", r->len, &len) < 0)
		return TOOL_EXIT_FAIL;
	if (len == 0 || len > READ_MAX_LEN)
		return tool_err("bad length %llu: expected 1 to %u bytes", (unsigned long long)len,
				READ_MAX_LEN);
	buf = malloc(len);
	if (!buf)
		return tool_err("out of memory");
	n = kvm_read(t->kd, addr, buf, len);
	if (n != (ssize_t)len) {
		free(buf);
		return tool_err("%s: %llu bytes at 0x%llx: %s", t->path, (unsigned long long)len,
				(unsigned long long)addr, kvm_geterr(t->kd));
	}
	if (r->json)
		dump_json(addr, buf, len);
	else
		dump(addr, buf, len);
	free(buf);
	return 0;
}

static const struct option long_opts[] = {
	{"cpu", required_argument, NULL, 'C'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_read(int argc, char **argv)
{
	struct read_req r = {0};
	struct target t;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+C:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			if (tool_parse_u64("cpu", optarg, &r.cpu) < 0)
				return TOOL_EXIT_FAIL;
			break;
		case 'j':
			r.json = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (argc - optind < 2 || argc - optind > 3)
		return tool_usage();
	r.what = argv[optind + 1];
	r.len = argc - optind == 3 ? argv[optind + 2] : NULL;
	if (target_open(&t, argv[optind]) < 0)
		return TOOL_EXIT_FAIL;
	rc = run(&t, &r);
	target_close(&t);
	return rc;
}
