"""Scoring furigana against hand-checked readings (tests/japanese/data/readings.tsv)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lms.japanese import furigana

DATA = Path(__file__).parent / "data" / "readings.tsv"
MARKUP = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")


@dataclass
class Case:
    sentence: str
    expected: list[tuple[int, int, str]]
    kind: str
    line: int


def parse(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """'{食|た}べる' -> ('食べる', [(0, 1, 'た')])."""
    out, spans, pos = [], [], 0
    for match in MARKUP.finditer(marked):
        out.append(marked[pos:match.start()])
        start = sum(len(p) for p in out)
        out.append(match.group(1))
        spans.append((start, start + len(match.group(1)), match.group(2)))
        pos = match.end()
    out.append(marked[pos:])
    return "".join(out), spans


def load_cases(path: Path = DATA) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        marked, _tab, kind = line.partition("\t")
        sentence, expected = parse(marked)
        cases.append(Case(sentence, expected, kind.strip() or "general", number))
    return cases


def _groups(expected, produced):
    """Connected groups of overlapping spans from both lists: segmentation may differ
    (日本語|学校 or 日本語学校) as long as each group covers the same characters with the
    same reading."""
    items = [("e", s) for s in expected] + [("p", s) for s in produced]
    items.sort(key=lambda x: (x[1][0], x[1][1]))
    groups, current, end = [], [], -1
    for item in items:
        if current and item[1][0] >= end:
            groups.append(current)
            current, end = [], -1
        current.append(item)
        end = max(end, item[1][1])
    if current:
        groups.append(current)
    return groups


def score_case(case: Case, produced) -> tuple[int, bool]:
    """(expected spans read right, sentence exactly right)."""
    right = 0
    exact = True
    for group in _groups(case.expected, produced):
        exp = sorted(s for k, s in group if k == "e")
        got = sorted(s for k, s in group if k == "p")
        same = bool(exp) and bool(got) and (
            exp[0][0] == got[0][0] and max(s[1] for s in exp) == max(s[1] for s in got)
            and "".join(s[2] for s in exp) == "".join(s[2] for s in got)
            and _contiguous(exp) and _contiguous(got))
        if same:
            right += len(exp)
        else:
            exact = False
    return right, exact


def _contiguous(spans) -> bool:
    return all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))


def evaluate(cases: list[Case]):
    total_spans = right_spans = exact = 0
    failures = []
    for case in cases:
        produced = furigana.spans(furigana.analyse(case.sentence))
        right, ok = score_case(case, produced)
        total_spans += len(case.expected)
        right_spans += right
        exact += ok
        if not ok:
            failures.append((case, produced))
    return right_spans / total_spans, exact / len(cases), failures


def show(sentence: str, spans) -> str:
    out, pos = [], 0
    for start, end, reading in spans:
        out.append(sentence[pos:start] + "{" + sentence[start:end] + "|" + reading + "}")
        pos = end
    return "".join(out) + sentence[pos:]
