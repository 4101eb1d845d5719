"""Trial statements as HTML: CommonMark with tables, raw HTML off.

Statements come from trial packages, which operators upload but authors write;
with raw HTML disabled a statement cannot inject script or markup, and
markdown-it's link validation refuses `javascript:` and similar URLs.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


@lru_cache(maxsize=256)
def render(text: str) -> Markup:
    return Markup(_md.render(text))  # noqa: S704 - markdown-it escapes text; raw HTML is disabled
