"""A registry built by `ubr run` and served by `ubr serve`, as an operator would start them.

Shared by the API tests and the steward review page tests: the environment (sharing secrets,
API keys, steward keys), the batch run, and the server process waited on until it answers.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

UBR = str(Path(sys.executable).with_name("ubr"))
KEYS = {"revenue": "revenue-test-key-0123456789abcdef0123456789",
        "wcb": "wcb-test-key-0123456789abcdef0123456789abcdef",
        "permits": "permits-test-key-0123456789abcdef0123456789"}
SECRETS = {"UBR_SHARING_SECRET_RJSC": "test-only-rjsc-secret-0000000000000000000000",
           "UBR_SHARING_SECRET_WCB": "test-only-wcb-secret-00000000000000000000000",
           "UBR_SHARING_SECRET_PERMITS": "test-only-permits-secret-0000000000000000000"}


def environment(data: Path, url: str, home: Path, **extra: str) -> dict[str, str]:
    """The environment of `ubr run` and `ubr serve` over `data`, with the test keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UBR_")}
    env.update(SECRETS)
    env.update({f"UBR_API_KEY_{m.upper()}": key for m, key in KEYS.items()})
    env.update({"UBR_DATA_DIR": str(data), "UBR_DATABASE_URL": url, "UBR_HOME": str(home),
                "DAGSTER_HOME": str(home / "dagster"), "UBR_USER": "api-test", **extra})
    return env


def batch_run(env: dict[str, str]) -> None:
    """`ubr run` to the end; its output is the assertion message if it fails."""
    (Path(env["DAGSTER_HOME"])).mkdir(exist_ok=True, mode=0o700)
    done = subprocess.run([UBR, "run"], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, what: str,
                       log_path: Path | None = None, seconds: float = 180) -> None:
    """Poll `url` until it answers 200; fail if `process` stops or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, log_path.read_text() if log_path else f"{what} stopped"
        assert time.monotonic() < deadline, f"{what} did not start in {seconds:.0f} s"
        time.sleep(0.5)


@contextmanager
def served(env: dict[str, str], log_path: Path, *options: str) -> Iterator[dict]:
    """`ubr serve` on a free port until the block ends; yields its base URL, log, process."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen([UBR, "serve", "--port", str(port), *options], env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_answers(f"{base}/v1/health", process, "the server", log_path)
    try:
        yield {"base": base, "log": log_path, "process": process}
    finally:
        process.terminate()
        process.wait(timeout=30)
