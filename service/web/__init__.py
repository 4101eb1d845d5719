"""Server-rendered pages for people: candidates, clients and operators.

Everything a page needs is wired here: its routes under one router (which
knows who is looking), the templates, static files, CSRF on every form, and
security headers. The API under /v1 stays bearer-only and CSRF-exempt.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from service.settings import Settings
from service.web import (
    candidate,
    client,
    console,
    matches,
    models_page,
    operator,
    policies_page,
    signin,
    similarity,
)
from service.web.render import register_filters
from service.web.security import secure
from service.web.sessions import provide_viewer

HERE = Path(__file__).resolve().parent
CSRF_COOKIE = "tg_csrf"


def router() -> Router:
    return Router(
        path="/",
        route_handlers=[
            *signin.ROUTES,
            *candidate.ROUTES,
            *client.ROUTES,
            *matches.ROUTES,
            *operator.ROUTES,
            *console.ROUTES,
            *models_page.ROUTES,
            *policies_page.ROUTES,
            *similarity.ROUTES,
        ],
        dependencies={"viewer": Provide(provide_viewer)},
        after_request=secure,
        include_in_schema=False,
    )


def static_files() -> Router:
    return create_static_files_router(path="/static", directories=[HERE / "static"])


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=HERE / "templates",
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: register_filters(engine.engine),
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        # A settings-less app (tests, one-off tools) signs with a secret of its own.
        secret=settings.web_secret or secrets.token_hex(32),
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,  # forms carry the token in a field; no script reads it
        cookie_samesite="lax",
        cookie_secure=settings.secure_cookies,
        # Bearer-key clients cannot be made to send a key by another site: no CSRF there.
        exclude=["^/v1/", "^/schema", "^/health$", "^/ready$", "^/static/"],
    )
