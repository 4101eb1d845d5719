"""What the trust boundary costs per call, against a yardstick measured in the same run.

Inside one sandbox run, a test calls a candidate's function N times across the
boundary (the tests in one process, the candidate's code in another) and the
same function N times as a local copy in the tests' own process. Each loop is
timed inside the container with time.perf_counter, so container start and
Python start-up are not counted; the difference over N is the boundary's cost
per call. Also timed: a method call on a candidate's object (an attribute
read, then a call: two round trips), and a call handing over a callback that
the candidate's code calls back once.

Run with `make bench` (or `.venv/bin/python -m bench.boundary --calls 20000`).
"""

from __future__ import annotations

import argparse
import json
import textwrap

from sandboxes.docker import DockerSandbox
from sandboxes.engine import connect
from sandboxes.interfaces import RunLimits, RunSpec
from service.settings import settings_from_environment
from trials.manifest import RUNTIMES

CANDIDATE = """
    def add(a, b):
        return a + b

    class Counter:
        def __init__(self):
            self.n = 0

        def bump(self, by):
            self.n += by
            return self.n

    def twice(callback, value):
        return callback(value) * 2
"""

TESTS = """
    import json, time
    from solution import Counter, add, twice

    N = {calls}

    def local_add(a, b):
        return a + b

    def timed(function):
        started = time.perf_counter()
        for i in range(N):
            function(i)
        return (time.perf_counter() - started) / N * 1e6

    def test_measure():
        counter = Counter()
        figures = {{
            "local": timed(lambda i: local_add(i, 1)),
            "function": timed(lambda i: add(i, 1)),
            "method": timed(lambda i: counter.bump(1)),
            "callback": timed(lambda i: twice(abs, -i)),
        }}
        print("BOUNDARY " + json.dumps(figures))
"""


def measure(calls: int, rounds: int) -> dict[str, list[float]]:
    client = connect(settings_from_environment().docker_host)
    spec = RunSpec(
        image=RUNTIMES["python3.11"],
        files={
            "submission/solution.py": textwrap.dedent(CANDIDATE).encode(),
            "tests/test_boundary.py": textwrap.dedent(TESTS.format(calls=calls)).encode(),
        },
        limits=RunLimits(wall_seconds=120),
    )
    figures: dict[str, list[float]] = {}
    with DockerSandbox(client, pool_size=1) as sandbox:
        for _ in range(rounds):
            outcome = sandbox.run(spec)
            line = next((x for x in outcome.output.splitlines() if x.startswith("BOUNDARY ")), None)
            if line is None:
                raise SystemExit(f"the measuring test did not report: {outcome.output[-2000:]}")
            for name, value in json.loads(line.removeprefix("BOUNDARY ")).items():
                figures.setdefault(name, []).append(value)
    client.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures = measure(args.calls, args.rounds)
    best = {name: min(values) for name, values in figures.items()}
    print(f"boundary cost per call ({args.calls} calls, best of {args.rounds} runs):")
    print(f"  {'local call (yardstick)':<34} {best['local']:8.2f} µs")
    for name, label in (
        ("function", "candidate function"),
        ("method", "method on a candidate object"),
        ("callback", "call that calls a test callback"),
    ):
        extra = best[name] - best["local"]
        print(
            f"  {label:<34} {best[name]:8.2f} µs  (+{extra:.1f} µs, {best[name] / best['local']:.0f}×)"
        )


if __name__ == "__main__":
    main()
