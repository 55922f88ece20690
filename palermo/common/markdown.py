"""Markdown written by users (organization profiles, statements), rendered safely.

Two independent layers, so that one bug does not become stored XSS:

1. markdown-it-py in CommonMark mode with raw HTML *off*: whatever HTML a user types is shown as
   text, and links are only created for an allow-list of absolute URLs.
2. nh3 (Ammonia) cleans the result against an explicit allow-list of tags, attributes and URL
   schemes, in case a markdown-it rule or plugin ever emits something we did not expect.

Images are never rendered: a remote image is fetched by every reader's browser, which tells
whoever controls that server who read the page, from which address, and when. For people who
face retaliation, that is a tracking pixel, so an image becomes its alt text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

# h1 is left out on purpose: the page owns its title, and user text must not be able to add a
# second, more prominent one (for example a fake "Official statement" banner).
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
    }
)
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = {"a": frozenset({"href", "title"})}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# nofollow and ugc tell search engines the link is user content, which removes the incentive to
# spam profiles; noopener and noreferrer stop the target from learning or scripting our page.
LINK_REL = "noopener noreferrer nofollow ugc"

# Prefixes rather than a URL parser: anything that is not plainly one of these is refused,
# including relative and scheme-relative ("//host") links, and obfuscations like
# "java&#x09;script:" that markdown-it's own deny-list lets through as "java%09script:".
_ALLOWED_LINK_PREFIXES: tuple[str, ...] = ("http://", "https://", "mailto:")


def is_allowed_link(url: str) -> bool:
    """True if ``url`` may become an ``href``: an absolute http(s) or mailto URL, nothing else."""
    return url.strip().lower().startswith(_ALLOWED_LINK_PREFIXES)


def _href_filter(tag: str, attribute: str, value: str) -> str | None:
    # The second layer repeats the rule instead of trusting the first: nh3's url_schemes still
    # lets relative URLs through, and we do not want those either.
    if attribute == "href" and not is_allowed_link(value):
        return None
    return value


def _demote_headings(state: StateCore) -> None:
    # Shifting every level (rather than only h1) keeps the writer's outline intact below the
    # page title; h6 stays h6 because there is nothing smaller.
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(level + 1, 6)}"


def _image_as_alt_text(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    return escapeHtml(self.renderInlineAsText(token.children or [], options, env))


@cache
def _parser() -> MarkdownIt:
    # Built once: creating a MarkdownIt instance compiles its rule chains, and rendering does
    # not mutate the instance, so sharing it between requests is safe.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.validateLink = is_allowed_link  # type: ignore[method-assign]
    md.core.ruler.push("palermo_demote_headings", _demote_headings)
    md.add_render_rule("image", _image_as_alt_text)
    return md


def render_markdown(source: str) -> SafeString:
    """Render user-written Markdown to HTML that is safe to insert into a page unescaped."""
    html = _parser().render(source)
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_href_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # Safe because it is the sanitiser's output; never mark_safe anything upstream of nh3.
    return mark_safe(cleaned)
