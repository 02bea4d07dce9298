/*
 * ngx_http_pcpu_module: counts nginx's requests, the bytes it sent and the responses per
 * status class (1xx..5xx) in counter(9) counters, so that pcpu(1) reads them live from
 * any process: `pcpu stat MASTER_PID` or `pcpu stat DOMAIN`. See README.md here.
 *
 * The master allocates the counters once, before it forks the workers: the workers
 * inherit them (a domain belongs to every forked child), and after a reload the master
 * keeps the ones it has. A counter is found by its name in the domain, so a restarted
 * nginx in the same named domain (PCPU_DOMAIN=NAME) continues the totals.
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <pcpu/counter.h>

enum { PCPU_REQUESTS, PCPU_BYTES_SENT, PCPU_STATUS_1XX, PCPU_NCOUNTERS = PCPU_STATUS_1XX + 5 };

static const char *const ngx_http_pcpu_names[PCPU_NCOUNTERS] = {
	"nginx_requests",   "nginx_bytes_sent", "nginx_status_1xx", "nginx_status_2xx",
	"nginx_status_3xx", "nginx_status_4xx", "nginx_status_5xx",
};

static counter_u64_t ngx_http_pcpu_counters[PCPU_NCOUNTERS];

/* The log phase runs once per main request, after the response went out, so the bytes
 * sent and the final status are known: the same moment and the same numbers as the
 * access log's $bytes_sent and $status. */
static ngx_int_t ngx_http_pcpu_log_handler(ngx_http_request_t *r)
{
	ngx_uint_t status = r->err_status ? r->err_status : r->headers_out.status;

	counter_u64_add(ngx_http_pcpu_counters[PCPU_REQUESTS], 1);
	counter_u64_add(ngx_http_pcpu_counters[PCPU_BYTES_SENT], (int64_t)r->connection->sent);
	if (status >= 100 && status < 600)
		counter_u64_add(ngx_http_pcpu_counters[PCPU_STATUS_1XX + status / 100 - 1], 1);
	return NGX_OK;
}

static ngx_int_t ngx_http_pcpu_postconfiguration(ngx_conf_t *cf)
{
	ngx_http_core_main_conf_t *cmcf =
		ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
	ngx_http_handler_pt *h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);

	if (h == NULL)
		return NGX_ERROR;
	*h = ngx_http_pcpu_log_handler;
	return NGX_OK;
}

/*
 * init_module runs in the master (or the single process) at start and at every reload,
 * never in `nginx -s SIGNAL`, which stops after parsing the configuration. `nginx -t`
 * runs it too but serves nothing, so it gets no domain. A counter the process already
 * has is kept: the workers of every generation share it.
 */
static ngx_int_t ngx_http_pcpu_init_module(ngx_cycle_t *cycle)
{
	if (ngx_test_config)
		return NGX_OK;
	for (int i = 0; i < PCPU_NCOUNTERS; i++) {
		if (ngx_http_pcpu_counters[i] != NULL)
			continue;
		ngx_http_pcpu_counters[i] =
			counter_u64_alloc_named(ngx_http_pcpu_names[i], M_WAITOK);
		if (ngx_http_pcpu_counters[i] == NULL) {
			ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
				      "pcpu: counter_u64_alloc_named(\"%s\") failed",
				      ngx_http_pcpu_names[i]);
			return NGX_ERROR;
		}
	}
	return NGX_OK;
}

static ngx_http_module_t ngx_http_pcpu_module_ctx = {
	.postconfiguration = ngx_http_pcpu_postconfiguration,
};

ngx_module_t ngx_http_pcpu_module = {
	NGX_MODULE_V1,
	.ctx = &ngx_http_pcpu_module_ctx,
	.type = NGX_HTTP_MODULE,
	.init_module = ngx_http_pcpu_init_module,
};
