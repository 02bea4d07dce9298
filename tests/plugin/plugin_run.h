/* Running the helper programs of tests/plugin from a test (plugin_run.c). */
#ifndef PCPU_TESTS_PLUGIN_PLUGIN_RUN_H
#define PCPU_TESTS_PLUGIN_PLUGIN_RUN_H

/* The domain path the helpers are given: a fresh one per test (plugin_run_setup). */
extern char *plugin_dom;

void plugin_run_setup(void);
void plugin_run_teardown(void);

/* Runs the binary tests/plugin/<name> with one argument (or none), its domain at
 * plugin_dom, kept after exit (PCPU_KEEP) so that it can be read, and no glibc tunable.
 * Returns its exit status (128 + signal when killed). */
int plugin_run(const char *name, const char *arg);

/* Path of tests/plugin/<name> in the build tree (caller frees). */
char *plugin_binary(const char *name);

#endif
