/*
 * The rules of a metadata entry (domain_format.h, doc/domain-format.md "Metadata"), one
 * implementation for both sides: the writer builds an entry and refuses it (EINVAL) when
 * these say no, and a reader applies them to every entry it copies out of a file, where
 * each byte is hostile.
 */
#ifndef PCPU_FORMAT_META_CHECK_H
#define PCPU_FORMAT_META_CHECK_H

#include <stddef.h>

#include "format/domain_format.h"

/* NULL when *m (a private copy) obeys every rule, else what is wrong: a static string
 * that names the field, for an error message. An entry without PCPU_METAF_SET obeys. */
const char *pcpu_meta_check(const struct pcpu_dom_meta *m);

/* 1 when s is a family name: [a-zA-Z_:][a-zA-Z0-9_:]* (Prometheus' metric names). */
int pcpu_meta_family_ok(const char *s);

#endif
