"""Headers every page carries, error pages and redirects to sign-in included.

Set per response rather than in a before_send hook: a hook wraps every
response's send, the API's too, and halved the rate of the trivial endpoint.
"""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Response

# Pages never need another origin; `no-referrer` keeps sign-in link tokens out of logs elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Pages are private to whoever is signed in: Back after signing out must not show one
    # from the browser's cache. Static files (another router) stay cacheable.
    "Cache-Control": "no-store",
}

R = TypeVar("R", bound=Response[Any])


def secure(response: R) -> R:
    response.headers.update(SECURITY_HEADERS)
    return response
