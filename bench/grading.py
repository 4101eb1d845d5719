"""Grading throughput and latency, against yardsticks measured in the same run.

Grades a batch of submissions over the example trials (a mix of verdicts) and
prints per-run latency p50/p95 and throughput for:

- bare:   the same tests run by the image's own pytest, chrooted into the image's
          filesystem: no container, no Docker;
- naive:  one hardened `docker run --rm` per submission (files bind-mounted);
- trialgate: the real grading path (warm pool, harness, judge), one at a time
  and with as many runs in parallel as the machine has cores.

Ratios are what to read: the machine is shared and absolute times drift.
Run with `make bench` (or `.venv/bin/python bench/grading.py --count 60`).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker

from sandboxes.docker import DockerSandbox
from sandboxes.engine import connect
from service.grading.grader import check_trial, grade_submission
from service.settings import settings_from_environment
from trials.manifest import RUNTIMES
from trials.package import TrialPackage, load_package

EXAMPLES = Path(__file__).resolve().parents[1] / "trials" / "examples"


def variants(package: TrialPackage) -> list[tuple[str, dict[str, bytes]]]:
    """The solution, the starter, a syntax error and a crash at import."""
    main = sorted(p for p in package.solution if p.endswith(".py"))[0]
    solution = dict(package.solution)
    broken = {**solution, main: solution[main] + b"\ndef broken(:\n    pass\n"}
    crashing = {**solution, main: solution[main] + b"\nraise RuntimeError('boom at import')\n"}
    return [
        ("solution", solution),
        ("starter", dict(package.starter)),
        ("syntax", broken),
        ("crash", crashing),
    ]


def lay_out(root: Path, package: TrialPackage, files: dict[str, bytes]) -> None:
    for prefix, tree in (
        ("submission", files),
        ("tests", package.tests),
        ("public_tests", package.public_tests),
    ):
        for path, data in tree.items():
            target = root / prefix / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def export_rootfs(client: docker.DockerClient, image: str, dest: Path) -> Path:
    """The image's filesystem as a folder, so the bare yardstick runs the same Python and
    pytest as the sandbox, only without a container."""
    container = client.containers.create(image, ["true"])
    try:
        stream = container.export()
        reader = io.BufferedReader(_ChunkStream(stream))
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            tar.extractall(dest, filter="tar")
    finally:
        container.remove(force=True)
    dest.chmod(0o755)  # a temporary folder is 0700; the sandbox user must reach into it
    (dest / "tmp").chmod(0o1777)  # extraction drops the sticky, world-writable bits
    null = dest / "dev" / "null"  # an export carries no device nodes; pytest needs this one
    null.unlink(missing_ok=True)
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    null.chmod(0o666)
    return dest


class _ChunkStream(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def bare_run(rootfs: Path, package: TrialPackage, files: dict[str, bytes]) -> float:
    """The same tests with the image's own python3 and pytest, chrooted, no container."""
    work = rootfs / "work"
    shutil.rmtree(work, ignore_errors=True)
    lay_out(work, package, files)
    started = time.perf_counter()
    subprocess.run(
        [
            shutil.which("chroot") or "/usr/sbin/chroot",
            "--userspec=10001:10001",
            str(rootfs),
            "python3",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "/work/tests",
            *(["/work/public_tests"] if package.public_tests else []),
        ],
        env={
            "PYTHONPATH": "/work/submission",
            "PYTHONDONTWRITEBYTECODE": "1",
            "HOME": "/tmp",
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
        },
        cwd="/",
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def naive_run(client: docker.DockerClient, package: TrialPackage, files: dict[str, bytes]) -> float:
    limits = package.manifest.limits
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lay_out(root, package, files)
        root.chmod(0o755)
        started = time.perf_counter()
        container = client.containers.create(
            RUNTIMES[package.manifest.runtime],
            [
                "python3",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "/work/tests",
                *(["/work/public_tests"] if package.public_tests else []),
            ],
            volumes={tmp: {"bind": "/work", "mode": "ro"}},
            environment={"PYTHONPATH": "/work/submission", "PYTHONDONTWRITEBYTECODE": "1"},
            working_dir="/work",
            network_mode="none",
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            pids_limit=limits.pids,
            nano_cpus=10**9,
            tmpfs={"/tmp": "rw,nosuid,nodev,size=16m"},
            user="10001:10001",
        )
        try:
            container.start()
            container.wait()  # a failing test run is an ordinary exit here
        finally:
            container.remove(force=True)
        return time.perf_counter() - started


def measure(label: str, jobs: list, run: Callable, parallel: int) -> dict[str, float]:
    latencies: list[float] = []
    started = time.perf_counter()
    if parallel == 1:
        latencies = [run(job) for job in jobs]
    else:
        with ThreadPoolExecutor(parallel) as pool:
            latencies = list(pool.map(run, jobs))
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    stats = {
        "p50": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "throughput": len(jobs) / wall,
    }
    print(
        f"  {label:28} p50 {stats['p50'] * 1000:7.0f} ms   p95 {stats['p95'] * 1000:7.0f} ms   "
        f"{stats['throughput']:6.2f} runs/s",
        flush=True,
    )
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=60, help="submissions per measurement")
    parser.add_argument(
        "--parallel", type=int, default=os.cpu_count() or 2, help="runs in parallel"
    )
    args = parser.parse_args(argv)

    settings = settings_from_environment()
    client = connect(settings.docker_host)
    packages = [load_package(path) for path in sorted(EXAMPLES.iterdir()) if path.is_dir()]
    mix = [(pkg, name, files) for pkg in packages for name, files in variants(pkg)]
    jobs = [mix[i % len(mix)] for i in range(args.count)]

    with DockerSandbox(client, pool_size=args.parallel) as sandbox:
        expected = {pkg.content_hash: check_trial(sandbox, pkg).expected_tests for pkg in packages}
        verdicts: Counter[str] = Counter()

        def ours(job: tuple) -> float:
            pkg, _, files = job
            started = time.perf_counter()
            grade = grade_submission(sandbox, pkg, files, expected_tests=expected[pkg.content_hash])
            verdicts[grade.verdict] += 1
            return time.perf_counter() - started

        print(
            f"{args.count} submissions over {len(packages)} trials; {args.parallel} in parallel where noted"
        )
        with tempfile.TemporaryDirectory() as tmp:
            image = RUNTIMES[packages[0].manifest.runtime]
            rootfs = export_rootfs(client, image, Path(tmp))
            bare = measure(
                "bare pytest (same rootfs)", jobs, lambda j: bare_run(rootfs, j[0], j[2]), 1
            )
        naive = measure("naive docker run", jobs, lambda j: naive_run(client, j[0], j[2]), 1)
        naive_par = measure(
            f"naive docker run x{args.parallel}",
            jobs,
            lambda j: naive_run(client, j[0], j[2]),
            args.parallel,
        )
        seq = measure("trialgate", jobs, ours, 1)
        par = measure(f"trialgate x{args.parallel}", jobs, ours, args.parallel)

    print("verdicts: " + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())))
    print("ratios (lower latency ratio and higher throughput ratio are better):")
    print(
        f"  p50 latency  trialgate / bare            {seq['p50'] / bare['p50']:.2f}x   (target <= 1.5)"
    )
    print(f"  p50 latency  trialgate / naive docker    {seq['p50'] / naive['p50']:.2f}x")
    print(
        f"  throughput   trialgate x{args.parallel} / naive loop    {par['throughput'] / naive['throughput']:.2f}x   (target >= 2)"
    )
    print(
        f"  throughput   trialgate x{args.parallel} / naive x{args.parallel}      {par['throughput'] / naive_par['throughput']:.2f}x"
    )
    print(
        f"  throughput   trialgate / naive loop        {seq['throughput'] / naive['throughput']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
