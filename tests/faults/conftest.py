"""A real gunicorn serving the test database, for faults that need a separate process.

The tests use `transactional_db`: what they create is committed, so the server sees it,
and they hold database locks from their own connection to stop a worker inside its
transaction at a chosen point.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


class Server:
    def __init__(self, process, port):
        self.process = process
        self.url = f"http://127.0.0.1:{port}"

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def kill_worker(self):
        """SIGKILL the one worker: no cleanup, no rollback sent, the socket just closes."""
        (pid,) = self.worker_pids()
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_for_a_new_worker(self, old_pid, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if pids and old_pid not in pids and self.ready():
                return
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start a new worker")

    def ready(self):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def request(self, method, path, *, body=b"", headers=None, timeout=60):
        """(status, body) of a request; (None, error) when the connection dies."""
        request = urllib.request.Request(self.url + path, data=body or None, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            return None, error


@pytest.fixture
def server_env():
    """Extra environment for the server; a test module overrides it (Stripe keys, say)."""
    return {}


@pytest.fixture
def server(transactional_db, tmp_path, server_env):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": "fault-tests-secret-key-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STAFF_MFA_REQUIRED": "false",
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"filemail://{tmp_path}",
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(tmp_path / "media"),
        **server_env,
    }
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "fablab.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "120",
            "--config",
            str(Path(__file__).with_name("gunicorn_config.py")),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "wb"),  # noqa: SIM115 (closed with the process)
    )
    live = Server(process, port)
    live.media_root = tmp_path / "media"
    deadline = time.monotonic() + 60
    while not live.ready():
        assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
        assert time.monotonic() < deadline, "gunicorn did not answer"
        time.sleep(0.2)
    yield live
    process.terminate()
    process.wait(timeout=30)
