"""The one HTML layer: every HTML report is a Jinja2 template under ``templates/`` extending ``base.html``, with
one stylesheet (``style.css``, inlined so that a page is one self-contained file: no scripts, no external assets)
and autoescaping on, so that no renderer escapes by hand."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from contractgate.reports.finding import json_text


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("contractgate.reports", "templates"),
        autoescape=True,  # every template, whatever its name: the reports quote payloads and vendor text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["json"] = json_text
    return env


def render(template: str, **context: Any) -> str:
    """A whole page (``template`` extends ``base.html``)."""
    return environment().get_template(template).render(**context)


def fragment(template: str, macro: str, *args: Any, **kwargs: Any) -> Markup:
    """One macro of ``template`` as safe markup, for a page that embeds another report's part."""
    module = environment().get_template(template).make_module()
    return Markup(getattr(module, macro)(*args, **kwargs))
