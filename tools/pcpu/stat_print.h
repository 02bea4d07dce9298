/*
 * The three outputs of pcpu stat, for one sample (prev the one before, or NULL): a block
 * per sample (a title line, a header and a row per symbol), one line per sample (vmstat's
 * and jstat's layout: a TIME column and a column per symbol), or one JSON document.
 */
#ifndef PCPU_TOOL_STAT_PRINT_H
#define PCPU_TOOL_STAT_PRINT_H

#include <stdbool.h>

#include "sample.h"

void stat_print_block(const struct target *t, const struct selection *sel, const struct sample *cur,
		      const struct sample *prev, bool rates);

/* The header of the line layout; time_ms adds milliseconds to TIME (short intervals). */
void stat_print_line_header(const struct selection *sel, bool time_ms);
void stat_print_line(const struct selection *sel, const struct sample *cur,
		     const struct sample *prev, bool time_ms);

void stat_print_json(const struct target *t, const struct selection *sel, const struct sample *cur,
		     const struct sample *prev);

#endif
