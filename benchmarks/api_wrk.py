"""`ubr serve` under wrk: /v1/resolve with 16 connections from a C load generator, which leaves
more of the machine's cores to the server than api_latency.py's Python clients do.

    apt-get install wrk      # Debian's package
    .venv/bin/python benchmarks/api_latency.py --businesses 100000 --keep /tmp/ubr-api-100k
    .venv/bin/python benchmarks/api_wrk.py --keep /tmp/ubr-api-100k --processes 1,2

Needs a registry built by api_latency.py (`--keep DIR`). For each `--processes` value: start
`ubr serve --processes N`, wait for /v1/health, 5 s of warm-up, then `wrk -t1 -c16 -d20s
--latency` cycling through api_latency.py's perturbed queries (seed 42), and print wrk's
latency distribution, the throughput and the server's CPU (all its processes).

`--floor` also loads GET /v1/health the same way: what the web framework, the access log and
HTTP cost a request when no work is done, the ceiling any endpoint of this server can reach.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.api_latency import (  # noqa: E402
    API_KEYS,
    MINISTRY,
    UBR,
    free_port,
    make_queries,
    proc_cpu_seconds,
    server_environment,
    server_pids,
    stop,
    wait_for_health,
)


def wrk_script(businesses: int, path: Path, count: int = 3000) -> None:
    """A wrk Lua script that POSTs the perturbed queries in turn."""
    bodies = [json.dumps(query.body) for query in make_queries(businesses, count)]
    lines = ["local bodies = {", *(f"  {json.dumps(body)}," for body in bodies), "}",
             "local n = 0", "wrk.method = 'POST'",
             "wrk.headers['Content-Type'] = 'application/json'",
             f"wrk.headers['X-API-Key'] = '{API_KEYS[MINISTRY]}'",
             "request = function()", "  n = n + 1",
             "  return wrk.format(nil, '/v1/resolve', nil, bodies[(n % #bodies) + 1])", "end"]
    path.write_text("\n".join(lines) + "\n")


def measure(work: Path, processes: int, script: Path, seconds: int, floor: bool) -> None:
    url = f"sqlite:///{work / 'registry.sqlite'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "wrk_server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [UBR, "serve", "--database-url", url, "--home", str(work / "home"), "--port",
             str(port), "--processes", str(processes)], env=server_environment(url, work),
            stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_health(base, server, log)
        subprocess.run(["wrk", "-t1", "-c16", "-d5s", "-s", str(script), base],
                       capture_output=True, check=True)
        pids = server_pids(server.pid)
        loads = [("POST /v1/resolve", ["-s", str(script), base])]
        if floor:
            loads.append(("GET /v1/health (the floor)", [f"{base}/v1/health"]))
        for name, target in loads:
            cpu_before, started = sum(map(proc_cpu_seconds, pids)), time.perf_counter()
            done = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", *target],
                                  capture_output=True, text=True, check=True)
            wall = time.perf_counter() - started
            cpu = sum(map(proc_cpu_seconds, pids)) - cpu_before
            print(f"=== {name}, {processes} server process(es): server CPU {cpu:.1f} s over "
                  f"{wall:.1f} s ({cpu / wall:.2f} cores)")
            print(done.stdout)
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True,
                        help="a registry built by api_latency.py --keep DIR")
    parser.add_argument("--processes", default="1,2", help="comma-separated, e.g. 1,2")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--floor", action="store_true",
                        help="also load GET /v1/health: the cost of HTTP and the framework alone")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian's package)")
    built = args.keep / "api_latency.json"
    if not built.exists():
        sys.exit(f"no registry in {args.keep}: build one with benchmarks/api_latency.py "
                 f"--keep {args.keep}")
    businesses = json.loads(built.read_text())["businesses"]
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "resolve.lua"
        wrk_script(businesses, script)
        for processes in (int(p) for p in args.processes.split(",")):
            measure(args.keep, processes, script, args.seconds, args.floor)


if __name__ == "__main__":
    main()
