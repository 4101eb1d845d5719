"""`trialgate demo`: load the demo once, then print where and how to sign in."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import asyncpg
import msgspec

from sandboxes.interfaces import SandboxError
from service.cli.output import fail, say
from service.db.pool import open_connection
from service.demo import DemoPerson, SavedDemo, already_loaded, load_demo
from service.errors import ServiceError, TrialCheckFailed
from service.grading.sandboxes import SandboxProvider
from service.settings import Settings
from service.signin.links import create_sign_in_link

EXAMPLES = Path(__file__).resolve().parents[2] / "trials" / "examples"
LINK_TTL_SECONDS = 7 * 24 * 3600


def demo_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    base_url = (args.base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    saved_path = args.keys_file or settings.data_dir / "demo.json"

    async def run() -> int:
        conn = await open_connection(settings.database_url)
        try:
            if await already_loaded(conn):
                if not saved_path.exists():
                    return fail(
                        f"the demo was loaded before, but its keys file {saved_path} is gone; "
                        "make keys with `trialgate keys create`"
                    )
                saved = msgspec.json.decode(saved_path.read_bytes(), type=SavedDemo)
                people, rated = saved.people, saved.rated_candidate
                say("the demo is loaded already; fresh sign-in links:")
            else:
                say(
                    "loading the demo: example trials, a simulated market, a model (about a minute)"
                )
                provider = SandboxProvider(settings.docker_host, pool_size=1)
                try:
                    async with conn.transaction():
                        report = await load_demo(
                            conn, provider, trial_folders=sorted(EXAMPLES.iterdir())
                        )
                finally:
                    await asyncio.to_thread(provider.close)
                people, rated = report.people, report.rated_candidate
                saved_path.parent.mkdir(parents=True, exist_ok=True)
                saved_path.touch(mode=0o600)
                saved_path.write_bytes(
                    msgspec.json.encode(SavedDemo(people=people, rated_candidate=rated))
                )
                say(
                    f"loaded {len(report.trials)} trials and {report.events} events of history; "
                    f"serving model {report.model}; keys kept in {saved_path}"
                )
            links = []
            for person in people:
                link = await create_sign_in_link(
                    conn, key_id=person.key_id, created_by=None, ttl_seconds=LINK_TTL_SECONDS
                )
                links.append(base_url + link.path)
        except (ServiceError, SandboxError, TrialCheckFailed) as exc:
            return fail(f"the demo could not be loaded: {exc}")
        finally:
            await conn.close()
        _print(people, links, rated, base_url, as_json=args.json)
        return 0

    try:
        return asyncio.run(run())
    except (OSError, asyncpg.PostgresConnectionError) as exc:
        return fail(f"cannot reach PostgreSQL: {exc}")


def _print(
    people: list[DemoPerson], links: list[str], rated: str, base_url: str, *, as_json: bool
) -> None:
    if as_json:
        out = [
            {"role": p.role, "name": p.name, "key": p.key, "sign_in_link": link}
            for p, link in zip(people, links, strict=True)
        ]
        sys.stdout.buffer.write(
            msgspec.json.encode({"sign_in": f"{base_url}/sign-in", "people": out}) + b"\n"
        )
        return
    print(f"\nOpen {base_url}/sign-in and paste a key, or open a one-time link (valid 7 days):")
    for person, link in zip(people, links, strict=True):
        print(f"\n  {person.role:<9} {person.name}")
        print(f"    key   {person.key}")
        print(f"    link  {link}")
    print(
        f"\nThe candidate can take any trial. The client finds candidate {rated!r} under "
        "Candidates and rates the milestone they delivered. The operator sees the queue, "
        "the models and the policies.\n"
    )
