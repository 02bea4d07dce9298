/* What the pcpu(1) benchmarks share: a large domain written by this process, the built
 * pcpu binary, and running it. */
#ifndef PCPU_BENCH_TOOLS_BIGDOMAIN_H
#define PCPU_BENCH_TOOLS_BIGDOMAIN_H

#include <stddef.h>

#define BIG_MAXCPU "4096"
#define BIG_COUNTERS 1000

/* Makes this process the writer of a PCPU_MAXCPU=4096 domain in a private directory
 * with BIG_COUNTERS named counters (counter i holds i on this CPU); returns its path.
 * Call before anything else uses libpcpu. Exits on failure. */
const char *big_domain(void);

/* Removes the domain's directory (the domain file goes when the process exits). */
void big_domain_cleanup(void);

/* Prints the domain's size next to the figures. */
void big_domain_describe(void);
/* The domain file's size in MiB. */
double big_domain_mib(void);

/* The pcpu binary of this build tree: ../tools/pcpu/pcpu from the bench directory. */
const char *pcpu_path(void);

#endif
