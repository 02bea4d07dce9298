#!/usr/bin/python3
"""contrib/ against the real programs: the demo server counts, `pcpu serve -P` exports every
domain of a private PCPU_SHMDIR, a real Prometheus runs contrib/prometheus's config and
rules, and every query of contrib/grafana's dashboard (its panels and its variables, with
the variables set as Grafana would set them) must answer with data of the demo.

Grafana itself is not a Debian package, so the dashboard's import is checked by its shape
(what Grafana requires of an importable dashboard) and its queries by Prometheus.

usage: contrib_acceptance.py SOURCE_DIR BUILD_DIR
"""
import ctypes
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

DEADLINE = time.monotonic() + 60  # the whole test, whatever waits inside it
LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def die_with_parent():
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start(argv, **kw):
    return subprocess.Popen(argv, preexec_fn=die_with_parent, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, probe, step=0.2):
    while time.monotonic() < DEADLINE:
        value = probe()
        if value:
            return value
        time.sleep(step)
    fail("timed out waiting for " + what)


def api(port, path, params):
    url = "http://127.0.0.1:%d/api/v1/%s?%s" % (port, path, urllib.parse.urlencode(params, True))
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            answer = json.load(r)
    except OSError:
        return None
    if answer.get("status") != "success":
        fail("Prometheus refused %s %s: %s" % (path, params, answer.get("error")))
    return answer["data"]


def query(port, expr):
    data = api(port, "query", {"query": expr})
    return data["result"] if data else None


def check_shape(dash):
    """What Grafana needs to import a dashboard exported for sharing."""
    for key in ("title", "uid", "schemaVersion", "panels", "templating", "__inputs"):
        if key not in dash:
            fail("dashboard: no " + key)
    if [i["name"] for i in dash["__inputs"]] != ["DS_PROMETHEUS"]:
        fail("dashboard: its one input must be the Prometheus data source")
    ids = [p["id"] for p in dash["panels"]]
    if len(ids) != len(set(ids)):
        fail("dashboard: panel ids repeat")
    for p in dash["panels"]:
        for key in ("type", "title", "gridPos", "targets", "datasource"):
            if key not in p:
                fail("dashboard: panel %s has no %s" % (p.get("id"), key))
        if p["datasource"]["uid"] != "${DS_PROMETHEUS}":
            fail("dashboard: panel %d is not bound to the input" % p["id"])
        if p.get("repeat") and p["repeat"] not in {v["name"] for v in dash["templating"]["list"]}:
            fail("dashboard: panel %d repeats an unknown variable" % p["id"])


def expand(expr, values):
    """Grafana's interpolation: multi-valued variables become regex alternations."""
    for name, value in values.items():
        expr = expr.replace("${%s}" % name, value).replace("$" + name, value)
    if "$" in expr.replace("$1", ""):
        fail("dashboard: a variable is left in " + expr)
    return expr


def variable_values(port, var, values):
    """label_values(SELECTOR, LABEL) as Grafana's Prometheus data source asks it."""
    m = re.fullmatch(r"label_values\((.*), *(\w+)\)", var["query"]["query"])
    if not m:
        fail("dashboard: variable %s is not a label_values query" % var["name"])
    data = api(port, "series", {"match[]": expand(m.group(1), values)}) or []
    found = sorted({s[m.group(2)] for s in data if m.group(2) in s})
    regex = var.get("regex", "").strip("/")
    if regex:
        found = sorted({(re.search(regex, f).groups() or (f,))[0] for f in found
                        if re.search(regex, f)})
    return found


def main():
    src, build = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="pcpu-contrib.")
    env = dict(os.environ, PCPU_SHMDIR=tmp, PCPU_DOMAIN="demo")
    env.pop("PCPU_GROUP", None)
    procs = []
    try:
        for args in (["check", "config", "prometheus.yml"], ["check", "rules", "pcpu.rules.yml"]):
            subprocess.run(["promtool"] + args, cwd=os.path.join(src, "contrib/prometheus"),
                           check=True, stdout=subprocess.DEVNULL, timeout=30)
        with open(os.path.join(src, "contrib/grafana/pcpu-service.json")) as f:
            dash = json.load(f)
        check_shape(dash)

        procs.append(start([build + "/examples/demo_server", "-t", "2", "-s", "50"], env=env,
                           stdout=subprocess.DEVNULL))
        serve_log = open(os.path.join(tmp, "serve.log"), "w+")
        procs.append(start([build + "/tools/pcpu/pcpu", "serve", "-P", "--listen",
                            "127.0.0.1:0"], env=env, stderr=serve_log))

        def serve_port():
            serve_log.seek(0)
            m = re.search(r"127\.0\.0\.1:(\d+)", serve_log.read())
            return int(m.group(1)) if m else None
        port = wait_for("serve's address", serve_port)

        with open(os.path.join(src, "contrib/prometheus/prometheus.yml")) as f:
            cfg = f.read()
        cfg = cfg.replace("127.0.0.1:9777", "127.0.0.1:%d" % port)
        cfg = cfg.replace("scrape_interval: 15s", "scrape_interval: 1s")
        cfg = cfg.replace("pcpu.rules.yml", os.path.join(src, "contrib/prometheus/pcpu.rules.yml"))
        if "127.0.0.1:%d" % port not in cfg or "scrape_interval: 1s" not in cfg:
            fail("contrib/prometheus/prometheus.yml: its target or interval moved")
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write(cfg)
        prom = free_port()
        procs.append(start(["prometheus", "--config.file=" + os.path.join(tmp, "prometheus.yml"),
                            "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                            "--web.listen-address=127.0.0.1:%d" % prom],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # Eight scrapes, so that a rate over 5 s has samples at both ends.
        def scrapes():
            r = query(prom, 'count_over_time(pcpu_domain_up{domain="demo"}[1m])')
            return r and float(r[0]["value"][1]) >= 8
        wait_for("eight scrapes of the demo", scrapes)

        values = {"__rate_interval": "5s"}
        for var in dash["templating"]["list"]:
            found = variable_values(prom, var, values)
            print("variable %s: %s" % (var["name"], found))
            want = {"domain": "demo", "counter": "pcpu_demo_requests_total",
                    "histogram": "demo_request_duration_seconds"}[var["name"]]
            if want not in found:
                fail("variable %s offers %s, not %s" % (var["name"], found, want))
            values[var["name"]] = want
        for panel in dash["panels"]:
            for t in panel["targets"]:
                expr = expand(t["expr"], values)
                result = query(prom, expr)
                if not result:
                    fail("panel %r: no data for %s" % (panel["title"], expr))
                for r in result:
                    v = float(r["value"][1])
                    if math.isnan(v) or v < 0:
                        fail("panel %r: %s gives %s" % (panel["title"], expr, v))
                print("panel %r: %d series, first %s" % (panel["title"], len(result),
                                                          result[0]["value"][1]))
                if panel["id"] == 3 and not all("cpu" in r["metric"] for r in result):
                    fail("the per-CPU panel has series without a cpu label")
                if panel["id"] == 6 and not all(2.5e-7 <= float(r["value"][1]) <= 1e-3
                                                for r in result):
                    fail("a quantile outside the demo's finite buckets: %s" % result)
        print("ok: contrib's config, rules and every dashboard query answer with demo data")
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        subprocess.run(["rm", "-rf", tmp], check=False)


if __name__ == "__main__":
    main()
