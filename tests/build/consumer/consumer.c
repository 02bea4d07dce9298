/* Every public header compiles on its own and together; one call per module links. */
#include <pcpu/counter.h>
#include <pcpu/kcpuset.h>
#include <pcpu/kvm.h>
#include <pcpu/pcpu.h>
#include <pcpu/upmap.h>
#include <pcpu/zpcpu.h>

int main(void)
{
	kcpuset_t *set;

	kcpuset_create(&set, true);
	if (set == NULL)
		return 1;
	kcpuset_destroy(set);
	return 0;
}
