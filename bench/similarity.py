"""Plagiarism check: precision and recall on a labelled corpus, and its speed.

Compares every pair of submissions within each task of
`bench/similarity_corpus/` (see its README), the task's starter ignored as
the service ignores it, and prints how well `is_suspicious` separates copies
from independent work: precision and recall, recall per transformation, the
similarity of independent pairs (max, p95) against copies (min, p5), and the
time to fingerprint a submission and to compare two. The starter handed back
unchanged is compared with every submission too; it must never be flagged.

Run with `.venv/bin/python -m bench.similarity`.
"""

from __future__ import annotations

import argparse
import io
import random
import time
import tokenize
from collections import defaultdict
from pathlib import Path

import msgspec

from bench.loadgen import percentile
from trials.archives import SUBMISSION_LIMITS
from trials.similarity import (
    MIN_SHARED,
    SIMILARITY_THRESHOLD,
    Fingerprint,
    Match,
    compare,
    fingerprint,
    is_suspicious,
)

CORPUS = Path(__file__).parent / "similarity_corpus"


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    task: str
    name: str  # folder under the task, e.g. "copies/x__from__ana__rename"
    origin: str  # the author whose work it is: itself, or the source of a copy
    how: str | None  # the transformation, for a copy
    files: dict[str, bytes]


class Pair(msgspec.Struct, frozen=True, kw_only=True):
    a: Submission
    b: Submission
    match: Match

    @property
    def copied(self) -> bool:
        return self.a.origin == self.b.origin

    @property
    def kind(self) -> str:
        """How the pair is related: a transformation, two copies of one source, or none."""
        if not self.copied:
            return "independent"
        if self.a.how and self.b.how:
            return "two copies of one source"
        return self.a.how or self.b.how or "?"


def read_folder(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def read_task(task: Path) -> list[Submission]:
    found = [
        Submission(
            task=task.name,
            name=f"independent/{f.name}",
            origin=f.name,
            how=None,
            files=read_folder(f),
        )
        for f in sorted((task / "independent").iterdir())
    ]
    for folder in sorted((task / "copies").iterdir()):
        _name, from_, source, how = folder.name.split("__")  # <name>__from__<source>__<how>
        assert from_ == "from", folder
        assert (task / "independent" / source).is_dir(), folder
        found.append(
            Submission(
                task=task.name,
                name=f"copies/{folder.name}",
                origin=source,
                how=how,
                files=read_folder(folder),
            )
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--closest", type=int, default=3, help="independent pairs to name")
    args = parser.parse_args(argv)

    pairs: list[Pair] = []
    starter_flags = starter_pairs = 0
    fingerprint_seconds: list[float] = []
    compare_seconds = 0.0
    compare_count = 0
    for task in sorted(p for p in args.corpus.iterdir() if (p / "starter").is_dir()):
        starter = fingerprint(read_folder(task / "starter"))
        submissions = read_task(task)
        prints: list[Fingerprint] = []
        for submission in submissions:
            started = time.perf_counter()
            prints.append(fingerprint(submission.files, ignore=[starter]))
            fingerprint_seconds.append(time.perf_counter() - started)
        handed_back = fingerprint(read_folder(task / "starter"), ignore=[starter])
        for other in prints:
            starter_pairs += 1
            starter_flags += is_suspicious(compare(handed_back, other))
        started = time.perf_counter()
        for i, a in enumerate(submissions):
            for j in range(i + 1, len(submissions)):
                pairs.append(Pair(a=a, b=submissions[j], match=compare(prints[i], prints[j])))
        compare_seconds += time.perf_counter() - started
        compare_count += len(submissions) * (len(submissions) - 1) // 2

    _report(pairs, args.closest)
    print(f"\nstarter handed back unchanged: flagged against {starter_flags} of {starter_pairs}")
    fingerprint_seconds.sort()
    print(
        f"fingerprint: median {percentile(fingerprint_seconds, 0.5) * 1e3:.2f} ms, "
        f"max {fingerprint_seconds[-1] * 1e3:.2f} ms per submission; "
        f"compare: {compare_seconds / compare_count * 1e6:.0f} µs per pair "
        f"({compare_count} pairs, regions included)"
    )
    _largest()
    return 0


def _largest() -> None:
    """The largest submission the service accepts, fingerprinted whole, against Python's
    own lexer over the same text (the yardstick: a pass any reader of the code pays)."""
    rng = random.Random(0)
    line = "v{i} = {f}(x{i}) + {g}(y) * {i} - obj.attr_{i}[{i}]\n"
    names = ["len", "abs", "min", "max", "sum", "int", "str", "repr"]
    text = ""
    while len(text) < SUBMISSION_LIMITS.max_file_bytes:
        i = rng.randrange(10**6)
        text += line.format(i=i, f=rng.choice(names), g=rng.choice(names))
    files = {f"part_{n}.py": text.encode() for n in range(4)}
    total = sum(len(d) for d in files.values())
    started = time.perf_counter()
    for data in files.values():
        for _ in tokenize.generate_tokens(io.StringIO(data.decode()).readline):
            pass
    lexing = time.perf_counter() - started
    started = time.perf_counter()
    capped = fingerprint(files)
    took = time.perf_counter() - started
    print(
        f"largest accepted submission ({total / 2**20:.1f} MiB of code): fingerprint "
        f"{took:.2f} s, {took / lexing:.2f}x Python's tokenize over it ({lexing:.2f} s); "
        f"{len(capped.marks)} marks kept"
    )


def _report(pairs: list[Pair], closest: int) -> None:
    flagged = [p for p in pairs if is_suspicious(p.match)]
    true_pos = sum(p.copied for p in flagged)
    positives = [p for p in pairs if p.copied]
    negatives = [p for p in pairs if not p.copied]
    precision = true_pos / len(flagged) if flagged else 1.0
    recall = true_pos / len(positives) if positives else 1.0
    independent = sorted(p.match.similarity for p in negatives)
    copies = sorted(p.match.similarity for p in positives)

    print(
        f"threshold: similarity >= {SIMILARITY_THRESHOLD} and shared >= {MIN_SHARED}; "
        f"{len(pairs)} pairs ({len(positives)} copied, {len(negatives)} independent)\n"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| precision | {precision:.3f} ({true_pos}/{len(flagged)} flagged pairs are copies) |")
    print(f"| recall | {recall:.3f} ({true_pos}/{len(positives)} copied pairs flagged) |")
    by_kind: dict[str, list[Pair]] = defaultdict(list)
    for pair in positives:
        by_kind[pair.kind].append(pair)
    for kind, group in sorted(by_kind.items()):
        hits = sum(is_suspicious(p.match) for p in group)
        low = min(p.match.similarity for p in group)
        print(f"| recall, {kind} | {hits}/{len(group)} (lowest similarity {low:.2f}) |")
    print(
        f"| similarity, independent pairs | max {independent[-1]:.2f}, "
        f"p95 {percentile(independent, 0.95):.2f}, median {percentile(independent, 0.5):.2f} |"
    )
    print(
        f"| similarity, copied pairs | min {copies[0]:.2f}, p5 {percentile(copies, 0.05):.2f}, "
        f"median {percentile(copies, 0.5):.2f} |"
    )
    print(
        f"| shared hashes | independent max {max(p.match.shared for p in negatives)}, "
        f"copied min {min(p.match.shared for p in positives)} |"
    )
    print("\nclosest independent pairs:")
    for pair in sorted(negatives, key=lambda p: -p.match.similarity)[:closest]:
        print(
            f"  {pair.match.similarity:.2f} ({pair.match.shared} shared)  {pair.a.task}: {pair.a.name} ~ {pair.b.name}"
        )
    print("loosest copied pairs:")
    for pair in sorted(positives, key=lambda p: p.match.similarity)[:closest]:
        print(
            f"  {pair.match.similarity:.2f} ({pair.match.shared} shared)  {pair.a.task}: {pair.a.name} ~ {pair.b.name}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
