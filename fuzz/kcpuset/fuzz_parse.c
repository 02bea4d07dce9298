/*
 * libFuzzer target for kcpuset_parse_list() and kcpuset_parse_mask(). Every input goes
 * through both parsers; a refusal must name a position inside the input, a reason and
 * one of the documented errnos, and leave the set untouched. An accepted set must come
 * back unchanged through format -> parse in both formats, and format canonically.
 */
#include <pcpu/kcpuset.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static kcpuset_t *sentinel, *kcp, *back;

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* 4096 CPUs: both "in range" and "beyond the possible CPUs" are reachable. */
	setenv("PCPU_MAXCPU", "4096", 1);
	kcpuset_create(&sentinel, true);
	kcpuset_create(&kcp, true);
	kcpuset_create(&back, true);
	CHECK(sentinel != NULL && kcp != NULL && back != NULL);
	kcpuset_parse_list(sentinel, "1,7,64-70,4095", NULL);
	return 0;
}

typedef int parse_fn(kcpuset_t *, const char *, struct kcpuset_parse_error *);
typedef size_t format_fn(const kcpuset_t *, char *, size_t);

/* set -> text -> set must give the set back, and the text must be canonical. */
static void round_trip(format_fn *format, parse_fn *parse)
{
	size_t len = format(kcp, NULL, 0);
	char *text = malloc(len + 1), *again = malloc(len + 1);

	CHECK(text != NULL && again != NULL);
	CHECK(format(kcp, text, len + 1) == len && strlen(text) == len);
	CHECK(parse(back, text, NULL) == 0);
	CHECK(kcpuset_match(kcp, back));
	CHECK(format(back, again, len + 1) == len && strcmp(text, again) == 0);
	free(text);
	free(again);
}

static void try_parser(parse_fn *parse, const char *str)
{
	struct kcpuset_parse_error err = {(size_t)-1, NULL};

	kcpuset_copy(kcp, sentinel);
	errno = 0;
	if (parse(kcp, str, &err) != 0) {
		CHECK(errno == EINVAL || errno == ERANGE || errno == EOVERFLOW);
		CHECK(err.pe_pos <= strlen(str) && err.pe_reason != NULL);
		CHECK(kcpuset_match(kcp, sentinel));
		return;
	}
	round_trip(kcpuset_format_list, kcpuset_parse_list);
	round_trip(kcpuset_format_mask, kcpuset_parse_mask);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *str = malloc(size + 1);

	CHECK(str != NULL);
	memcpy(str, data, size);
	str[size] = '\0';
	try_parser(kcpuset_parse_list, str);
	try_parser(kcpuset_parse_mask, str);
	free(str);
	return 0;
}
