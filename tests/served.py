"""The app served over real sockets, for tests and benchmarks: under uvicorn in a thread of this process
(`in_thread`), or as the real server process, `python -m app serve` (`ServerProcess`: one that can be killed)."""

import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]


class _LocalHttp:
    """httpx for the tests' own servers, every request and client given the run's one TLS context: httpx makes one
    for each client otherwise, reading the CA bundle (~20 ms of CPU), though these only speak plain HTTP to
    127.0.0.1 (800 of them a run, docs/performance.md "Twelfth session")."""

    tls = ssl.create_default_context()

    def request(self, method: str, url: str, **options) -> httpx.Response:
        return httpx.request(method, url, verify=self.tls, **options)

    def get(self, url: str, **options) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options) -> httpx.Response:
        return self.request("POST", url, **options)

    def client(self, **options) -> httpx.Client:
        return httpx.Client(verify=self.tls, **options)


http = _LocalHttp()


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread belongs to pytest (or the benchmark)
        pass


@contextmanager
def in_thread(application, **options) -> Iterator[str]:
    """`application` under uvicorn on 127.0.0.1 (a free port), in a thread; its base address. `options` go to
    uvicorn.Config (proxy headers, …).

    Idle connections stay open two minutes (uvicorn's default is 5 s): a test's request client that waited longer
    than that on a busy machine (screenshots, a page's work) could send on a connection the server was closing at that
    very moment, and read ECONNRESET: the race of any keep-alive client, not the app's answer."""
    config = {"host": "127.0.0.1", "port": 0, "log_level": "warning", "lifespan": "off", "access_log": False,
              "timeout_keep_alive": 120, **options}
    server = _ThreadedServer(uvicorn.Config(application, **config))
    thread = threading.Thread(target=server.run, name="uvicorn-served", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start under uvicorn")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python -m app serve` on a free port of 127.0.0.1 on the database at `url`, its output in `log`; `env` adds
    settings (SECRET_KEY, limits …)."""

    def __init__(self, url: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PORT": str(self.port), **env}
        self.log = Path(log)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "ServerProcess":
        """Start it and wait until /api/v1/health answers 200 (RuntimeError with its last output if it does not
        within `timeout` seconds)."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "app", "serve"], cwd=ROOT, env=self.env,
                                         stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if http.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as a power cut or the OOM killer would do it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """End it politely (SIGTERM), or kill it when it does not end within 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a server stuck in its own waits
            self.proc.kill()
            self.proc.wait(timeout=10)
