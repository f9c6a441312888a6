"""The one Markdown renderer: CommonMark + tables + strikethrough + furigana, sanitised.

Course text is written by instructors and arrives inside uploaded packages, so it is
treated as untrusted twice over: markdown-it runs with raw HTML *disabled* (``<b>`` in the
source shows as the text ``<b>``), and its output is cleaned by nh3 against a short
allowlist of tags, attributes and URL schemes.

Furigana is written ``{漢字|かんじ}`` and becomes HTML ruby. It is an inline rule of the
parser, not a regular expression over the source, so it never applies inside code spans
or code blocks; ``\\{`` escapes it.

markdown-it is imported and the parser built on the first render, not when a worker starts
(importing it compiles large regular expressions).

Caching: parsing is the slow step, so the HTML that markdown-it produces is kept in a
small LRU cache keyed by the SHA-256 of the source. That HTML does not depend on the
caller: URL resolution (``resolve_url``, which depends on the module version and the
viewer) and sanitising run on every call, which nh3 (Rust) does in microseconds.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import nh3
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

__all__ = ["plain_text", "render_markdown"]

ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "code",
    "pre", "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "img",
    "figure", "figcaption", "del", "s", "ruby", "rt", "rp", "span", "div", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align"},
    "td": {"align"},
    "span": {"class", "lang"},
    "div": {"class", "lang"},
    "ruby": {"lang"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "noopener noreferrer"
CACHE_SIZE = 512  # entries
CACHE_MAX_CHARS = 32 * 1024 * 1024  # about 32-128 MB of HTML at most

# Base and reading: non-empty, no braces, bars or line breaks.
_FURIGANA_RE = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")
_ALIGN_RE = re.compile(r"^text-align:\s*(left|right|center)$")


# --- the parser -----------------------------------------------------------------


def _furigana(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``{base|reading}`` -> a ``furigana`` token."""
    if state.src[state.pos] != "{":
        return False
    match = _FURIGANA_RE.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    base, reading = match.group(1).strip(), match.group(2).strip()
    if not base or not reading:
        return False
    if not silent:
        token = state.push("furigana", "ruby", 0)
        token.content = base
        token.meta = {"reading": reading}
        token.markup = match.group(0)
    state.pos = match.end()
    return True


def _table_align(state: StateCore) -> None:
    """Core rule: table cells get ``align`` instead of the ``style`` nh3 would strip."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            style = str(token.attrs.pop("style"))
            match = _ALIGN_RE.match(style)
            if match:
                token.attrSet("align", match.group(1))


def _auto_furigana(state: StateCore) -> None:
    """Core rule: automatic furigana (``render_markdown(furigana=...)``) over text tokens.

    Each inline block's text is analysed as one piece (context matters: 一日 reads
    ついたち in 一月一日); readings land only on spans wholly inside one text token, so
    code, link URLs, image alt text and explicit ``{base|reading}`` markup (which wins)
    are never touched.
    """
    viewer = state.env.get("furigana") if isinstance(state.env, dict) else None
    if viewer is None:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        text, ranges = _analysed_text(block.children)
        if not ranges:
            continue
        found = viewer.spans(text)
        if found:
            block.children = _children_with_ruby(block.children, ranges, found)


def _analysed_text(children: list[Token]) -> tuple[str, dict[int, tuple[int, int]]]:
    """The text the analyser reads for one inline block, and where in it each text token
    that may take readings lies (child index -> (start, end)). Explicit furigana gives
    its base as context; inline code stands as a line break, so no word runs across it;
    autolink text and everything else count for nothing."""
    pieces, ranges, in_autolink = [], {}, False
    length = 0
    for index, child in enumerate(children):
        if child.type == "link_open" and child.markup == "autolink":
            in_autolink = True
        elif child.type == "link_close":
            in_autolink = False
        text = ""
        if child.type == "text" and not in_autolink:
            text = child.content
            ranges[index] = (length, length + len(text))
        elif child.type == "furigana":
            text = child.content
        elif child.type == "code_inline":
            text = "\n"
        pieces.append(text)
        length += len(text)
    return "".join(pieces), ranges


def _children_with_ruby(children: list[Token], ranges: dict[int, tuple[int, int]],
                        found: list[tuple[int, int, str]]) -> list[Token]:
    """The block's tokens with each text token in ``ranges`` cut around the spans found
    wholly inside it."""
    out = []
    for index, child in enumerate(children):
        if index not in ranges:
            out.append(child)
            continue
        start, end = ranges[index]
        out.extend(_text_with_ruby(child.content, start,
                                   [s for s in found if s[0] >= start and s[1] <= end]))
    return out


def _text_with_ruby(content: str, start: int,
                    inside: list[tuple[int, int, str]]) -> list[Token]:
    """One text token's content, starting at ``start`` in the analysed text, as text and
    furigana tokens for the spans ``inside`` it."""
    from markdown_it.token import Token

    out = []
    position = 0
    for span_start, span_end, reading in inside:
        a, b = span_start - start, span_end - start
        if a > position:
            out.append(_text_token(content[position:a]))
        token = Token("furigana", "ruby", 0)
        token.content, token.meta = content[a:b], {"reading": reading}
        out.append(token)
        position = b
    if position < len(content):
        out.append(_text_token(content[position:]))
    return out


def _text_token(content: str) -> Token:
    from markdown_it.token import Token

    token = Token("text", "", 0)
    token.content = content
    return token


def _is_external(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(("http://", "https://", "//"))


def _make_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML

    # Defined here because its base class is markdown-it's, imported on first use.
    class _Renderer(RendererHTML):
        """HTML renderer with furigana, lazy images and ``rel`` on links to other sites."""

        def furigana(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                     env: EnvType) -> str:
            token = tokens[idx]
            base, reading = escape(token.content), escape(token.meta["reading"])
            viewer = (env or {}).get("furigana")
            if viewer is not None and not viewer.shows(token.content):
                return str(base)  # the viewer's setting hides this reading
            return f"<ruby>{base}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"

        def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                      env: EnvType) -> str:
            token = tokens[idx]
            if _is_external(str(token.attrGet("href") or "")):
                token.attrSet("rel", EXTERNAL_REL)
            return self.renderToken(tokens, idx, options, env)

        def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                  env: EnvType) -> str:
            tokens[idx].attrSet("loading", "lazy")
            return super().image(tokens, idx, options, env)

        def renderInlineAsText(self, tokens: Sequence[Token] | None, options: OptionsDict,
                               env: EnvType) -> str:
            # Image alt text: furigana keeps its base text (the parent drops unknown tokens).
            out = []
            for token in tokens or []:
                if token.type == "furigana":
                    out.append(token.content)
                else:
                    out.append(super().renderInlineAsText([token], options, env))
            return "".join(out)

    md = MarkdownIt("commonmark", {"html": False}, renderer_cls=_Renderer)
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("emphasis", "furigana", _furigana)
    md.core.ruler.push("table_align", _table_align)
    md.core.ruler.push("auto_furigana", _auto_furigana)
    return md


_md: MarkdownIt | None = None
_md_lock = threading.Lock()


def _parser() -> MarkdownIt:
    """The one parser, built on first use."""
    global _md
    if _md is None:
        with _md_lock:
            if _md is None:
                _md = _make_parser()
    return _md


# --- the cache of parsed HTML -----------------------------------------------------


class _LruCache:
    """A small thread-safe LRU map bounded by entry count and total characters (pages may
    be up to 5 MB each; functools.lru_cache would also keep whole texts as keys)."""

    def __init__(self, size: int, max_chars: int):
        self.size, self.max_chars = size, max_chars
        self._data: OrderedDict[str, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, value: str) -> None:
        if len(value) > self.max_chars // 4:
            return  # one huge page must not push everything else out
        with self._lock:
            old = self._data.pop(key, None)
            self._chars -= len(old) if old is not None else 0
            self._data[key] = value
            self._chars += len(value)
            while len(self._data) > self.size or self._chars > self.max_chars:
                _key, evicted = self._data.popitem(last=False)
                self._chars -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._chars = 0


_html_cache = _LruCache(CACHE_SIZE, CACHE_MAX_CHARS)


def _unsanitised_html(text: str, furigana=None) -> str:
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if furigana is not None:
        key += "|" + furigana.cache_key
    html = _html_cache.get(key)
    if html is None:
        html = _parser().render(text, {"furigana": furigana} if furigana is not None else None)
        _html_cache.put(key, html)
    return html


# --- public API -----------------------------------------------------------------------


def _needs_resolving(url: str) -> bool:
    """Relative URLs to package files: not absolute, mailto, '#anchor' or '/platform'."""
    if not url or url.startswith(("#", "/", "\\")):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def _for_resolver(url: str) -> str:
    """markdown-it percent-encodes URLs; the resolver gets the path as the author wrote it
    (query and fragment kept as they are)."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return unquote(url[:cut]) + url[cut:]


def render_markdown(text: str, *, resolve_url: Callable[[str], str | None] | None = None,
                    furigana=None) -> Markup:
    """Render Markdown to safe HTML (a ``Markup`` that templates will not escape again).

    ``resolve_url(relative_path)`` is called for every relative image source and link
    target (not absolute URLs, ``mailto:``, ``#anchors`` or root-relative ``/paths``) so
    package files can point at their served URLs; it receives the path decoded (plus any
    ``?query``/``#fragment``) and may return None to leave the URL unchanged. Links to
    other sites get ``rel="noopener noreferrer"``; images load lazily. Raw HTML and
    script URLs never survive.

    ``furigana`` (optional; see ``lms.japanese.services.FuriganaView``) adds automatic
    readings: an object with ``cache_key`` (str: the HTML is cached per key),
    ``spans(text) -> [(start, end, reading)]`` and ``shows(base) -> bool`` (whether
    this viewer sees a reading over ``base``, explicit markup included).
    """
    html = _unsanitised_html(text or "", furigana)
    errors: list[BaseException] = []

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if resolve_url is None or (tag, attribute) not in (("a", "href"), ("img", "src")):
            return value
        if not _needs_resolving(value):
            return value
        try:
            resolved = resolve_url(_for_resolver(value))
        except Exception as exc:  # nh3 would swallow it; re-raised below
            errors.append(exc)
            return value
        # nh3 checks URL schemes before this filter runs: check the resolver's answer too.
        if resolved is None or urlsplit(resolved).scheme.lower() not in ("", "http", "https"):
            return value
        return resolved

    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=attribute_filter if resolve_url is not None else None,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        set_tag_attribute_values={"img": {"loading": "lazy"}},
        strip_comments=True,
    )
    if errors:
        raise errors[0]
    # Sanitised by nh3 just above.
    return Markup(cleaned)  # noqa: S704 # nosec B704


def plain_text(markdown: str) -> str:
    """The visible text of a Markdown source, for search indexing.

    Markup is dropped, furigana keeps its base text only (readings would match searches
    for kana that are not on the page), image alt text and code are kept. Blocks are
    separated by newlines.
    """
    lines: list[str] = []
    for token in _parser().parse(markdown or ""):
        if token.type == "inline":
            text = _inline_text(token.children or [])
        elif token.type in ("code_block", "fence"):
            text = token.content
        else:
            continue
        text = text.strip()
        if text:
            lines.append(text)
    return "\n".join(lines)


def _inline_text(tokens: Sequence[Token]) -> str:
    out = []
    for token in tokens:
        if token.type in ("text", "text_special", "code_inline", "furigana"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.type == "image":
            out.append(_inline_text(token.children or []))
    return "".join(out)
