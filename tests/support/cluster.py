"""Several Rapport app hosts as real `rapport serve` (gunicorn) processes on one database and one
Redis, with Debian's nginx as a round-robin balancer in front when it is installed. Used by the
two-host walkthrough and by bench/exam_start.py."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen | None = None, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}: {_tail(proc)}")
        try:
            resp = requests.get(url + "/readyz", timeout=2)
            if resp.status_code == 200:
                return
            last = resp.text
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{url} never became ready: {last}")


def _tail(proc) -> str:
    log = getattr(proc, "log_path", None)
    return Path(log).read_text()[-3000:] if log and Path(log).exists() else ""


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream rapport {{
{servers}
        keepalive 32;
        keepalive_timeout 4s;  # under gunicorn's keepalive (5 s): nginx drops an idle connection first
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://rapport;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            # which app host answered: the test checks the balancer really alternated
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Cluster:
    """N app hosts (`rapport serve`, each with its own instance folder) and, where nginx is
    installed, a balancer. `urls()` gives the URL each request should go to, in turn."""

    def __init__(self, database_url: str, redis_url: str | None, hosts: int = 2, web_workers: int = 2,
                 nginx: bool = True, extra_env: dict | None = None, grade_worker: bool = True):
        self.dir = Path(tempfile.mkdtemp(prefix="rapport-cluster-"))
        self.ports = [free_port() for _ in range(hosts)]
        self.nginx_bin = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        self.use_nginx = bool(nginx and self.nginx_bin)
        self.lb_port = free_port() if self.use_nginx else None
        # Launches are checked against the base URL: the balancer's, or (no balancer) host A's.
        self.base_url = f"http://127.0.0.1:{self.lb_port or self.ports[0]}"
        self.env = dict(os.environ, RAPPORT_DATABASE_URL=database_url, RAPPORT_BASE_URL=self.base_url,
                        RAPPORT_SECRET_KEY="cluster-secret-shared-by-every-host", RAPPORT_WEB_WORKERS=str(web_workers),
                        RAPPORT_LOG_FORMAT="json", PYTHONPATH=str(ROOT))
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if redis_url:
            self.env["RAPPORT_REDIS_URL"] = redis_url
        if self.use_nginx:
            self.env["RAPPORT_TRUSTED_PROXIES"] = "1"  # nginx, on loopback (RAPPORT_FORWARDED_ALLOW_IPS default)
        self.env.update(extra_env or {})
        self.grade_worker = grade_worker
        self.procs: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None
        self._turn = 0

    def rapport(self, *args, host: int = 0, **kw) -> subprocess.CompletedProcess:
        env = dict(self.env, RAPPORT_INSTANCE_PATH=str(self.dir / f"host{host}"))
        return subprocess.run([sys.executable, "-m", "lti_tool.cli", *args], env=env, capture_output=True,
                              text=True, timeout=kw.get("timeout", 240))

    def start(self) -> "Cluster":
        for i, port in enumerate(self.ports):
            inst = self.dir / f"host{i}"
            inst.mkdir(parents=True, exist_ok=True)
            log_path = self.dir / f"host{i}.log"
            env = dict(self.env, RAPPORT_INSTANCE_PATH=str(inst))
            args = [sys.executable, "-m", "lti_tool.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
            if not self.grade_worker:
                args.append("--no-worker")
            with open(log_path, "w") as log:
                proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
            proc.log_path = log_path
            self.procs.append(proc)
        for port, proc in zip(self.ports, self.procs):
            wait_ready(f"http://127.0.0.1:{port}", proc)
        if self.use_nginx:
            for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (self.dir / sub).mkdir(exist_ok=True)
            servers = "\n".join(f"        server 127.0.0.1:{p};" for p in self.ports)
            conf = self.dir / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=self.dir, servers=servers, port=self.lb_port))
            log_path = self.dir / "nginx.out"
            with open(log_path, "w") as log:
                self.nginx = subprocess.Popen([self.nginx_bin, "-c", str(conf), "-p", str(self.dir)],
                                              stdout=log, stderr=subprocess.STDOUT)
            self.nginx.log_path = log_path
            wait_ready(self.base_url, self.nginx, 30)
        return self

    def next_url(self) -> str:
        """Where the next request goes: the balancer, or the hosts in turn (no balancer)."""
        if self.use_nginx:
            return self.base_url
        url = f"http://127.0.0.1:{self.ports[self._turn % len(self.ports)]}"
        self._turn += 1
        return url

    def host_of(self, resp: requests.Response) -> int | None:
        """Which app host answered (from nginx's X-Upstream header, or the URL)."""
        where = resp.headers.get("X-Upstream") or resp.url
        for i, port in enumerate(self.ports):
            if f":{port}" in where:
                return i
        return None

    def logs(self, host: int) -> str:
        return (self.dir / f"host{host}.log").read_text()

    def stop(self) -> None:
        for proc in ([self.nginx] if self.nginx else []) + self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in ([self.nginx] if self.nginx else []) + self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
