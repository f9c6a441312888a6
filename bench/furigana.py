"""Furigana: analyser memory, throughput cold (every text new) and cached, and accuracy.

Run: .venv/bin/python bench/furigana.py [--kb 256]
Prints a Markdown table; the figures also go to bench/results/furigana.json. Not a test.

Cold: the analyser is loaded first (its time and memory are reported on their own), then
texts never seen before go through the whole pipeline (SudachiPy, overrides, rules,
alignment). Cached: the same texts again, answered from the content-hash cache. Pages:
the same text through the Markdown renderer with a viewer's furigana, as a lesson page is.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus(kb: int) -> list[str]:
    """Paragraphs of lesson-like Japanese: the sample course's pages and the hand-checked
    sentences, numbered so that every paragraph is new text."""
    from tests.japanese.accuracy import load_cases

    sources = [c.sentence for c in load_cases()]
    for path in sorted((ROOT / "courses").glob("*/*/pages/*.ja.md")):
        sources.extend(p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip())
    out, size, n = [], 0, 0
    while size < kb * 1024:
        text = f"第{n}段落。" + sources[n % len(sources)]
        out.append(text)
        size += len(text.encode("utf-8"))
        n += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", type=int, default=256, help="KB of text (UTF-8)")
    args = parser.parse_args()

    from lms.japanese import furigana

    before = rss_mb()
    start = time.perf_counter()
    furigana.analyse("一")  # loads the dictionary and a tokenizer
    load_s = time.perf_counter() - start
    analyser_mb = rss_mb() - before
    texts = corpus(args.kb)
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024

    furigana.clear_cache()
    start = time.perf_counter()
    for text in texts:
        furigana.spans(furigana.analyse(text))
    cold = kb / (time.perf_counter() - start)
    working_mb = rss_mb() - before  # dictionary pages touched by real text, plus the cache
    start = time.perf_counter()
    for text in texts:
        furigana.spans(furigana.analyse(text))
    cached = kb / (time.perf_counter() - start)

    from lms import create_app
    from lms.core import markdown
    from lms.japanese.services import FuriganaView

    create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    view = FuriganaView(mode="above_level", level="N4")
    page = "\n\n".join(texts[:200])
    page_kb = len(page.encode("utf-8")) / 1024
    furigana.clear_cache()
    markdown._html_cache.clear()
    start = time.perf_counter()
    markdown.render_markdown(page, furigana=view)
    page_cold = page_kb / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(20):
        markdown.render_markdown(page, furigana=view)
    page_cached = 20 * page_kb / (time.perf_counter() - start)

    from tests.japanese.accuracy import evaluate, load_cases

    spans, sentences, _failures = evaluate(load_cases())
    results = {
        "text_kb": round(kb), "analyser_load_s": round(load_s, 2),
        "analyser_memory_mb": round(analyser_mb, 1), "working_memory_mb": round(working_mb, 1),
        "process_rss_mb": round(rss_mb(), 1),
        "cold_kb_s": round(cold), "cached_kb_s": round(cached),
        "page_cold_kb_s": round(page_cold), "page_cached_kb_s": round(page_cached),
        "spans_correct": round(spans, 4), "sentences_exact": round(sentences, 4),
        "sentences": len(load_cases()),
    }
    (ROOT / "bench" / "results" / "furigana.json").write_text(json.dumps(results, indent=2) + "\n")
    print("| measure | value |\n|---|---|")
    rows = [
        ("text analysed", f"{results['text_kb']} KB"),
        ("analyser load (SudachiDict-core)", f"{results['analyser_load_s']} s"),
        ("analyser memory after loading (RSS growth)", f"{results['analyser_memory_mb']} MB"),
        ("analyser + cache after the cold pass", f"{results['working_memory_mb']} MB"),
        ("throughput, cold (new text)", f"{results['cold_kb_s']} KB/s"),
        ("throughput, cached (same text)", f"{results['cached_kb_s']} KB/s"),
        ("lesson page render, cold", f"{results['page_cold_kb_s']} KB/s"),
        ("lesson page render, cached", f"{results['page_cached_kb_s']} KB/s"),
        ("ruby spans correct (hand-checked set)", f"{results['spans_correct']:.1%}"),
        ("sentences exactly right", f"{results['sentences_exact']:.1%} of "
                                    f"{results['sentences']}"),
    ]
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
