"""The one Markdown renderer: sanitised output, furigana, links, images, tables."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from lms.core.markdown import plain_text, render_markdown

RUBY = "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>"


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<svg onload="alert(1)"><circle r="1"/></svg>',
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div onclick="alert(1)" style="position:fixed">raw</div>',
        "<!-- comment --><style>body{display:none}</style>",
    ],
)
def test_raw_html_is_shown_as_text_not_run(source):
    html = str(render_markdown(source))
    # No tag from the source survives: every '<' of it is escaped.
    assert re.search(r"<(script|img|svg|a|iframe|div|style|!--)", html) is None
    assert "&lt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "![x](javascript:alert(1))",
        '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
        "<javascript:alert(1)>",
    ],
)
def test_script_urls_never_become_links(source):
    html = str(render_markdown(source)).lower()
    assert "href=\"javascript" not in html and "src=\"javascript" not in html
    assert "vbscript:" not in html.replace("[x](vbscript:", "")
    assert 'href="data:' not in html and 'src="data:' not in html
    assert "onmouseover=\"" not in html


def test_returns_markup_safe_in_templates():
    assert isinstance(render_markdown("*hi*"), Markup)
    assert str(render_markdown("*hi* **there**")) == "<p><em>hi</em> <strong>there</strong></p>\n"


def test_ruby_from_furigana_markup():
    html = str(render_markdown("{漢字|かんじ}を{勉強|べんきょう}します。"))
    assert RUBY in html
    assert "<ruby>勉強<rp>(</rp><rt>べんきょう</rt><rp>)</rp></ruby>します。" in html


def test_furigana_content_is_escaped():
    html = str(render_markdown("{<b>x</b>|<i>y</i>}"))
    assert "<b>" not in html and "<i>" not in html
    assert "<ruby>&lt;b&gt;x&lt;/b&gt;<rp>(</rp><rt>&lt;i&gt;y&lt;/i&gt;</rt>" in html


def test_furigana_not_applied_in_code():
    html = str(render_markdown("`{漢字|かんじ}`\n\n    {漢字|かんじ}\n\n```\n{漢字|かんじ}\n```\n"))
    assert "<ruby>" not in html
    assert html.count("{漢字|かんじ}") == 3


@pytest.mark.parametrize(
    "source",
    [r"\{漢字|かんじ}", "{|かんじ}", "{漢字|}", "{漢字}", "{漢|字|じ}", "{漢字\n|かんじ}", "{{漢字|かんじ}"],
)
def test_furigana_needs_both_parts_and_can_be_escaped(source):
    html = str(render_markdown(source))
    if source == "{{漢字|かんじ}":  # the inner pair is still furigana, the extra brace text
        assert html == f"<p>{{{RUBY}</p>\n"
    else:
        assert "<ruby>" not in html


def test_furigana_inside_emphasis_and_links():
    html = str(render_markdown("**{漢字|かんじ}** [{漢字|かんじ}](https://jisho.org)"))
    assert f"<strong>{RUBY}</strong>" in html
    assert f">{RUBY}</a>" in html


def test_ruby_html_written_in_markdown_is_not_passed_through():
    # Only the furigana markup makes ruby; raw <ruby> is text like all raw HTML.
    html = str(render_markdown("<ruby>漢<rt>かん</rt></ruby>"))
    assert "<ruby>" not in html and "&lt;ruby&gt;" in html


def test_external_links_get_rel_local_links_do_not():
    html = str(render_markdown(
        "[a](https://example.com/x) [b](http://example.org) [c](pages/two.md) "
        "[d](#part) [e](/catalog/) [f](mailto:office@jdu.example)"))
    assert '<a href="https://example.com/x" rel="noopener noreferrer">a</a>' in html
    assert '<a href="http://example.org" rel="noopener noreferrer">b</a>' in html
    assert '<a href="pages/two.md">c</a>' in html
    assert '<a href="#part">d</a>' in html
    assert '<a href="/catalog/">e</a>' in html
    assert '<a href="mailto:office@jdu.example">f</a>' in html


def test_images_load_lazily_and_keep_alt_and_title():
    html = str(render_markdown('![A {猫|ねこ} sits](img/cat.png "Cat")'))
    assert '<img src="img/cat.png" alt="A 猫 sits" title="Cat" loading="lazy">' in html


def test_resolve_url_rewrites_relative_images_and_links_only():
    seen = []

    def resolve(path):
        seen.append(path)
        return None if path == "keep.md" else f"/content/TOKEN/{path}"

    html = str(render_markdown(
        "![cat](img/ね%20こ.png) [next](pages/two.md#part) [keep](keep.md) "
        "[ext](https://example.com/a.png) [top](#top) [mail](mailto:a@b.example) "
        "![remote](https://example.com/b.png) [home](/learning/)",
        resolve_url=resolve))
    assert seen == ["img/ね こ.png", "pages/two.md#part", "keep.md"]
    assert '<img src="/content/TOKEN/img/ね こ.png" alt="cat" loading="lazy">' in html
    assert '<a href="/content/TOKEN/pages/two.md#part">next</a>' in html
    assert '<a href="keep.md">keep</a>' in html
    assert 'href="https://example.com/a.png" rel="noopener noreferrer"' in html
    assert 'src="https://example.com/b.png"' in html
    assert '<a href="/learning/">home</a>' in html


def test_a_resolver_cannot_reintroduce_script_urls():
    html = str(render_markdown("[a](b.md)", resolve_url=lambda path: "javascript:alert(1)"))
    assert html == '<p><a href="b.md">a</a></p>\n'


def test_resolver_errors_reach_the_caller():
    def broken(path):
        raise LookupError(path)

    with pytest.raises(LookupError):
        render_markdown("[a](b.md)", resolve_url=broken)


def test_cached_rendering_does_not_leak_one_resolver_into_another():
    text = "![x](a.png)"
    first = str(render_markdown(text, resolve_url=lambda p: "/v1/" + p))
    second = str(render_markdown(text, resolve_url=lambda p: "/v2/" + p))
    plain = str(render_markdown(text))
    assert 'src="/v1/a.png"' in first and 'src="/v2/a.png"' in second
    assert 'src="a.png"' in plain


def test_tables_render_with_alignment():
    html = str(render_markdown("| 語 | 読み |\n|:--|--:|\n| 猫 | ねこ |\n"))
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert '<th align="left">語</th>' in html
    assert '<td align="right">ねこ</td>' in html
    assert "style=" not in html


def test_strikethrough():
    assert "<s>old</s>" in str(render_markdown("~~old~~"))


def test_plain_text_keeps_visible_text_and_drops_readings():
    text = plain_text(
        "# {漢字|かんじ}の本\n\n**{勉強|べんきょう}** します。 [link](https://x.example)\n\n"
        "- one\n- `two`\n\n![a cat](cat.png)\n\n```\ncode {a|b}\n```\n"
    )
    assert text.splitlines() == ["漢字の本", "勉強 します。 link", "one", "two", "a cat",
                                 "code {a|b}"]
    assert "かんじ" not in text and "べんきょう" not in text
    assert "https" not in text


def test_the_parse_cache_is_bounded_by_entries_and_size():
    from lms.core.markdown import _LruCache

    cache = _LruCache(size=3, max_chars=100)
    for key in "abc":
        cache.put(key, "x" * 10)
    cache.get("a")  # a is now the most recently used
    cache.put("d", "x" * 10)
    assert cache.get("b") is None  # the least recently used went
    assert [cache.get(k) is not None for k in "acd"] == [True, True, True]

    cache.put("big", "y" * 26)  # more than a quarter of the budget: never kept
    assert cache.get("big") is None

    by_size = _LruCache(size=10, max_chars=100)
    for key in "pqrst":
        by_size.put(key, "z" * 25)
    assert by_size.get("p") is None  # 125 characters > 100: the oldest went
    assert all(by_size.get(k) for k in "qrst")
