/* promtool and the OpenMetrics parser, run on an exposition. */
#include "tools/expocheck.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/toolrun.h"

int promtool_check(const char *text)
{
	struct run r;
	int status;

	run_sh_input(&r, "promtool check metrics", text);
	status = r.status;
	if (status != 0)
		cr_log_error("promtool: %s%s\n%s", r.out, r.err, text);
	run_free(&r);
	return status;
}

/* Debian's python3 (not one first on PATH): the package installs its module there. */
#define OPENMETRICS_PARSE                                                                   \
	"/usr/bin/python3 -c 'import sys\n"                                                 \
	"from prometheus_client.openmetrics.parser import text_string_to_metric_families\n" \
	"for f in text_string_to_metric_families(sys.stdin.read()):\n"                      \
	"    print(f.name, f.type, f.unit or \"-\", len(f.samples))'"

int openmetrics_check(const char *text, char **families)
{
	struct run r;
	int status;

	run_sh_input(&r, OPENMETRICS_PARSE, text);
	status = r.status;
	if (status != 0)
		cr_log_error("OpenMetrics parser: %s%s\n%s", r.out, r.err, text);
	if (families)
		*families = status == 0 ? strdup(r.out) : NULL;
	run_free(&r);
	return status;
}

const char *series(const char *text, const char *prefix)
{
	static char value[64];
	const char *p = strstr(text, prefix), *end, *sp;

	while (p && p != text && p[-1] != '\n')
		p = strstr(p + 1, prefix);
	if (!p)
		return NULL;
	end = strchrnul(p, '\n');
	for (sp = end; sp > p && sp[-1] != ' ';) /* the value is the last word: no timestamps */
		sp--;
	snprintf(value, sizeof(value), "%.*s", (int)(end - sp), sp);
	return value;
}

int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, prefix)); p++)
		n += p == text || p[-1] == '\n';
	return n;
}
