"""The command tree of `trialgate`: arguments only, so parsing costs nothing.

Each command's body lives in its group's module (`service.cli.reputation`, ...)
and is imported when that command runs: `trialgate infra status` never loads
the model code, and a command module imports what it needs at its top.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, get_args
from uuid import UUID

from service.auth_types import Role


def _infra(commands: Any) -> None:
    infra = commands.add_parser("infra", help="bring up, inspect or stop PostgreSQL and Docker")
    actions = infra.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("up", help="start what is not configured (idempotent)").set_defaults(
        handler="service.cli.infra:up_command"
    )
    actions.add_parser("status", help="say what runs where").set_defaults(
        handler="service.cli.infra:status_command"
    )
    actions.add_parser("down", help="stop only what `infra up` started").set_defaults(
        handler="service.cli.infra:down_command"
    )


def _runtime(commands: Any) -> None:
    commands.add_parser("migrate", help="apply pending database migrations").set_defaults(
        handler="service.cli.runtime:migrate_command"
    )
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default=None, help="interface to bind (default: TRIALGATE_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (default: TRIALGATE_PORT)")
    serve.set_defaults(handler="service.cli.runtime:serve_command")

    sandbox = commands.add_parser("sandbox", help="sandbox images")
    actions = sandbox.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build-image", help="build a runtime's sandbox image")
    build.add_argument("runtime", nargs="?", default="python3.11")
    build.set_defaults(handler="service.cli.runtime:build_image_command")


def _grading(commands: Any) -> None:
    trials = commands.add_parser("trials", help="check and import trial packages")
    actions = trials.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", help="validate a package and grade its solution and starter"
    )
    check.add_argument("package", type=Path, help="a trial folder, .tar.gz or .zip")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler="service.cli.grading:check_command")
    load = actions.add_parser(
        "import", help="check packages and make them available in the service"
    )
    load.add_argument("packages", type=Path, nargs="+", help="trial folders or archives")
    load.add_argument(
        "--organization",
        default=None,
        metavar="SLUG",
        help="import privately for this organization (default: the shared catalogue)",
    )
    load.set_defaults(handler="service.cli.grading:import_command")

    grade = commands.add_parser("grade", help="grade one submission against a trial")
    grade.add_argument("trial", type=Path, help="a trial folder, .tar.gz or .zip")
    grade.add_argument(
        "submission", type=Path, help="a folder, .tar.gz or .zip laid out like starter/"
    )
    grade.add_argument("--json", action="store_true", help="print one JSON object")
    grade.set_defaults(handler="service.cli.grading:grade_command")


def _service_cmds(commands: Any) -> None:
    keys = commands.add_parser("keys", help="API keys")
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True, choices=get_args(Role))
    create.add_argument(
        "--actor",
        default=None,
        help="the candidate or client the key acts as: their uuid, or the platform's own id "
        "for them (in --organization, default `default`)",
    )
    create.add_argument("--name", required=True, help="what the key is for")
    create.add_argument(
        "--organization",
        default=None,
        metavar="SLUG",
        help="a platform key's organization, or where --actor's platform id is looked up "
        "(default: `default`)",
    )
    create.set_defaults(handler="service.cli.service_cmds:create_key_command")

    revoke = actions.add_parser(
        "revoke",
        help="revoke keys at once: the API and web sessions stop accepting them "
        "(a process that checked a key in the last 10 s may accept it until then)",
    )
    revoke.add_argument(
        "keys", nargs="*", metavar="KEY", help="a whole key, its prefix (tg_xxxx), or its id"
    )
    revoke.add_argument(
        "--actor", type=UUID, default=None, help="also every key of this candidate or client"
    )
    revoke.set_defaults(handler="service.cli.service_cmds:revoke_keys_command")

    bootstrap = actions.add_parser(
        "bootstrap", help="make the first admin key, once, and keep it in the data folder"
    )
    bootstrap.set_defaults(handler="service.cli.service_cmds:bootstrap_key_command")

    organizations = commands.add_parser(
        "organizations", help="the platforms sharing this engine, each seeing only its own people"
    )
    actions = organizations.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = actions.add_parser("create", help="add an organization")
    new.add_argument("slug", help="its short name: a-z, 0-9 and '-'")
    new.add_argument("--name", default=None, help="its display name (default: the slug)")
    new.set_defaults(handler="service.cli.service_cmds:create_organization_command")
    actions.add_parser("list", help="every organization").set_defaults(
        handler="service.cli.service_cmds:list_organizations_command"
    )

    worker = commands.add_parser("worker", help="grade queued submissions")
    worker.add_argument(
        "--concurrency", type=int, default=None, help="runs in parallel (default: cores)"
    )
    worker.set_defaults(handler="service.cli.service_cmds:worker_command")

    jobs = commands.add_parser(
        "jobs", help="grading jobs that failed on healthy infrastructure (parked)"
    )
    actions = jobs.add_subparsers(dest="action", required=True, metavar="ACTION")
    parked = actions.add_parser("parked", help="list parked jobs, newest first")
    parked.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    parked.set_defaults(handler="service.cli.service_cmds:parked_jobs_command")
    retry = actions.add_parser("retry", help="queue parked jobs again with a fresh set of attempts")
    retry.add_argument(
        "submissions", nargs="*", type=UUID, metavar="SUBMISSION", help="a parked submission's id"
    )
    retry.add_argument("--all", action="store_true", help="every parked job")
    retry.set_defaults(handler="service.cli.service_cmds:retry_jobs_command")


def _assessment(commands: Any) -> None:
    attempts = commands.add_parser("attempts", help="candidates' timed attempts at trials")
    actions = attempts.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="a candidate's attempts, newest first")
    listing.add_argument("candidate", type=UUID, metavar="CANDIDATE", help="the candidate's id")
    listing.add_argument("--trial", default=None, help="only attempts at this trial")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(handler="service.cli.assessment:list_attempts_command")

    similarity = commands.add_parser("similarity", help="submissions that look copied")
    actions = similarity.add_subparsers(dest="action", required=True, metavar="ACTION")
    flags = actions.add_parser("flags", help="flagged pairs, newest first")
    flags.add_argument("--status", choices=("open", "cleared", "confirmed", "all"), default="open")
    flags.add_argument("--trial", default=None, help="only flags on this trial")
    flags.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    flags.set_defaults(handler="service.cli.assessment:list_flags_command")
    decision = actions.add_parser("decide", help="clear a flag, or confirm the copy")
    decision.add_argument("flag", type=UUID, metavar="FLAG", help="the flag's id")
    decision.add_argument("decision", choices=("cleared", "confirmed"))
    decision.add_argument("--note", default="", help="why (at most 2000 characters)")
    decision.set_defaults(handler="service.cli.assessment:decide_flag_command")


def _reputation(commands: Any) -> None:
    sim = commands.add_parser("simulate", help="write a synthetic market as a JSONL history")
    sim.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    sim.add_argument(
        "--events", type=int, default=None, help="size the market to about this many lines"
    )
    sim.add_argument("--candidates", type=int, default=None)
    sim.add_argument("--clients", type=int, default=None)
    sim.add_argument("--milestones", type=int, default=None)
    sim.add_argument("--ring", action=argparse.BooleanOptionalAction, default=True)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--truth", type=Path, help="also write the hidden truth as JSON")
    sim.set_defaults(handler="service.cli.reputation:simulate_command")

    events = commands.add_parser("events", help="event histories")
    actions = events.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import", help="import a JSONL history; all or nothing unless --skip-bad"
    )
    load.add_argument(
        "file", type=Path, help="one JSON event per line (see scoring/reputation/events.py)"
    )
    load.add_argument("--skip-bad", action="store_true", help="import the good lines anyway")
    load.add_argument(
        "--organization",
        default="default",
        metavar="SLUG",
        help="whose history this is (default: `default`)",
    )
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    load.set_defaults(handler="service.cli.reputation:import_command")

    model = commands.add_parser("model", help="reputation models")
    actions = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    train = actions.add_parser(
        "train", help="train on the stored history; promote only a better model"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--kind",
        choices=("linear", "gbm"),
        default="linear",
        help="linear (default) or gbm, for a history where gradient boosting wins the "
        "served-score back-test (`model evaluate`)",
    )
    train.add_argument("--json", action="store_true", help="print the report as JSON")
    train.set_defaults(handler="service.cli.reputation:train_command")
    _evaluate(actions)
    listing = actions.add_parser("list", help="model versions with their hold-out metrics")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler="service.cli.reputation:list_models_command")
    promote = actions.add_parser(
        "promote",
        help="serve this version from now on, whatever its figures, and re-score everyone "
        "(audited)",
    )
    promote.add_argument("version", metavar="VERSION", help="a stored version (`model list`)")
    promote.add_argument("--note", default="", help="why (at most 2000 characters)")
    promote.add_argument("--json", action="store_true", help="print the report as JSON")
    promote.set_defaults(handler="service.cli.reputation:promote_command")
    rollback = actions.add_parser(
        "rollback",
        help="serve again the version that served before the serving one, and re-score "
        "everyone (audited)",
    )
    rollback.add_argument("--note", default="", help="why (at most 2000 characters)")
    rollback.add_argument("--json", action="store_true", help="print the report as JSON")
    rollback.set_defaults(handler="service.cli.reputation:rollback_command")
    _calibration(actions)

    rep = commands.add_parser("reputation", help="materialised reputations")
    actions = rep.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="every candidate's reputation")
    export.add_argument("--tier", default=None, help="one tier (default: every tier)")
    export.add_argument("--json", action="store_true", help="one JSON object per line")
    export.set_defaults(handler="service.cli.reputation:export_command")
    refresh = actions.add_parser(
        "refresh", help="recompute reputations of candidates with new events"
    )
    refresh.add_argument("--all", action="store_true", help="recompute everyone")
    refresh.add_argument(
        "--watch", action="store_true", help="keep refreshing as events arrive (until SIGTERM)"
    )
    refresh.set_defaults(handler="service.cli.reputation:refresh_command")


def _one_organization_or_all(parser: Any) -> None:
    parser.add_argument(
        "--organization", default=None, metavar="SLUG", help="one organization (default: all)"
    )


def _evaluate(actions: Any) -> None:
    """`model evaluate`."""
    evaluate = actions.add_parser(
        "evaluate",
        help="the served-score back-test: scores frozen at cutoffs, judged on what came "
        "next, the default model against gradient boosting, the prior and the baselines",
    )
    _one_organization_or_all(evaluate)
    evaluate.add_argument(
        "--file",
        type=Path,
        default=None,
        help="a market file instead of the stored history: .jsonl events or a .csv "
        "signed-rating network (SOURCE,TARGET,RATING,TIME)",
    )
    evaluate.add_argument("--boot", type=int, default=200, help="bootstrap resamples")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.set_defaults(handler="service.cli.evaluation:evaluate_command")


def _calibration(actions: Any) -> None:
    """`model calibration` and `model recalibrate`."""
    calibration = actions.add_parser(
        "calibration",
        help="how served scores fared on outcomes known lately, per organization: the "
        "reliability table, calibration-in-the-large, drift and stored shifts",
    )
    _one_organization_or_all(calibration)
    calibration.add_argument(
        "--days", type=int, default=90, metavar="N", help="outcomes known in the last N days"
    )
    calibration.add_argument("--json", action="store_true", help="one JSON object per line")
    calibration.set_defaults(handler="service.cli.calibration:calibration_command")
    recalibrate = actions.add_parser(
        "recalibrate",
        help="store a base-rate shift for each organization whose serving model drifted "
        "on outcomes of the last 90 days",
    )
    _one_organization_or_all(recalibrate)
    recalibrate.add_argument(
        "--dry-run", action="store_true", help="judge and compute the shift; store nothing"
    )
    recalibrate.add_argument("--json", action="store_true", help="one JSON object per line")
    recalibrate.set_defaults(handler="service.cli.calibration:recalibrate_command")


def _demo(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="load the example trials, a simulated history, a model and demo people; "
        "print how to sign in (on later runs, fresh sign-in links only)",
    )
    demo.add_argument(
        "--base-url", default=None, help="the address people open (default: http://HOST:PORT)"
    )
    demo.add_argument(
        "--keys-file",
        type=Path,
        default=None,
        help="where the demo people's keys are kept (default: DATA_DIR/demo.json)",
    )
    demo.add_argument("--json", action="store_true", help="print the result as JSON")
    demo.set_defaults(handler="service.cli.demo:demo_command")


GROUPS = (_infra, _runtime, _grading, _service_cmds, _assessment, _reputation, _demo)


def register_all(commands: Any) -> None:
    for group in GROUPS:
        group(commands)
