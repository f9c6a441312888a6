"""imsmanifest.xml variants: random elements and attributes from the SCORM vocabulary,
identifierref/IDRef pointing anywhere (missing targets, cycles), wrong or missing
namespaces, DOCTYPE/ENTITY declarations, declared encodings of every kind, and text
edits that break the XML. Each ends in a ParsedModule or a clear PackageError, in time."""

from __future__ import annotations

import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.authoring.parsed import ParsedModule
from lms.authoring.scorm import parse_scorm_manifest
from lms.core.errors import PackageError
from tests.fuzz.conftest import assert_clear_rejection, fuzz_settings, outcome

pytestmark = pytest.mark.usefixtures("request_context")

IDS = ["org", "org2", "i1", "i2", "r1", "r2", "seq1", "", " r1 ", "I1", "ünï", "a b"]
HREFS = ["sco/index.html", "sco/index.html?x=1#p", "sco/missing.html", "../outside.html",
         "/etc/passwd", "http://evil.example/x.html", "sco\\index.html", "%2e%2e/x.html",
         "sco/%69ndex.html", "", "sco/", "file:///etc/passwd", "//evil.example/x"]
NUMBERS = ["0", "0.5", "1", "-1", "100", "101", "abc", "1e400", "nan", "inf", "", " 0.8 "]
WORDS = ["sco", "asset", "SCO", "webcontent", "true", "false", "any", "all", "not",
         "atLeastCount", "atLeastPercent", "satisfied", "exit", "exit,message", "1.2",
         "2004 4th Edition", "CAM 1.3", "ADL SCORM", "漢字", ""]
ELEMENTS = {
    "manifest": ["identifier", "version", "xml:base"],
    "metadata": [], "schema": [], "schemaversion": [],
    "organizations": ["default"], "organization": ["identifier", "structure"],
    "item": ["identifier", "identifierref", "isvisible", "parameters"],
    "title": [], "resources": ["xml:base"],
    "resource": ["identifier", "type", "href", "xml:base", "adlcp:scormtype",
                 "adlcp:scormType"],
    "file": ["href"], "dependency": ["identifierref"],
    "sequencingCollection": [], "sequencing": ["ID", "IDRef"],
    "controlMode": ["choice", "flow"], "sequencingRules": [],
    "preConditionRule": [], "exitConditionRule": [], "ruleConditions":
        ["conditionCombination"],
    "ruleCondition": ["condition", "operator", "measureThreshold", "referencedObjective"],
    "ruleAction": ["action"], "limitConditions": ["attemptAbsoluteDurationLimit"],
    "rollupRules": ["objectiveMeasureWeight"],
    "rollupRule": ["childActivitySet", "minimumCount", "minimumPercent"],
    "rollupConditions": ["conditionCombination"], "rollupCondition": ["condition"],
    "rollupAction": ["action"], "objectives": [],
    "primaryObjective": ["objectiveID", "satisfiedByMeasure"],
    "objective": ["objectiveID"], "mapInfo": ["targetObjectiveID"],
    "minNormalizedMeasure": [], "completionThreshold":
        ["completedByMeasure", "minProgressMeasure", "progressWeight"],
    "masteryscore": [], "maxtimeallowed": [], "timelimitaction": [], "datafromlms": [],
    "prerequisites": [], "presentation": [], "navigationInterface": [], "hideLMSUI": [],
    "data": [], "map": ["targetID"], "deliveryControls": ["tracked"], "unknownThing": ["x"],
}
PREFIXES = ["", "", "", "adlcp:", "imsss:", "adlseq:", "adlnav:", "imscp:", "undeclared:"]
NAMESPACES = {
    "12": ' xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
          'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"',
    "2004": ' xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
            'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
            'xmlns:imsss="http://www.imsglobal.org/xsd/imsss" '
            'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
            'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"',
    "wrong": ' xmlns="http://example.com/not-scorm" xmlns:adlcp="urn:x"',
    "none": "",
}
DECLARATIONS = ["", '<?xml version="1.0"?>\n', '<?xml version="1.0" encoding="UTF-8"?>\n',
                '<?xml version="1.0" encoding="Shift_JIS"?>\n',
                '<?xml version="1.0" encoding="windows-1252"?>\n',
                '<?xml version="1.0" encoding="UTF-16"?>\n',
                '<?xml version="1.0" encoding="punycode"?>\n',
                '<?xml version="1.0" encoding="undefined"?>\n',
                '<?xml version="1.0" encoding="unicode_escape"?>\n',
                '<?xml version="1.0" encoding="idna"?>\n',
                '<?xml version="1.0" encoding="rot13"?>\n',
                '<?xml version="1.0" encoding="nonsense-enc"?>\n',
                '<!DOCTYPE manifest [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n',
                '<!DOCTYPE manifest SYSTEM "http://evil.example/x.dtd">\n',
                '<!DOCTYPE manifest [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n']

attribute_values = st.one_of(st.sampled_from(IDS), st.sampled_from(HREFS),
                             st.sampled_from(NUMBERS), st.sampled_from(WORDS),
                             st.text(max_size=12))
texts = st.one_of(st.sampled_from(NUMBERS + WORDS + ["PT1H", "P1D", "&amp;", "&lol;",
                                                      "<![CDATA[x]]>", "&#0;", "&#x1F600;"]),
                  st.text(max_size=10).map(escape))


@st.composite
def element(draw, depth: int = 0) -> str:
    name = draw(st.sampled_from(sorted(ELEMENTS)))
    prefix = draw(st.sampled_from(PREFIXES))
    attrs = draw(st.lists(st.sampled_from(ELEMENTS[name] + ["identifier", "xml:lang"]),
                          unique=True, max_size=4))
    attr_text = "".join(f" {a}={quoteattr(draw(attribute_values))}" for a in attrs)
    children = []
    if depth < 4:
        children = draw(st.lists(element(depth + 1), max_size=4 if depth < 2 else 2))
    body = draw(texts) if not children and draw(st.booleans()) else "".join(children)
    return f"<{prefix}{name}{attr_text}>{body}</{prefix}{name}>"


@st.composite
def plausible_manifest(draw) -> str:
    """A SCORM-shaped manifest with random organisations, items and resources."""
    items = []
    for _ in range(draw(st.integers(0, 4))):
        ident = draw(st.sampled_from(IDS + [f"item-{n}" for n in range(8)] * 2))
        ref = draw(st.sampled_from(["r1"] * 6 + IDS + [None, None]))
        ref_attr = f" identifierref={quoteattr(ref)}" if ref is not None else ""
        inner = "".join(draw(st.lists(element(2), max_size=2))) if draw(st.booleans()) else ""
        nested = "".join(
            f"<item identifier={quoteattr(draw(st.sampled_from(IDS)))} "
            f"identifierref={quoteattr(draw(st.sampled_from(IDS)))}><title>n</title></item>"
            for _ in range(draw(st.sampled_from([0, 0, 0, 2]))))
        items.append(f"<item identifier={quoteattr(ident)}{ref_attr}><title>"
                     f"{draw(texts)}</title>{inner}{nested}</item>")
    good = ('<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
            'href="sco/index.html"/>') if draw(st.integers(0, 3)) else ""
    resources = good + "".join(
        f"<resource identifier={quoteattr(draw(st.sampled_from(IDS)))} type=\"webcontent\" "
        f"adlcp:scormtype={quoteattr(draw(st.sampled_from(WORDS)))} "
        f"href={quoteattr(draw(st.sampled_from(HREFS)))}/>"
        for _ in range(draw(st.sampled_from([0, 0, 1, 3]))))
    collection = "".join(draw(st.lists(element(1), max_size=1)))
    default = draw(st.sampled_from(IDS + [None]))
    default_attr = f" default={quoteattr(default)}" if default is not None else ""
    version = draw(st.sampled_from(["1.2", "2004 3rd Edition", "CAM 1.3", "", "9"]))
    return (f"<manifest identifier={quoteattr(draw(st.sampled_from(IDS)))}"
            f"{NAMESPACES[draw(st.sampled_from(sorted(NAMESPACES)))]}>"
            f"<metadata><schemaversion>{escape(version)}</schemaversion></metadata>"
            f"<organizations{default_attr}><organization identifier=\"org\"><title>T</title>"
            f"{''.join(items)}</organization></organizations>"
            f"<resources>{resources}</resources>{collection}</manifest>")


@st.composite
def manifests(draw) -> bytes:
    body = draw(st.one_of(plausible_manifest(), plausible_manifest(), element()))
    text = draw(st.sampled_from(DECLARATIONS)) + body
    for _ in range(draw(st.sampled_from([0, 0, 1, 3]))):  # edits that break the XML
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["<", ">", "&", "\"", "</x>", "<!--", "]]>",
                                                 "\x00", "\ufffe", ""])) + text[at + 1:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "shift_jis", "latin-1"]))
    return text.encode(encoding, errors="replace")


def parse_or_reject(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sco").mkdir()
        (root / "sco" / "index.html").write_text("<!doctype html><title>SCO</title>")
        (root / "imsmanifest.xml").write_bytes(data)
        try:
            parsed = parse_scorm_manifest(root)
        except PackageError as exc:
            assert_clear_rejection(exc)
            outcome("rejected")
            return
        outcome("parsed")
        assert isinstance(parsed, ParsedModule) and parsed.items
        for item in parsed.items:
            launch = item.entry.split("?")[0].split("#")[0]
            assert (root / launch).resolve().is_relative_to(root.resolve())
            assert (root / launch).is_file()


@fuzz_settings(300)
@given(data=manifests())
def test_manifests_parse_or_are_rejected_clearly(data):
    parse_or_reject(data)


@fuzz_settings(100)
@given(data=st.binary(max_size=300))
def test_random_bytes_as_a_manifest_are_rejected_clearly(data):
    parse_or_reject(data)


@pytest.mark.parametrize("declaration", ["punycode", "undefined", "idna", "unicode_escape"])
def test_odd_declared_encodings_are_rejected_clearly(declaration):
    body = '<manifest identifier="m"><x a="\\ud800"/>' + "a" * 80 + ".</manifest>"
    parse_or_reject(f'<?xml version="1.0" encoding="{declaration}"?>{body}'.encode())


def test_a_non_numeric_minimum_percent_is_reported_not_a_crash():
    rule = ('<imsss:sequencing><imsss:rollupRules><imsss:rollupRule '
            'childActivitySet="atLeastPercent" minimumPercent="most"/></imsss:rollupRules>'
            '</imsss:sequencing>')
    xml = (f'<manifest identifier="m"{NAMESPACES["2004"]}><metadata><schemaversion>2004 '
           f'3rd Edition</schemaversion></metadata><organizations default="org">'
           f'<organization identifier="org"><title>T</title><item identifier="i1" '
           f'identifierref="r1"><title>A</title>{rule}</item></organization></organizations>'
           f'<resources><resource identifier="r1" type="webcontent" adlcp:scormType="sco" '
           f'href="sco/index.html"/></resources></manifest>')
    parse_or_reject(xml.encode())
