/*
 * A reader of one histogram in another process: a child forked before the writer's
 * threads start, reading through its own kvm handle as pcpu serve would. It reads over
 * and over, checking that no bucket ever goes down, until it is told to finish; then it
 * reads once more and hands everything it saw to the parent.
 */
#ifndef PCPU_TESTS_HISTOGRAM_HISTREAD_H
#define PCPU_TESTS_HISTOGRAM_HISTREAD_H

#include <stdint.h>
#include <sys/types.h>

#include <pcpu/kvm.h>

struct histread_result {
	int ok;		    /* the domain opened, the symbol was found and every read worked */
	int monotonic;	    /* no bucket and no sum ever read lower than before */
	long reads;	    /* reads made before the final one */
	unsigned char type; /* the symbol's ks_type */
	struct kvm_symmeta meta;
	uint64_t buckets[KVM_HIST_BOUNDS_MAX + 1];
	uint64_t sum;
	char err[256]; /* kvm_geterr when not ok */
};

struct histread {
	pid_t pid;
	int go;	    /* write end: closing it tells the reader to finish */
	int result; /* read end of the result */
};

/* Starts the reader of the histogram name in the domain at path: 0 or -1. */
int histread_start(struct histread *r, const char *path, const char *name);
/* Tells it to finish and collects what it saw: 0 or -1 (the reader crashed). */
int histread_finish(struct histread *r, struct histread_result *out);

#endif
