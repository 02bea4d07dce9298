/* Escaping shared by the JSON and the Prometheus exposition writers. */
#ifndef PCPU_TOOL_TEXT_H
#define PCPU_TOOL_TEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when s starts with a
 * byte that does not begin one. Names come from files of other programs: anything that
 * is not UTF-8 is written as U+FFFD so that every output stays parseable.
 */
size_t text_utf8_len(const unsigned char *s, size_t n);

/* The replacement character, U+FFFD, in UTF-8. */
#define TEXT_REPLACEMENT "\xef\xbf\xbd"

#endif
