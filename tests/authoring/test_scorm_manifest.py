"""imsmanifest.xml reading: SCORM 1.2 and 2004 (3rd/4th edition), sequencing warnings, safety."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from lms.authoring.scorm import _add_parameters, _sanitise, parse_scorm_manifest
from lms.core.errors import PackageError
from tests.conftest import SHARED_TESTDATA, shared_file

TESTDATA = SHARED_TESTDATA / "scorm"
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def make_package(root: Path, manifest: str | bytes, files=()) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    data = manifest.encode("utf-8") if isinstance(manifest, str) else manifest
    (root / "imsmanifest.xml").write_bytes(data)
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("<html></html>", encoding="utf-8")
    return root


def rejected(root: Path) -> list:
    with pytest.raises(PackageError) as info:
        parse_scorm_manifest(root)
    return info.value.problems


def sample(tmp_path: Path, name: str) -> Path:
    archive = shared_file(TESTDATA / name)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "pkg")
    return tmp_path / "pkg"


def v12(items: str, resources: str, org_attrs: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations{org_attrs}><organization identifier="O"><title>Org</title>
{items}
  </organization></organizations>
  <resources>
{resources}
  </resources>
</manifest>"""


# --- the two Rustici samples -------------------------------------------------------------


def test_sample_scorm12(tmp_path):
    module = parse_scorm_manifest(sample(tmp_path, "RuntimeBasicCalls_SCORM12.zip"))
    assert module.format == "scorm12"
    assert module.key == "com.scorm.golfsamples.runtime.basicruntime.12"
    assert module.title == {"en": "Golf Explained - Run-time Basic Calls"}
    assert len(module.items) == 1
    item = module.items[0]
    assert (item.key, item.kind, item.title) == ("item_1", "scorm", {"en": "Golf Explained"})
    assert item.entry == "shared/launchpage.html"
    assert item.content["scorm_version"] == "1.2"
    assert item.content["scorm_type"] == "sco"
    assert item.content["launch"] == "shared/launchpage.html"
    assert item.settings == {"pass_score": None}
    assert module.warnings == []


def test_sample_scorm2004_3rd_edition(tmp_path):
    module = parse_scorm_manifest(sample(tmp_path, "RuntimeBasicCalls_SCORM20043rdEdition.zip"))
    assert module.format == "scorm2004"
    assert module.key == "com.scorm.golfsamples.runtime.basicruntime.20043rd"
    assert [i.title["en"] for i in module.items] == ["Golf Explained"]
    item = module.items[0]
    assert item.entry == "shared/launchpage.html"
    assert (item.content["scorm_version"], item.content["edition"]) == ("2004", "3rd")
    text = "\n".join(module.warnings)
    assert "Organisation 'Golf Explained - Run-time Basic Calls': sequencing controlMode" in text
    assert "Item 'Golf Explained': sequencing deliveryControls" in text


# --- hand-written SCORM 1.2: nested organisation, several SCOs and assets ----------------

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="JDU Game Dev 101" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG-MAIN">
    <organization identifier="ORG-ALT"><title>Alternative</title>
      <item identifier="ALT1" identifierref="RES-SCO1"><title>Alt</title></item>
    </organization>
    <organization identifier="ORG-MAIN">
      <title>Game Development 101</title>
      <item identifier="UNIT_1"><title> Unit 1:
            Basics </title>
        <item identifier="SCO_1" identifierref="RES-SCO1" parameters="?lesson=1">
          <title>Intro</title>
          <adlcp:masteryscore>80</adlcp:masteryscore>
          <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
          <adlcp:timelimitaction>exit, message</adlcp:timelimitaction>
          <adlcp:datafromlms>level=1</adlcp:datafromlms>
        </item>
        <item identifier="SCO_2" identifierref="RES-SCO2">
          <title>Sprites</title>
          <adlcp:prerequisites type="aicc_script">SCO_1</adlcp:prerequisites>
        </item>
        <item identifier="ASSET_1" identifierref="RES-PDF"><title>Slides</title></item>
      </item>
      <item identifier="UNIT_2" isvisible="false"><title>Unit 2</title>
        <item identifier="LESSON_2A"><title>Physics</title>
          <item identifier="SCO_3" identifierref="RES-SCO3"><title>Gravity</title></item>
        </item>
        <item identifier="sco_3" identifierref="RES-SCO3" parameters="page=2">
          <title>Gravity, part 2</title>
        </item>
      </item>
      <item identifier="SCO_5" identifierref="RES-SCO5"><title>Final test</title>
        <adlcp:masteryscore>75.5</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-SCO1" type="webcontent" adlcp:scormtype="sco" href="sco1/index.html"/>
    <resource identifier="RES-SCO2" type="webcontent" adlcp:scormtype="sco" href="sco2/index.html"/>
    <resource identifier="RES-SCO3" type="webcontent" adlcp:scormtype="sco" href="sco3/start.html"/>
    <resource identifier="RES-SCO5" type="webcontent" adlcp:scormtype="SCO"
        href="final/index.html?mode=test"/>
    <resource identifier="RES-PDF" type="webcontent" adlcp:scormtype="asset" href="docs/slides.pdf"/>
    <resource identifier="RES-IMG" type="webcontent" adlcp:scormtype="asset" href="img/logo.png"/>
  </resources>
</manifest>"""
FILES_12 = [
    "sco1/index.html",
    "sco2/index.html",
    "sco3/start.html",
    "final/index.html",
    "docs/slides.pdf",
]


def test_scorm12_nested_organisation(tmp_path):
    module = parse_scorm_manifest(make_package(tmp_path / "p", MANIFEST_12, FILES_12))
    assert (module.format, module.key) == ("scorm12", "jdu-game-dev-101")
    assert module.title == {"en": "Game Development 101"}
    keys = [i.key for i in module.items]
    assert keys[:4] == ["sco_1", "sco_2", "asset_1", "sco_3"]
    assert keys[4].startswith("sco_3-") and keys[5] == "sco_5"
    assert all(KEY_RE.match(k) for k in keys) and len(set(keys)) == 6
    by_id = {i.content["identifier"]: i for i in module.items}
    assert [i.content["scorm_type"] for i in module.items].count("sco") == 5

    intro = by_id["SCO_1"]
    assert intro.entry == "sco1/index.html?lesson=1"
    assert intro.content["launch"] == "sco1/index.html"
    assert intro.content["path"] == ["Unit 1: Basics"]
    assert intro.content["mastery_score"] == 80 and intro.settings == {"pass_score": 80}
    assert intro.content["max_time_allowed"] == "00:30:00"
    assert intro.content["time_limit_action"] == "exit,message"
    assert intro.content["data_from_lms"] == "level=1"
    assert intro.content["resource_identifier"] == "RES-SCO1"
    assert intro.content["visible"] is True
    assert by_id["SCO_2"].content["prerequisites"] == "SCO_1"
    asset = by_id["ASSET_1"]
    assert (asset.kind, asset.content["scorm_type"], asset.entry) == (
        "scorm",
        "asset",
        "docs/slides.pdf",
    )
    gravity = by_id["SCO_3"]
    assert gravity.content["path"] == ["Unit 2", "Physics"]
    assert gravity.content["visible"] is False and by_id["sco_3"].content["visible"] is False
    assert by_id["sco_3"].entry == "sco3/start.html?page=2"
    final = by_id["SCO_5"]
    assert final.entry == "final/index.html?mode=test" and final.settings == {"pass_score": 75.5}
    assert 'identifier="SCO_5"' in MANIFEST_12.splitlines()[final.line - 1]

    text = "\n".join(module.warnings)
    assert "Item 'Sprites': prerequisites (SCO_1) is not enforced" in text
    assert "Organisation 'Alternative' is not the default one" in text


# --- hand-written SCORM 2004 4th edition with sequencing ---------------------------------

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="jdu.anim.201" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Animation 201</title>
      <item identifier="MODULE">
        <title>Keyframes</title>
        <item identifier="PRETEST" identifierref="R_PRETEST">
          <title>Pre-test</title>
          <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8"
              progressWeight="0.5"/>
          <imsss:sequencing IDRef="common_rules">
            <imsss:limitConditions attemptLimit="2" attemptAbsoluteDurationLimit="PT1H"/>
            <imsss:objectives>
              <imsss:primaryObjective objectiveID="pretest_passed" satisfiedByMeasure="true">
                <imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>
              </imsss:primaryObjective>
              <imsss:objective objectiveID="knows_timing">
                <imsss:mapInfo targetObjectiveID="g_timing" writeSatisfiedStatus="true"/>
              </imsss:objective>
            </imsss:objectives>
          </imsss:sequencing>
          <adlnav:presentation><adlnav:navigationInterface>
            <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
            <adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
          </adlnav:navigationInterface></adlnav:presentation>
        </item>
        <item identifier="LESSON" identifierref="R_LESSON">
          <title>Playing the Game</title>
          <adlcp:timeLimitAction>continue,no message</adlcp:timeLimitAction>
          <adlcp:dataFromLMS>chapter=3</adlcp:dataFromLMS>
          <imsss:sequencing>
            <imsss:sequencingRules>
              <imsss:preConditionRule>
                <imsss:ruleConditions>
                  <imsss:ruleCondition condition="satisfied"/>
                </imsss:ruleConditions>
                <imsss:ruleAction action="disabled"/>
              </imsss:preConditionRule>
              <imsss:postConditionRule>
                <imsss:ruleConditions conditionCombination="any">
                  <imsss:ruleCondition referencedObjective="pretest_passed" operator="not"
                      condition="satisfied"/>
                  <imsss:ruleCondition condition="attemptLimitExceeded"/>
                </imsss:ruleConditions>
                <imsss:ruleAction action="retry"/>
              </imsss:postConditionRule>
            </imsss:sequencingRules>
          </imsss:sequencing>
        </item>
        <imsss:sequencing>
          <imsss:rollupRules objectiveMeasureWeight="0.5">
            <imsss:rollupRule childActivitySet="atLeastCount" minimumCount="1">
              <imsss:rollupConditions>
                <imsss:rollupCondition condition="completed"/>
              </imsss:rollupConditions>
              <imsss:rollupAction action="completed"/>
            </imsss:rollupRule>
          </imsss:rollupRules>
          <imsss:randomizationControls reorderChildren="true"/>
          <adlseq:rollupConsiderations requiredForSatisfied="ifAttempted"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R_PRETEST" type="webcontent" adlcp:scormType="sco" href="pretest.html"/>
    <resource identifier="R_LESSON" type="webcontent" adlcp:scormType="sco" href="lesson.html"/>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="common_rules">
      <imsss:sequencingRules>
        <imsss:preConditionRule>
          <imsss:ruleConditions><imsss:ruleCondition condition="attempted"/></imsss:ruleConditions>
          <imsss:ruleAction action="hiddenFromChoice"/>
        </imsss:preConditionRule>
      </imsss:sequencingRules>
      <imsss:limitConditions attemptLimit="5"/>
      <imsss:deliveryControls tracked="true" completionSetByContent="true"/>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>"""


def test_scorm2004_4th_edition_sequencing_becomes_warnings(tmp_path):
    root = make_package(tmp_path / "p", MANIFEST_2004, ["pretest.html", "lesson.html"])
    module = parse_scorm_manifest(root)
    assert (module.format, module.key, module.title) == (
        "scorm2004",
        "jdu.anim.201",
        {"en": "Animation 201"},
    )
    pretest, lesson = module.items
    assert pretest.content["edition"] == "4th" and pretest.content["path"] == ["Keyframes"]
    assert pretest.content["completion_threshold"] == 0.8
    assert pretest.content["completed_by_measure"] is True
    assert pretest.content["progress_weight"] == 0.5
    assert pretest.content["scaled_passing_score"] == 0.7
    assert pretest.settings == {"pass_score": 70.0}
    assert pretest.content["max_time_allowed"] == "PT1H"  # the local limitConditions wins
    assert lesson.content["time_limit_action"] == "continue,no message"
    assert lesson.content["data_from_lms"] == "chapter=3"
    assert lesson.settings == {"pass_score": None}

    expected = [
        "Item 'Pre-test': sequencing preConditionRule (hiddenFromChoice if attempted) "
        "from sequencingCollection 'common_rules' is not enforced; the item is always available.",
        "Item 'Pre-test': sequencing deliveryControls (tracked=true, completionSetByContent=true) "
        "from sequencingCollection 'common_rules' is not enforced",
        "Item 'Pre-test': sequencing limitConditions (attemptLimit=2, "
        "attemptAbsoluteDurationLimit=PT1H) is not enforced",
        "Item 'Pre-test': sequencing objectives (objective 'knows_timing' mapped to global "
        "objective 'g_timing') is not enforced",
        "Item 'Pre-test': completionThreshold (completedByMeasure=true, minProgressMeasure=0.8, "
        "progressWeight=0.5) is not enforced",
        "Item 'Pre-test': adlnav presentation (hideLMSUI continue, previous) is not enforced",
        "Item 'Playing the Game': sequencing preConditionRule (disabled if satisfied) is not "
        "enforced; the item is always available.",
        "Item 'Playing the Game': sequencing postConditionRule (retry if not satisfied "
        "(objective 'pretest_passed') or attemptLimitExceeded) is not enforced",
        "Item 'Keyframes': sequencing rollupRules (objectiveMeasureWeight=0.5) is not enforced",
        "Item 'Keyframes': sequencing rollupRule (completed if at least 1 children completed)",
        "Item 'Keyframes': sequencing randomizationControls (reorderChildren=true)",
        "Item 'Keyframes': sequencing rollupConsiderations (requiredForSatisfied=ifAttempted)",
        "Organisation 'Animation 201': sequencing controlMode (choice=false, flow=true) is not "
        "enforced; learners may open the items in any order.",
    ]
    for text in expected:
        assert any(w.startswith(text) for w in module.warnings), text
    assert not any("attemptLimit=5" in w for w in module.warnings)  # overridden locally
    assert len(module.warnings) == len(set(module.warnings)) == len(expected)


def test_unknown_sequencing_idref_is_a_problem(tmp_path):
    manifest = MANIFEST_2004.replace('IDRef="common_rules"', 'IDRef="nope"')
    problems = rejected(make_package(tmp_path / "p", manifest, ["pretest.html", "lesson.html"]))
    assert len(problems) == 1 and "IDRef 'nope'" in problems[0].message
    assert problems[0].line is not None


# --- launch URLs: xml:base and parameters ------------------------------------------------


def test_xml_base_is_resolved_through_manifest_resources_and_resource(tmp_path):
    manifest = (
        v12(
            '<item identifier="A" identifierref="R1"><title>A</title></item>'
            '<item identifier="B" identifierref="R2" parameters="?x=1"><title>B</title></item>',
            '<resource identifier="R1" adlcp:scormtype="sco" xml:base="one/" href="index%20page.html"/>'
            '<resource identifier="R2" adlcp:scormtype="sco" xml:base="one" href="../shared/a.html#top"/>',
        )
        .replace("<resources>", '<resources xml:base="lessons">')
        .replace('<manifest identifier="M"', '<manifest xml:base="course/" identifier="M"')
    )
    root = make_package(
        tmp_path / "p",
        manifest,
        ["course/lessons/one/index page.html", "course/lessons/shared/a.html"],
    )
    first, second = parse_scorm_manifest(root).items
    assert first.entry == first.content["launch"] == "course/lessons/one/index page.html"
    assert second.content["launch"] == "course/lessons/shared/a.html"
    assert second.entry == "course/lessons/shared/a.html?x=1#top"


@pytest.mark.parametrize(
    ("query", "fragment", "parameters", "expected"),
    [
        ("", "", "?a=1", ("a=1", "")),
        ("", "", "&a=1&b=2", ("a=1&b=2", "")),
        ("mode=test", "", "?a=1", ("mode=test&a=1", "")),
        ("mode=test", "", "&a=1", ("mode=test&a=1", "")),
        ("", "", "#page3", ("", "page3")),
        ("", "top", "#page3", ("", "top")),  # a fragment already in the href wins
        ("", "top", "a=1", ("a=1", "top")),
        ("", "", "a=1#p2", ("a=1", "p2")),
        ("q=1", "", "  ", ("q=1", "")),
    ],
)
def test_parameters_are_joined_per_cam(query, fragment, parameters, expected):
    assert _add_parameters(query, fragment, parameters) == expected


# --- problems ---------------------------------------------------------------------------


def test_missing_file_unknown_ref_and_duplicates_are_reported_together(tmp_path):
    manifest = v12(
        '<item identifier="A" identifierref="R1"><title>Missing</title></item>\n'
        '<item identifier="B" identifierref="NOPE"><title>Unknown</title></item>\n'
        '<item identifier="A" identifierref="R2"><title>Again</title></item>',
        '<resource identifier="R1" adlcp:scormtype="sco" href="missing/index.html"/>\n'
        '<resource identifier="R2" adlcp:scormtype="sco" href="ok.html"/>\n'
        '<resource identifier="R2" adlcp:scormtype="sco" href="ok.html"/>',
    )
    problems = rejected(make_package(tmp_path / "p", manifest, ["ok.html"]))
    lines = manifest.splitlines()
    messages = {p.message: p for p in problems}
    assert len(problems) == 4
    assert all(p.file == "imsmanifest.xml" and p.line for p in problems)
    missing = next(p for p in problems if "missing/index.html" in p.message)
    assert "R1" in lines[missing.line - 1] and "Item 'Missing'" in missing.message
    unknown = next(p for p in problems if "'NOPE'" in p.message)
    assert 'identifier="B"' in lines[unknown.line - 1]
    assert any("Item identifier 'A' is used twice" in m for m in messages)
    assert any("Resource identifier 'R2' is used twice" in m for m in messages)


@pytest.mark.parametrize(
    "href",
    ["../outside.html", "%2e%2e/outside.html", "http://example.com/x.html", "/../outside.html"],
)
def test_launch_outside_the_package_is_refused(tmp_path, href):
    (tmp_path / "outside.html").write_text("secret", encoding="utf-8")
    manifest = v12(
        '<item identifier="A" identifierref="R"><title>A</title></item>',
        f'<resource identifier="R" adlcp:scormtype="sco" href="{href}"/>',
    )
    problems = rejected(make_package(tmp_path / "p", manifest))
    assert len(problems) == 1 and "not a file inside the package" in problems[0].message


def test_no_organisation_and_no_launchable_item(tmp_path):
    manifest = (
        v12("", "")
        .replace('<organization identifier="O"><title>Org</title>', "")
        .replace("</organization></organizations>", "</organizations>")
    )
    assert "no <organization>" in rejected(make_package(tmp_path / "a", manifest))[0].message
    clusters_only = v12('<item identifier="A"><title>Empty unit</title></item>', "")
    problems = rejected(make_package(tmp_path / "b", clusters_only))
    assert len(problems) == 1 and "nothing for learners to open" in problems[0].message
    wrong_default = v12(
        '<item identifier="A" identifierref="R"><title>A</title></item>',
        '<resource identifier="R" adlcp:scormtype="sco" href="a.html"/>',
        org_attrs=' default="MISSING"',
    )
    problems = rejected(make_package(tmp_path / "c", wrong_default, ["a.html"]))
    assert "'MISSING' does not exist" in problems[0].message


def test_missing_manifest_points_at_nested_folder(tmp_path):
    make_package(tmp_path / "p" / "course", v12("", ""))
    problems = rejected(tmp_path / "p")
    assert "'course'" in problems[0].message


# --- XML safety and syntax --------------------------------------------------------------


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE manifest SYSTEM "http://example.com/evil.dtd">',
        '<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_doctype_and_entities_are_refused(tmp_path, prolog):
    manifest = '<?xml version="1.0"?>\n' + prolog + '\n<manifest identifier="M">&b;</manifest>'
    problems = rejected(make_package(tmp_path / "p", manifest))
    assert len(problems) == 1 and "DOCTYPE or ENTITY" in problems[0].message
    assert problems[0].line == 2


def test_malformed_xml_gives_the_line(tmp_path):
    manifest = v12('<item identifier="A" identifierref="R"><title>A</titel></item>', "")
    problems = rejected(make_package(tmp_path / "p", manifest))
    assert len(problems) == 1 and "not well-formed" in problems[0].message
    assert problems[0].file == "imsmanifest.xml"
    assert "</titel>" in manifest.splitlines()[problems[0].line - 1]


# --- robustness seen in real packages ----------------------------------------------------


def test_undeclared_prefix_and_missing_namespaces_still_parse(tmp_path):
    manifest = """<manifest identifier="NoNs"><organizations default="O">
      <organization identifier="O"><title>Plain</title>
        <item identifier="I" identifierref="R"><title>Only</title></item></organization>
      </organizations><resources>
        <resource identifier="R" adlcp:scormType="sco" href="a.html"/></resources></manifest>"""
    module = parse_scorm_manifest(make_package(tmp_path / "p", manifest, ["a.html"]))
    assert module.format == "scorm12" and module.items[0].entry == "a.html"
    assert "No known SCORM version" in module.warnings[0]


def test_version_from_cam_13_and_from_namespace(tmp_path):
    cam = MANIFEST_2004.replace("2004 4th Edition", "CAM 1.3")
    module = parse_scorm_manifest(
        make_package(tmp_path / "a", cam, ["pretest.html", "lesson.html"])
    )
    assert module.format == "scorm2004" and module.items[0].content["edition"] is None
    no_meta = re.sub(r"<metadata>.*?</metadata>", "", MANIFEST_2004)
    module = parse_scorm_manifest(
        make_package(tmp_path / "b", no_meta, ["pretest.html", "lesson.html"])
    )
    assert module.format == "scorm2004"


def test_shift_jis_manifest_with_japanese_titles(tmp_path):
    manifest = v12(
        '<item identifier="課題1" identifierref="R"><title>アニメーション入門</title></item>',
        '<resource identifier="R" adlcp:scormtype="sco" href="a.html"/>',
    )
    manifest = manifest.replace('encoding="UTF-8"', 'encoding="Shift_JIS"')
    module = parse_scorm_manifest(
        make_package(tmp_path / "p", manifest.encode("shift_jis"), ["a.html"])
    )
    item = module.items[0]
    assert item.title == {"en": "アニメーション入門"} and item.content["identifier"] == "課題1"
    assert KEY_RE.match(item.key)


def test_invalid_mastery_score_is_a_problem(tmp_path):
    manifest = v12(
        '<item identifier="A" identifierref="R"><title>A</title>'
        "<adlcp:masteryscore>120</adlcp:masteryscore></item>",
        '<resource identifier="R" adlcp:scormtype="sco" href="a.html"/>',
    )
    problems = rejected(make_package(tmp_path / "p", manifest, ["a.html"]))
    assert "Item 'A': masteryscore must be 0 to 100, not '120'." in problems[0].message


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("Item_1", "item_1"),
        ("My Lesson #2", "my-lesson--2"),
        ("__hidden", "hidden"),
        ("x" * 80, "x" * 64),
        ("com.scorm.golf", "com.scorm.golf"),
    ],
)
def test_keys_are_sanitised(identifier, expected):
    assert _sanitise(identifier) == expected
    assert KEY_RE.match(_sanitise("項目")) and _sanitise("項目") == _sanitise("項目")


def test_bad_run_time_numbers_are_reported_in_manifest_order(tmp_path):
    """mastery score, then the completion threshold and its progress weight, then the
    sequencing's passing measure: each out-of-range number is one problem, in that order."""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Org</title>
    <item identifier="A" identifierref="R"><title>A</title>
      <imsss:sequencing><imsss:objectives>
        <imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true">
          <imsss:minNormalizedMeasure>2</imsss:minNormalizedMeasure>
        </imsss:primaryObjective>
      </imsss:objectives></imsss:sequencing>
      <adlcp:completionThreshold progressWeight="-1">1.5</adlcp:completionThreshold>
      <adlcp:masteryscore>120</adlcp:masteryscore>
      <adlcp:timelimitaction>Exit , Message</adlcp:timelimitaction>
    </item>
  </organization></organizations>
  <resources><resource identifier="R" adlcp:scormType="sco" href="a.html"/></resources>
</manifest>"""
    problems = rejected(make_package(tmp_path / "p", manifest, ["a.html"]))
    assert [p.message for p in problems] == [
        "Item 'A': masteryscore must be 0 to 100, not '120'.",
        "Item 'A': completionThreshold must be 0 to 1, not '1.5'.",
        "Item 'A': progressWeight must be 0 to 1, not '-1'.",
        "Item 'A': minNormalizedMeasure must be -1 to 1, not '2'.",
    ]
