/*
 * Reference counting and (deferred) destruction. malloc and free are wrapped at link
 * time (see CMakeLists.txt) so that frees are counted and allocation can be made to fail.
 */
#include <errno.h>

#include "kcpuset_test.h"

void *__real_malloc(size_t size);
void __real_free(void *p);

static int frees;
static bool malloc_fails;

void *__wrap_malloc(size_t size)
{
	if (malloc_fails) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(size);
}

void __wrap_free(void *p)
{
	if (p != NULL)
		frees++;
	__real_free(p);
}

static kcpuset_t *fresh(void)
{
	kcpuset_t *kcp;

	kcpuset_create(&kcp, true);
	cr_assert_not_null(kcp);
	frees = 0;
	return kcp;
}

Test(refcount, unuse_of_the_last_reference_without_a_list_destroys_the_set)
{
	kcpuset_t *kcp = fresh();

	kcpuset_unuse(kcp, NULL);
	cr_assert_eq(frees, 1);
}

Test(refcount, unuse_of_another_reference_keeps_the_set)
{
	kcpuset_t *kcp = fresh();

	kcpuset_use(kcp);
	kcpuset_unuse(kcp, NULL);
	cr_assert_eq(frees, 0);
	kcpuset_set(kcp, 1);
	cr_assert_eq(kcpuset_isset(kcp, 1), 1);
	kcpuset_unuse(kcp, NULL);
	cr_assert_eq(frees, 1);
}

Test(refcount, unuse_of_the_last_reference_with_a_list_defers_destruction)
{
	kcpuset_t *a = fresh(), *b = fresh(), *lst = NULL;

	kcpuset_unuse(a, &lst);
	kcpuset_unuse(b, &lst);
	cr_assert_eq(frees, 0);
	cr_assert_eq(lst, b);
	kcpuset_destroy(lst);
	cr_assert_eq(frees, 2);
}

Test(refcount, unuse_of_another_reference_with_a_list_leaves_the_list_alone)
{
	kcpuset_t *kcp = fresh(), *lst = NULL;

	kcpuset_use(kcp);
	kcpuset_unuse(kcp, &lst);
	cr_assert_null(lst);
	cr_assert_eq(frees, 0);
	kcpuset_destroy(kcp);
	cr_assert_eq(frees, 1);
}

Test(refcount, destroy_ignores_the_count_and_frees_one_set)
{
	kcpuset_t *kcp = fresh();

	kcpuset_use(kcp);
	kcpuset_destroy(kcp);
	cr_assert_eq(frees, 1);
}

Test(refcount, create_stores_null_when_memory_runs_out)
{
	kcpuset_t *kcp = (kcpuset_t *)&frees;

	malloc_fails = true;
	kcpuset_create(&kcp, true);
	malloc_fails = false;
	cr_assert_null(kcp);
}

Test(refcount, clone_stores_null_when_memory_runs_out)
{
	kcpuset_t *src = fresh(), *kcp = src;

	malloc_fails = true;
	kcpuset_clone(&kcp, src);
	malloc_fails = false;
	cr_assert_null(kcp);
	kcpuset_destroy(src);
}
