"""A real nginx on loopback terminating TLS in front of the worker, as in production.

nginx runs as a child process over a temporary prefix with a self-signed
certificate (openssl). It reaches the worker from 127.0.0.2 (`proxy_bind`),
so to uvicorn it is a proxy on another host: not trusted by default.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

STARTUP_DEADLINE_S = 20.0
PROXY_SOURCE = "127.0.0.2"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key); the test trusts it as its CA."""
    cert, key = folder / "proxy.crt", folder / "proxy.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TlsProxy:
    """nginx: https/wss on 127.0.0.1:`port` -> http/ws on 127.0.0.1:`backend_port`."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.port = free_port()
        self.cert, self.key = make_certificate(prefix)
        (prefix / "logs").mkdir(exist_ok=True)
        self.config = prefix / "nginx.conf"
        self.process: subprocess.Popen[bytes] | None = None

    def _write_config(self, backend_port: int) -> None:
        prefix = self.prefix
        self.config.write_text(
            f"""
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{self.port} ssl;
        ssl_certificate {self.cert};
        ssl_certificate_key {self.key};
        location / {{
            proxy_pass http://127.0.0.1:{backend_port};
            proxy_bind {PROXY_SOURCE};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 3600s;
        }}
    }}
}}
"""
        )

    @property
    def public_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, backend_port: int) -> TlsProxy:
        self._write_config(backend_port)
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
        if nginx is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.process = subprocess.Popen(
            [
                nginx,
                "-p",
                str(self.prefix),
                "-c",
                str(self.config),
                "-e",
                str(self.prefix / "logs/error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.prefix / 'logs/error.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not listen in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STARTUP_DEADLINE_S)
        self.process = None
