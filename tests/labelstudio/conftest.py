"""A real Label Studio server for the bridge tests, started once per session.

Label Studio pins its own Django, so it runs from its own virtual environment (LABEL_STUDIO_VENV,
default .venv-labelstudio) with its own SQLite database. A cold start migrates for minutes; the
migrated data directory is cached in ~/.cache/rounds (LABEL_STUDIO_CACHE), keyed on the Label
Studio version, and copied for each session, which brings a start down to seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent.parent
ADMIN_EMAIL = "ls-admin@rounds.test"
ADMIN_PASSWORD = "ls-admin-password-123"
ADMIN_TOKEN = "rounds-test-admin-token-0123456789abcdef"
PHYSICIAN_PASSWORD = "physician-password-123"


def _venv() -> Path:
    path = Path(os.environ.get("LABEL_STUDIO_VENV", ".venv-labelstudio"))
    return path if path.is_absolute() else ROOT / path


def _version(venv: Path) -> str:
    out = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from importlib.metadata import version; print(version('label-studio'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path) -> dict:
    env = dict(os.environ)
    for name in (
        "HOST",
        "PORT",
        "USERNAME",
        "PASSWORD",
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "LABEL_STUDIO_HOST",
        "LABEL_STUDIO_PORT",
    ):
        env.pop(name, None)
    env.update(
        LABEL_STUDIO_USERNAME=ADMIN_EMAIL,
        LABEL_STUDIO_PASSWORD=ADMIN_PASSWORD,
        LABEL_STUDIO_USER_TOKEN=ADMIN_TOKEN,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
    )
    return env


def _cached_data_dir(venv: Path) -> Path:
    """A migrated data directory with the admin user, built once per Label Studio version."""
    # Outside the work tree, so a fresh clone on the same machine starts warm.
    root = Path(os.environ.get("LABEL_STUDIO_CACHE", Path.home() / ".cache" / "rounds"))
    root.mkdir(parents=True, exist_ok=True)
    cache = root / f"labelstudio-{_version(venv)}"
    if (cache / ".ready").exists():
        return cache
    building = Path(tempfile.mkdtemp(prefix="labelstudio-init-", dir=ROOT / "var"))
    log = building.parent / f"{building.name}.log"
    with open(log, "w") as out:
        subprocess.run(
            [
                str(venv / "bin" / "label-studio"),
                "init",
                "--quiet",
                "--no-browser",
                "--enable-legacy-api-token",
                "--data-dir",
                str(building),
                "--username",
                ADMIN_EMAIL,
                "--password",
                ADMIN_PASSWORD,
                "--user-token",
                ADMIN_TOKEN,
            ],
            cwd=building,
            env=_env(building),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=900,
        )
    (building / ".ready").touch()
    try:
        building.rename(cache)
    except OSError:  # another session built it first
        shutil.rmtree(building, ignore_errors=True)
    log.unlink(missing_ok=True)
    return cache


@dataclass
class LabelStudioServer:
    url: str
    token: str
    proc: subprocess.Popen
    log: Path
    tokens: dict = field(default_factory=dict)

    def user(self, email: str, password: str = PHYSICIAN_PASSWORD) -> str:
        """Sign a user up through the organisation's invite link; returns their API token."""
        if email not in self.tokens:
            self.tokens[email] = self._signup(email, password)
        return self.tokens[email]

    def _signup(self, email: str, password: str) -> str:
        invite = requests.get(
            f"{self.url}/api/invite", headers={"Authorization": f"Token {self.token}"}, timeout=30
        )
        invite.raise_for_status()
        session = requests.Session()
        signup = f"{self.url}/user/signup/?token={invite.json()['token']}"
        session.get(signup, timeout=30).raise_for_status()
        response = session.post(
            signup,
            data={
                "email": email,
                "password": password,
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            },
            headers={"Referer": signup},
            timeout=30,
        )
        response.raise_for_status()
        if "sessionid" not in session.cookies:
            raise RuntimeError(f"Label Studio refused to sign up {email}: {response.text[-2000:]}")
        token = session.get(f"{self.url}/api/current-user/token", timeout=30)
        token.raise_for_status()
        return token.json()["token"]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"label-studio exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"label-studio not healthy in {timeout:.0f} s: {log.read_text(errors='replace')[-3000:]}"
    )


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory) -> LabelStudioServer:
    venv = _venv()
    if not (venv / "bin" / "label-studio").exists():
        pytest.fail(f"Label Studio is not installed in {venv}: run `make labelstudio`")
    base = tmp_path_factory.mktemp("labelstudio")
    data_dir = base / "data"
    shutil.copytree(_cached_data_dir(venv), data_dir)
    port = _free_port()
    log = base / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                str(venv / "bin" / "label-studio"),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            cwd=base,
            env=_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield LabelStudioServer(url=url, token=ADMIN_TOKEN, proc=proc, log=log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
