"""Files handed out over HTTP, the same way by the API and the pages."""

from __future__ import annotations

from litestar import Response

from service.trials.service import StarterArchive


def attachment(archive: StarterArchive) -> Response[bytes]:
    return Response(
        archive.data,
        media_type=archive.media_type,
        headers={"Content-Disposition": f'attachment; filename="{archive.filename}"'},
    )
