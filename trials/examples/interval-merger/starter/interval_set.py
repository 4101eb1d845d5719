"""Interval set operations with open and closed bounds. See statement.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Interval:
    start: int | float
    end: int | float
    closed_start: bool = True
    closed_end: bool = False

    # TODO: validate (types, finiteness, no empty intervals)

    @property
    def length(self) -> int | float:
        raise NotImplementedError

    def __str__(self) -> str:
        raise NotImplementedError


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    raise NotImplementedError


def insert(intervals: Iterable[Interval], new: Interval) -> list[Interval]:
    raise NotImplementedError


def subtract(intervals: Iterable[Interval], removals: Iterable[Interval]) -> list[Interval]:
    raise NotImplementedError


def total_length(intervals: Iterable[Interval]) -> int | float:
    raise NotImplementedError


def contains(intervals: Iterable[Interval], x: int | float) -> bool:
    raise NotImplementedError
