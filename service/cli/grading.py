"""`trialgate trials check`, `trialgate trials import` and `trialgate grade`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import msgspec

from sandboxes.docker import DockerSandbox
from sandboxes.engine import connect
from sandboxes.interfaces import SandboxError
from scoring.grading.verdicts import Grade
from service.cli.output import fail, say
from service.db.pool import open_connection
from service.errors import ConflictError, TrialCheckFailed
from service.grading.grader import TrialCheck, check_trial, grade_submission
from service.grading.sandboxes import SandboxProvider
from service.repo.organizations import find_organization
from service.settings import Settings
from service.trials.importer import import_package
from trials.errors import SubmissionRejected, TrialPackageInvalid
from trials.package import TrialPackage, load_package
from trials.submissions import read_submission

EXIT_BAD_INPUT = 2
EXIT_SANDBOX = 3


def _sandbox(settings: Settings) -> DockerSandbox:
    return DockerSandbox(connect(settings.docker_host), pool_size=1)


def _emit(obj: object) -> None:
    sys.stdout.buffer.write(msgspec.json.encode(obj) + b"\n")
    sys.stdout.flush()


def _print_grade(grade: Grade) -> None:
    print(f"verdict: {grade.verdict}   score: {grade.score:.3f}   ({grade.summary})")
    for test in grade.tests:
        mark = {"passed": "ok  ", "failed": "FAIL", "error": "ERR ", "skipped": "skip"}[
            test.outcome
        ]
        print(f"  {mark} {test.id}" + ("" if test.visible else "  (hidden)"))
        if test.outcome != "passed" and test.message:
            print("        " + test.message.splitlines()[0][:160])
    if grade.flags:
        print("flags: " + ", ".join(grade.flags))
    print(
        f"duration: {grade.duration_ms} ms   CPU: {grade.cpu_ms} ms   "
        f"peak memory: {grade.peak_memory_mb:.1f} MiB"
    )


def _load(path: Path, as_json: bool) -> TrialPackage | int:
    try:
        return load_package(path)
    except TrialPackageInvalid as exc:
        if as_json:
            _emit(
                {
                    "ok": False,
                    "problems": [msgspec.to_builtins(p) | {"text": str(p)} for p in exc.problems],
                }
            )
            return EXIT_BAD_INPUT
        for problem in exc.problems:
            print(f"{path}/{problem}", file=sys.stderr)
        return fail(f"{path}: {len(exc.problems)} problem(s)", EXIT_BAD_INPUT)


def check_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    package = _load(args.package, args.json)
    if isinstance(package, int):
        return package
    try:
        with _sandbox(settings) as sandbox:
            check = check_trial(sandbox, package)
    except SandboxError as exc:
        return fail(f"the sandbox failed: {exc}", EXIT_SANDBOX)
    if args.json:
        _emit(check)
    else:
        _print_check(args.package, check)
    return 0 if check.ok else 1


def _print_check(path: Path, check: TrialCheck) -> None:
    state = "ok" if check.ok else "FAILED"
    print(f"{check.trial_id} {check.version} [{check.content_hash[:12]}]: {state}")
    hidden = sum(t.startswith("tests/") for t in check.expected_tests)
    print(f"  tests: {hidden} hidden, {len(check.expected_tests) - hidden} public")
    print(
        f"  solution: {check.solution.verdict} {check.solution.score:.3f} ({check.solution.duration_ms} ms)"
    )
    print(
        f"  starter:  {check.starter.verdict} {check.starter.score:.3f} ({check.starter.duration_ms} ms)"
    )
    for problem in check.problems:
        print(f"  problem: {problem}")


def grade_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    package = _load(args.trial, args.json)
    if isinstance(package, int):
        return package
    try:
        files = read_submission(args.submission)
    except SubmissionRejected as exc:
        where = f"{args.submission}" + (f": {exc.path}" if exc.path else "")
        if args.json:
            _emit({"error": {"code": exc.code, "path": exc.path, "message": str(exc)}})
            return EXIT_BAD_INPUT
        return fail(f"{where}: refused ({exc.code}): {exc}", EXIT_BAD_INPUT)
    try:
        with _sandbox(settings) as sandbox:
            expected = _expected_tests(settings, sandbox, package)
            grade = grade_submission(sandbox, package, files, expected_tests=expected)
    except SandboxError as exc:
        if args.json:
            _emit({"verdict": "internal_error", "score": 0.0, "tests": [], "summary": str(exc)})
        return fail(f"the sandbox failed: {exc}", EXIT_SANDBOX)
    if args.json:
        _emit(grade)
    else:
        _print_grade(grade)
    return 0


def _expected_tests(
    settings: Settings, sandbox: DockerSandbox, package: TrialPackage
) -> tuple[str, ...]:
    """The trial's test ids from its reference run, cached per content hash."""
    cache = settings.data_dir / "expected-tests" / f"{package.content_hash}.json"
    if cache.exists():
        return tuple(msgspec.json.decode(cache.read_bytes(), type=list[str]))
    check = check_trial(sandbox, package)
    if not check.ok:
        raise SandboxError("the trial's own check fails: " + "; ".join(check.problems))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(msgspec.json.encode(list(check.expected_tests)))
    return check.expected_tests


def import_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    async def run() -> int:

        provider = SandboxProvider(settings.docker_host, pool_size=1)
        conn = await open_connection(settings.database_url)
        failures = 0
        try:
            organization_id = None
            if args.organization is not None:
                found = await find_organization(conn, slug=args.organization)
                if found is None:
                    return fail(f"no organization {args.organization!r}", 2)
                organization_id = found.id
            for path in args.packages:
                package = _load(path, as_json=False)
                if isinstance(package, int):
                    failures += 1
                    continue
                try:
                    async with conn.transaction():
                        imported = await import_package(
                            conn, provider, package, organization_id=organization_id
                        )
                except TrialCheckFailed as exc:
                    failures += 1
                    fail(f"{path}: check failed: {exc}")
                    continue
                except ConflictError as exc:
                    failures += 1
                    fail(f"{path}: {exc.detail}")
                    continue
                note = (
                    "already present"
                    if imported.already_present
                    else f"{imported.expected_tests} tests"
                )
                say(f"{imported.trial_id} {imported.version}: available ({note})")
        finally:
            await conn.close()
            await asyncio.to_thread(provider.close)
        return 1 if failures else 0

    try:
        return asyncio.run(run())
    except SandboxError as exc:
        return fail(f"the sandbox failed: {exc}", EXIT_SANDBOX)
