"""Files handed out over HTTP, the same way by the API and the pages."""

from __future__ import annotations

import msgspec
from litestar import Response


class Download(msgspec.Struct, frozen=True, kw_only=True):
    """A file to hand out: what it is called, what it is, and its bytes."""

    filename: str
    media_type: str
    data: bytes


def attachment(download: Download) -> Response[bytes]:
    return Response(
        download.data,
        media_type=download.media_type,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )
