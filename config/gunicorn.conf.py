# gunicorn -c config/gunicorn.conf.py      (what `rapport serve` runs; settings from RAPPORT_* only)
#
# RAPPORT_BIND (default 127.0.0.1:5000: a proxy on this host forwards to it),
# RAPPORT_WEB_WORKERS (default 2 x CPUs + 1), RAPPORT_WEB_THREADS (4), RAPPORT_WEB_TIMEOUT (30 s),
# RAPPORT_FORWARDED_ALLOW_IPS (default loopback: the proxies whose X-Forwarded-* are believed;
# Flask's ProxyFix believes the same list, RAPPORT_TRUSTED_PROXIES hops deep).
import os
import shutil
import tempfile

from config import web_settings

_web = web_settings()

wsgi_app = "lti_tool:create_app()"
bind = _web["bind"]
workers = _web["workers"]
threads = _web["threads"]
worker_class = "gthread"
# A request that takes longer than this is killed and the worker restarted (a hung LMS call
# never happens in a request: grades go through the worker).
timeout = _web["timeout"]
graceful_timeout = _web["timeout"]
# A proxy in front must drop idle upstream connections sooner (nginx: keepalive_timeout 4s in the
# upstream block, docs/deploy.md), or it may send a POST on a connection closed here: a 502.
keepalive = 5
# Recycle workers now and then so a slow leak never grows into an outage.
max_requests = 5000
max_requests_jitter = 500
forwarded_allow_ips = _web["forwarded_allow_ips"]
# gunicorn >= 25 opens a control socket in $HOME by default; two servers on one host would fight
# over it, and nothing here uses it.
control_socket_disable = True
accesslog = "-"
logger_class = "lti_tool.serving.AccessLogger"
# Only used if logger_class is swapped for gunicorn's own: path only, never the query string
# (launch tokens travel there, and in Referer), no Referer, no client address.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss %({x-request-id}o)s'

# Prometheus multiprocess mode: every worker writes its counters to files here and /metrics
# adds them up. Set before any worker imports prometheus_client; emptied on each start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="rapport-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, name)
        if os.path.isfile(path):
            os.unlink(path)


def post_worker_init(worker):
    from lti_tool import logs
    logs.configure(_web["log_format"])


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir.startswith(tempfile.gettempdir()) and "rapport-metrics-" in _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
