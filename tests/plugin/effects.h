/* The effects effects.c looks for: the bits of its exit status. */
#ifndef PCPU_TESTS_PLUGIN_EFFECTS_H
#define PCPU_TESTS_PLUGIN_EFFECTS_H

enum {
	EFFECT_THREAD = 1,  /* a thread besides main */
	EFFECT_SIGBUS = 2,  /* a SIGBUS handler */
	EFFECT_ATFORK = 4,  /* an atfork handler */
	EFFECT_MAPPING = 8, /* the domain file mapped */
	EFFECT_FILE = 16,   /* the domain file exists */
};

#endif
