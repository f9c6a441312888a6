"""Automatic furigana: SudachiPy readings, corrected by rules and an override table.

Pipeline for one piece of text (no Markdown: the renderer hands over plain text):

1. SudachiPy (SudachiDict-core, split mode C) splits it into words with readings;
   katakana readings become hiragana.
2. Override entries (the shipped glossary of game and animation terms and names, then the
   admin-editable ``FuriganaOverride`` table, which wins) replace the reading of the
   longest run of consecutive words whose surfaces spell an entry.
3. Rules fix whole classes of reading errors the analyser makes word by word: numbers
   with counters (三本 さんぼん, 十分 じゅっぷん after a time, 一日 ついたち in a date, Arabic
   digits), 何 なに/なん, 中 じゅう/ちゅう after a noun, 曜日, and words whose everyday
   reading differs from the dictionary's first one (明日 あした, 私 わたし, 日本 にほん).
4. Each word's reading is aligned with its spelling so ruby goes over kanji only and
   okurigana stays outside: 食べる -> 食(た)べる.

The analyser is loaded once per process (lazily, under a lock); each thread gets its own
tokenizer. Results are cached by the SHA-256 of the text and the override table's
version, so unchanged text is never analysed twice.

Speed (new text, no cache): SudachiPy takes about a third of the time; the rest is this
module's Python, run once per word, and the cycle collector. So what depends only on a
word's spelling is worked out once per distinct word and remembered (its hiragana reading
and part of speech, its alignment), the override scan stops as soon as no entry starts
with the words seen, each rule first checks the one cheap thing it needs, and the cache
keeps words as plain tuples, which the collector does not walk through (see _packed).
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lms.japanese.numbers import (
    COUNTERS,
    CountReading,
    parse_number,
    read_number,
    read_with_counter,
)

DATA = Path(__file__).parent / "data"
MAX_CHUNK = 4000  # characters per analyser call (SudachiPy refuses very long input)
MAX_OVERRIDE_TOKENS = 8
CACHE_ENTRIES = 4096
MEMO_ENTRIES = 50_000  # distinct words remembered (readings, alignments); then start over

_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_KANJI_RE = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0002FFFF々〆ヶヵ]")
_KANJI_ONLY = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0002FFFF]")
_KANA_RE = re.compile(r"[\u3041-\u309F\u30A0-\u30FFー]")


def to_hiragana(text: str) -> str:
    return text.translate(_KATA_TO_HIRA)


def has_kanji(text: str) -> bool:
    return bool(_KANJI_ONLY.search(text or ""))


def is_kanji_like(ch: str) -> bool:
    return bool(_KANJI_RE.match(ch))


# --- the analyser: one per process ------------------------------------------------

_dictionary = None
_dictionary_lock = threading.Lock()
_local = threading.local()


def _tokenizer():
    """This thread's tokenizer over the process's one dictionary (loaded on first use)."""
    global _dictionary
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        if _dictionary is None:
            with _dictionary_lock:
                if _dictionary is None:
                    from sudachipy import Dictionary

                    _dictionary = Dictionary(dict="core")
        tokenizer = _local.tokenizer = _dictionary.tokenizer()
    return tokenizer


def analyser_loaded() -> bool:
    return _dictionary is not None


# --- tokens -----------------------------------------------------------------------


@dataclass(slots=True)
class Word:
    """One word after the rules: where it is, what it says and how it reads. ``parts``
    are (text, reading or None) pieces whose readings go above kanji; None for pieces
    shown without ruby (kana, digits, symbols)."""

    start: int
    end: int
    surface: str
    reading: str
    pos: tuple = ()
    fixed: bool = False  # set by an override: rules leave it alone
    parts: list | None = None
    source: str = "analyser"

    def ruby_parts(self) -> list[tuple[str, str | None]]:
        if self.parts is not None:
            return self.parts
        return align(self.surface, self.reading)


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """(offset, piece) pieces of at most MAX_CHUNK characters, cut at line or sentence ends."""
    start = 0
    while start < len(text):
        end = min(len(text), start + MAX_CHUNK)
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind("。", start, end))
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def _word_reading(surface: str, reading_form: str) -> str:
    reading = to_hiragana(reading_form or surface)
    if not (_KANA_RE.search(surface) or has_kanji(surface)):
        reading = surface  # digits, Latin, symbols: read as written (rules may change)
    elif not has_kanji(surface):
        reading = to_hiragana(surface)  # kana words read as written (は stays は)
    return reading


# (surface, reading form, part-of-speech id) -> (hiragana reading, part of speech[:2])
_morphemes: dict[tuple[str, str, int], tuple[str, tuple]] = {}


def _analyse(text: str) -> list[Word]:
    from sudachipy import SplitMode

    tokenizer = _tokenizer()
    memo = _morphemes
    words: list[Word] = []
    for offset, piece in _chunks(text):
        for m in tokenizer.tokenize(piece, SplitMode.C):
            surface = m.surface()
            if not surface:
                continue
            key = (surface, m.reading_form(), m.part_of_speech_id())
            known = memo.get(key)
            if known is None:
                if len(memo) >= MEMO_ENTRIES:
                    memo.clear()
                known = memo[key] = (_word_reading(surface, key[1]),
                                     tuple(m.part_of_speech()[:2]))
            words.append(Word(offset + m.begin(), offset + m.end(), surface, known[0],
                              known[1]))
    return words


# --- alignment: ruby over kanji only ------------------------------------------------


def align(surface: str, reading: str) -> list[tuple[str, str | None]]:
    """Split a word into pieces with the reading of each kanji run: 食べる/たべる ->
    [(食, た), (べる, None)]. If the reading cannot be matched (irregular words,
    symbols) the whole word gets the whole reading when it has a kanji."""
    key = (surface, reading)
    pieces = _alignments.get(key)
    if pieces is None:
        if len(_alignments) >= MEMO_ENTRIES:
            _alignments.clear()
        pieces = _alignments[key] = tuple(_align(surface, reading))
    return list(pieces)


_alignments: dict[tuple[str, str], tuple] = {}


def _align(surface: str, reading: str) -> list[tuple[str, str | None]]:
    if not has_kanji(surface):
        return [(surface, None)]
    runs = _kanji_runs(surface)
    if len(runs) == 1:
        return [(surface, reading)]
    if sum(kanji for _text, kanji in runs) == 1:
        return _align_one_kanji_run(surface, reading, runs)
    return _align_by_pattern(surface, reading, runs)


def _kanji_runs(surface: str) -> list[tuple[str, bool]]:
    """The surface as alternating runs of kanji and of everything else: 食べる ->
    [(食, True), (べる, False)]."""
    runs: list[tuple[str, bool]] = []
    for ch in surface:
        kanji = is_kanji_like(ch)
        if runs and runs[-1][1] == kanji:
            runs[-1] = (runs[-1][0] + ch, kanji)
        else:
            runs.append((ch, kanji))
    return runs


def _align_one_kanji_run(surface: str, reading: str,
                         runs: list[tuple[str, bool]]) -> list[tuple[str, str | None]]:
    """One kanji run between optional kana (食べる, お茶, お手伝い): the kana around it are
    fixed, so slicing the reading gives what the pattern of _align_by_pattern would match
    without compiling a regular expression for each new word."""
    before = "" if runs[0][1] else to_hiragana(runs[0][0])
    after = "" if runs[-1][1] else to_hiragana(runs[-1][0])
    middle = reading[len(before):len(reading) - len(after)]
    if (len(reading) <= len(before) + len(after) or not reading.startswith(before)
            or not reading.endswith(after) or "\n" in middle):
        return [(surface, reading)]
    return [(text, middle if kanji else None) for text, kanji in runs]


def _align_by_pattern(surface: str, reading: str,
                      runs: list[tuple[str, bool]]) -> list[tuple[str, str | None]]:
    """Several kanji runs (取り扱い): each takes the shortest reading that lets the kana
    between them match; no match gives the whole word the whole reading."""
    pattern = "".join("(.+?)" if kanji else "(" + re.escape(to_hiragana(text)) + ")"
                      for text, kanji in runs)
    match = re.fullmatch(pattern, reading)
    if match is None:
        return [(surface, reading)]
    return [(text, match.group(i + 1) if kanji else None)
            for i, (text, kanji) in enumerate(runs)]


# --- override entries ---------------------------------------------------------------


def _read_tsv(path: Path) -> dict[str, str]:
    entries = {}
    if not path.exists():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 2 and cols[0].strip() and cols[1].strip():
            entries[unicodedata.normalize("NFC", cols[0].strip())] = to_hiragana(cols[1].strip())
    return entries


_glossary: dict[str, str] | None = None
_glossary_prefixes: frozenset[str] = frozenset()


def glossary() -> dict[str, str]:
    """The shipped glossary (data/glossary.tsv): game and animation terms and names."""
    global _glossary, _glossary_prefixes
    if _glossary is None:
        entries = _read_tsv(DATA / "glossary.tsv")
        _glossary_prefixes = _prefixes(entries)
        _glossary = entries
    return _glossary


def _prefixes(table: dict[str, str]) -> frozenset[str]:
    """Every beginning of every entry (千尋: 千, 千尋): a run of words whose spelling is not
    one cannot grow into an entry."""
    return frozenset(key[:n] for key in table for n in range(1, len(key) + 1))


def _apply_overrides(words: list[Word], table: dict[str, str], source: str) -> list[Word]:
    """Longest match over consecutive words: the run whose surfaces spell an entry gets its
    reading and becomes one fixed word."""
    if not table:
        return words
    prefixes = _glossary_prefixes if table is _glossary else _prefixes(table)
    out: list[Word] = []
    i = 0
    while i < len(words):
        best = None
        joined = ""
        for j in range(i, min(len(words), i + MAX_OVERRIDE_TOKENS)):
            if j > i and words[j].start != words[j - 1].end:
                break
            joined += words[j].surface
            if joined not in prefixes:
                break
            if joined in table:
                best = j
        if best is None:
            out.append(words[i])
            i += 1
            continue
        surface = "".join(w.surface for w in words[i:best + 1])
        out.append(Word(words[i].start, words[best].end, surface, table[surface],
                        ("名詞", "固有名詞"), fixed=True, source=source))
        i = best + 1
    return out


# --- rules ----------------------------------------------------------------------------

# Everyday readings where the dictionary's first reading is the formal or rare one.
EVERYDAY = {"明日": "あした", "私": "わたし", "日本": "にほん", "明後日": "あさって",
            "何時": "なんじ", "私達": "わたしたち", "日本一": "にほんいち"}
# Sudachi splits these; the pair reads as one word.
PAIRS = {("一昨", "日"): "おととい", ("一昨", "年"): "おととし"}
# 中 after these nouns means "throughout" (じゅう); after others, "in the middle of" (ちゅう).
JUU_AFTER = {"今日", "明日", "一日", "今年", "今週", "今月", "一年", "一晩", "世界", "日本",
             "国", "町", "家", "体", "夜", "年", "一週間", "夏休み", "冬休み", "学校", "部屋",
             "会社", "一生", "今晩", "午前", "午後"}
CHUU_AFTER = {"午前", "午後"}  # 午前中 ごぜんちゅう
_MINUTES_AFTER = ("間", "前", "後", "ほど", "ぐらい", "くらい", "おき", "ごと", "以内", "以上",
                  "遅れ", "待", "かか", "歩", "走", "しか", "も")
_MA_VERBS = ("取", "と", "置", "お", "あけ", "空け", "持た", "もた", "詰め")
_NAN_NEXT = ("だ", "で", "の", "と", "て", "な")


_NUMERAL_POS = ("名詞", "数詞")


def _is_numeral(word: Word) -> bool:
    return (not word.fixed and word.pos[:2] == _NUMERAL_POS
            and parse_number(word.surface) is not None)


def _date_context(words: list[Word], i: int) -> bool:
    """Is the 日 after words[i] part of a date (一月一日, 毎月一日)?"""
    before = words[i - 1].surface if i > 0 else ""
    return before.endswith("月") or before in ("毎月", "今月", "来月", "先月", "月")


def _merge_numbers(words: list[Word]) -> list[Word]:
    """Numbers (consecutive numeral words, or 何) and the counter after them become one
    word with the reading the rules give."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.pos[:2] != _NUMERAL_POS and word.surface != "何":
            out.append(word)  # neither a numeral nor 何: the common case, settled cheaply
            i += 1
            continue
        if not _starts_number(words, i):
            out.append(word)
            i += 1
            continue
        j = i if word.surface == "何" else _numeral_run_end(words, i)
        numeral = "".join(w.surface for w in words[i:j + 1])
        value = None if numeral == "何" else parse_number(numeral)
        if value is None and numeral != "何":
            out.extend(words[i:j + 1])
            i = j + 1
        elif _has_counter_after(words, j):
            out.append(_counted_word(words, i, j, numeral, value))
            i = j + 2
        else:
            out.append(_number_word(words[i], words[j], numeral, value))
            i = j + 1
    return out


def _starts_number(words: list[Word], i: int) -> bool:
    """Does a number start at words[i]: a numeral, or 何 before a counter (何本)?"""
    word = words[i]
    return _is_numeral(word) or (word.surface == "何" and not word.fixed
                                 and i + 1 < len(words) and words[i + 1].surface in COUNTERS)


def _numeral_run_end(words: list[Word], i: int) -> int:
    """The index of the last of the adjoining numeral words from words[i] (二|十|三 -> 二十三)."""
    j = i
    while (j + 1 < len(words) and _is_numeral(words[j + 1])
           and words[j + 1].start == words[j].end):
        j += 1
    return j


def _has_counter_after(words: list[Word], j: int) -> bool:
    """Is words[j + 1] a counter written right after the number that ends at words[j]?"""
    counter = words[j + 1] if j + 1 < len(words) else None
    return (counter is not None and counter.start == words[j].end and not counter.fixed
            and counter.surface in COUNTERS)


def _is_date(words: list[Word], i: int, j: int, value: int | None) -> bool:
    """Is the counter words[j + 1] the 日 of a date (一月一日 ついたち) after the number
    words[i..j], rather than a count of days (一日中 いちにちじゅう)?"""
    if words[j + 1].surface != "日" or not _date_context(words, i):
        return False
    return not (value == 1 and j + 2 < len(words) and words[j + 2].surface == "中")


def _counted_word(words: list[Word], i: int, j: int, numeral: str, value: int | None) -> Word:
    """The number words[i..j] (value None for 何) and its counter words[j + 1] as one word."""
    counter = words[j + 1]
    counted = read_with_counter(value, counter.surface, counter.reading,
                                date=_is_date(words, i, j, value))
    return Word(words[i].start, counter.end, numeral + counter.surface, counted.whole,
                ("名詞", "数詞"), parts=_counted_parts(numeral, counter.surface, counted),
                source="counter")


def _counted_parts(numeral: str, counter: str, counted: CountReading) -> list | None:
    """Ruby pieces of a number and its counter: None for kanji numerals, which are aligned
    as one word (三本 さんぼん, 三つ みっ|つ); Arabic digits never take ruby."""
    if has_kanji(numeral):
        return None
    surface = numeral + counter
    if not has_kanji(counter):
        return [(surface, None)]
    if counted.fused:
        return [(surface, counted.whole)]  # 1人 ひとり cannot be split
    return [(numeral, None), *align(counter, counted.counter)]


def _number_word(first: Word, last: Word, numeral: str, value: int | None) -> Word:
    """The number first..last (value None for 何) as one word without a counter."""
    reading = read_number(value) if value is not None else "なに"
    parts = [(numeral, None)] if not has_kanji(numeral) else None
    return Word(first.start, last.end, numeral, reading, ("名詞", "数詞"), parts=parts,
                source="number")


_VOICED = str.maketrans("がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ",
                        "かきくけこさしすせそたちつてとはひふへほはひふへほ")
_VOICED_KANA = frozenset(chr(code) for code in _VOICED)
_standalone: dict[str, str | None] = {}
# What may follow a number and its counter as part of the same word.
COUNTER_SUFFIXES = {"目", "間", "中", "後", "前", "半", "頃", "以上", "以内", "未満", "毎", "分"}
# Numeral-and-counter words the analyser lists with a reading the counter rules fix
# (一回 イチカイ); other numeral words (一番, 一緒, 一体, 十分) keep the dictionary's.
SAFE_COUNTERS = {"回", "本", "匹", "杯", "冊", "個", "階", "足", "軒", "歳", "枚", "台", "点",
                 "週間", "か月", "ヶ月", "円", "年", "時", "時間", "人", "日", "月", "分"}


def _standalone_reading(surface: str) -> str | None:
    """The reading the analyser gives a word written on its own (箱 はこ, not ばこ)."""
    if surface not in _standalone:
        from sudachipy import SplitMode

        found = list(_tokenizer().tokenize(surface, SplitMode.C))
        _standalone[surface] = (to_hiragana(found[0].reading_form())
                                if len(found) == 1 and found[0].surface() == surface else None)
    return _standalone[surface]


_lookups: dict[str, frozenset] = {}


def _dictionary_readings(surface: str) -> frozenset:
    """Every reading the dictionary lists for a surface (箱: はこ, ばこ, ぱこ)."""
    if surface not in _lookups:
        _tokenizer()  # loads the dictionary
        _lookups[surface] = frozenset(to_hiragana(m.reading_form())
                                      for m in _dictionary.lookup(surface))
    return _lookups[surface]


def _joins_previous(prev: Word | None, word: Word) -> bool:
    """Does ``word`` continue a compound with the word before it (so a voiced first sound,
    rendaku, or a suffix reading is plausible)?"""
    if prev is None or prev.end != word.start or not has_kanji(prev.surface):
        return False
    if prev.source in ("counter", "number"):
        return word.surface in COUNTER_SUFFIXES  # 三日目, 二回目; not 二回|薬
    return prev.pos[:1] in (("名詞",), ("接頭辞",))


def _fix_rendaku(words: list[Word]) -> None:
    """A word that starts a phrase does not take rendaku (箱の中: はこ, not ばこ) and is not
    a suffix (雨 あめ, not う): read such words as they read on their own."""
    for i, word in enumerate(words):
        if word.pos[:1] not in (("名詞",), ("接尾辞",)):
            continue  # neither test below can apply
        if word.fixed or not has_kanji(word.surface) or not word.reading:
            continue
        prev = words[i - 1] if i else None
        voiced = word.reading[0] in _VOICED_KANA and word.pos[:1] == ("名詞",)
        suffix = word.pos[:1] == ("接尾辞",)
        if (voiced or suffix) and not _joins_previous(prev, word):
            if voiced:
                plain = word.reading[0].translate(_VOICED) + word.reading[1:]
                if plain in _dictionary_readings(word.surface):
                    word.reading, word.source = plain, "rule"
            else:
                alone = _standalone_reading(word.surface)
                if alone:
                    word.reading, word.source = alone, "rule"


_KANJI_NUMERALS = "〇一二三四五六七八九十百千万"
_NUMERAL_COUNTER_RE = re.compile(f"([{_KANJI_NUMERALS}]+)(.+)")


def _resplit(words: list[Word], text: str) -> list[Word]:
    """Counters the analyser fused with what follows (一|日中|雨 for 一日中雨): cut after the
    counter and analyse the rest of the sentence again; numeral-counter words it lists
    with a wrong reading (一回 イチカイ) become numeral + counter for the rules."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        prev = out[-1] if out else None
        if word.surface[:1] in _KANJI_NUMERALS and not word.fixed:  # cheap test first
            pieces = _split_numeral_counter(word, prev)
            if pieces is not None:
                out.extend(pieces)
                i += 1
                continue
        counter = (_fused_counter(prev, word)
                   if prev is not None and prev.pos[:2] == _NUMERAL_POS else None)
        if counter:
            rest, stop = _reanalysed_after_counter(word, counter, text)
            out.extend(rest)
            # Words the new analysis covers are dropped; the loop goes on after them.
            words = out + [w for w in words[i + 1:] if w.start >= stop]
            i = len(out)
            continue
        out.append(word)
        i += 1
    return out


def _split_numeral_counter(word: Word, prev: Word | None) -> tuple[Word, Word] | None:
    """A numeral-counter word to read by the counter rules (一回 イチカイ, a 三日 taken for a
    name, or one after another numeral) as numeral + counter; None to keep it whole."""
    match = _NUMERAL_COUNTER_RE.fullmatch(word.surface)
    if match is None or match.group(2) not in COUNTERS:
        return None
    numeral, counter = match.group(1), match.group(2)
    if not (word.pos[1:2] == ("固有名詞",)
            or (prev is not None and _is_numeral(prev) and prev.end == word.start)
            or (counter in SAFE_COUNTERS and word.surface != "十分")):
        return None
    n = len(numeral)
    return (Word(word.start, word.start + n, numeral, "", ("名詞", "数詞")),
            Word(word.start + n, word.end, counter, COUNTERS[counter].plain,
                 ("接尾辞", "名詞的")))


def _fused_counter(prev: Word, word: Word) -> str | None:
    """The counter that ``word`` starts with when it follows the numeral ``prev`` but the
    analyser fused the counter with what comes after (日中 in 一|日中|雨); else None."""
    if (word.fixed or prev.end != word.start or word.surface in COUNTERS
            or not _is_numeral(prev)):
        return None
    return next((word.surface[:k] for k in range(len(word.surface) - 1, 0, -1)
                 if word.surface[:k] in COUNTERS), None)


def _reanalysed_after_counter(word: Word, counter: str, text: str) -> tuple[list[Word], int]:
    """The counter cut from the start of ``word`` (and 中 after it, read じゅう: 一日中),
    then the rest of the sentence analysed again; and where that sentence stops."""
    cut = word.start + len(counter)
    pieces = [Word(word.start, cut, counter, COUNTERS[counter].plain, ("接尾辞", "名詞的"))]
    if word.surface[len(counter):].startswith("中"):  # 一日中: throughout
        pieces.append(Word(cut, cut + 1, "中", "じゅう", ("接尾辞", "名詞的")))
        cut += 1
    stop = _sentence_end(text, cut)
    pieces.extend(Word(w.start + cut, w.end + cut, w.surface, w.reading, w.pos)
                  for w in _analyse(text[cut:stop]))
    return pieces, stop


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence that ``start`` is in ends: the first 。, line break, ！ or ？."""
    stop = len(text)
    for mark in "。\n！？!?":
        found = text.find(mark, start)
        if found != -1:
            stop = min(stop, found)
    return stop


# The surfaces the word-by-word rules of _apply_word_rules look at (and verbs spelt 描...).
_RULE_SURFACES = frozenset(EVERYDAY) | {second for _first, second in PAIRS} | {
    "何", "後", "中", "日", "間"}


def _apply_rules(words: list[Word], text: str) -> list[Word]:
    """The rules, in the order they depend on each other: counters cut out first, then
    十分, numbers with their counters, rendaku, and the word-by-word rules last."""
    words = _resplit(words, text)
    if "十分" in text:  # surfaces come from text: no 十分 there, none among the words
        _read_juppun(words)
    words = _merge_numbers(words)
    _fix_rendaku(words)
    return _apply_word_rules(words)


def _read_juppun(words: list[Word]) -> None:
    """十分 as one adverb (enough) is minutes after a time or before a time word."""
    for i, word in enumerate(words):
        if word.surface == "十分" and not word.fixed:
            before = words[i - 1].surface if i > 0 else ""
            after = words[i + 1].surface if i + 1 < len(words) else ""
            if before.endswith(("時", "時間")) or before in ("あと", "後", "約", "毎") or (
                    after.startswith(_MINUTES_AFTER) and after not in ("で",)):
                word.reading, word.source = "じゅっぷん", "counter"


def _apply_word_rules(words: list[Word]) -> list[Word]:
    """Readings that depend on the word and its neighbours: pairs read as one (一昨日),
    描く, the everyday readings, and one rule per surface in _WORD_RULES."""
    out: list[Word] = []
    for i, word in enumerate(words):
        if word.fixed or (word.surface not in _RULE_SURFACES
                          and not word.surface.startswith("描")):
            out.append(word)  # no rule below applies to it
            continue
        prev = out[-1] if out else None
        if prev is not None and (prev.surface, word.surface) in PAIRS and not prev.fixed:
            out[-1] = Word(prev.start, word.end, prev.surface + word.surface,
                           PAIRS[(prev.surface, word.surface)], ("名詞", "普通名詞"),
                           source="rule")
            continue
        if word.surface.startswith("描") and word.pos[:1] == ("動詞",) and (
                word.reading.startswith("えが")):
            word.reading = "か" + word.reading[2:]  # 絵を描く: かく (えがく is literary)
        rule = _WORD_RULES.get(word.surface)
        merged = rule(word, prev, words, i) if rule is not None else None
        if merged is not None:
            out[-1] = merged
        else:
            out.append(word)
    return out


# Each rule below reads one surface. It gets the word, the word before it as the rules
# left it (or None), and the words with the word's index, for the words after it. It
# changes the word's reading in place, or returns the word that replaces the one before
# it when the two become one word (月曜 + 日).


def _everyday_reading(word: Word, prev: Word | None, words: list[Word], i: int) -> None:
    word.reading, word.source = EVERYDAY[word.surface], "rule"


def _nan_or_nani(word: Word, prev: Word | None, words: list[Word], i: int) -> None:
    """何 reads なん before だ, で, の, と, て, な and です (何ですか); なに otherwise."""
    if word.source == "counter":
        return
    nxt = words[i + 1] if i + 1 < len(words) else None
    after = nxt.surface if nxt is not None and nxt.start == word.end else ""
    word.reading = "なん" if after.startswith(_NAN_NEXT) or after == "です" else "なに"
    word.source = "rule"


def _go_after_counter(word: Word, prev: Word | None, words: list[Word], i: int) -> None:
    if prev is not None and prev.source == "counter" and prev.end == word.start:
        word.reading = "ご"  # 三日後 みっかご, 十分後 じゅっぷんご


def _juu_or_chuu(word: Word, prev: Word | None, words: list[Word], i: int) -> None:
    """中 after a noun or a counter: じゅう (throughout) or ちゅう (in the middle of)."""
    if prev is not None and prev.end == word.start and (
            prev.pos[:1] == ("名詞",) or prev.source == "counter"):
        if prev.surface in CHUU_AFTER:
            word.reading = "ちゅう"
        elif prev.surface in JUU_AFTER or prev.source == "counter":
            word.reading = "じゅう"


def _day_of_week(word: Word, prev: Word | None, words: list[Word], i: int) -> Word | None:
    """月曜 + 日 become one word, 月曜日 げつようび."""
    if prev is not None and prev.surface.endswith("曜") and prev.end == word.start:
        return Word(prev.start, word.end, prev.surface + "日", prev.reading + "び", prev.pos,
                    source="rule")
    return None


_MA_THEN = _MA_VERBS + ("悪", "抜け")


def _ma_before_verb(word: Word, prev: Word | None, words: list[Word], i: int) -> None:
    """間 reads ま before を or が and a verb like 取る or 空ける (間を取る, 間が悪い)."""
    nxt = words[i + 1] if i + 1 < len(words) else None
    if nxt is not None and nxt.surface in ("を", "が") and (
            i + 2 < len(words) and words[i + 2].surface.startswith(_MA_THEN)):
        word.reading = "ま"


# The everyday readings come last so that, as a chain of elifs once did, they win.
_WORD_RULES = {"何": _nan_or_nani, "後": _go_after_counter, "中": _juu_or_chuu,
               "日": _day_of_week, "間": _ma_before_verb,
               **dict.fromkeys(EVERYDAY, _everyday_reading)}


# --- the cache and the public entry point ---------------------------------------------------


class _Cache:
    """Per text: its words, packed (see _packed), and its ruby spans once asked for."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict[str, list] = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()


_cache = _Cache(CACHE_ENTRIES)


def _packed(words: list[Word]) -> tuple:
    """Words as nested tuples of strings and numbers. The cycle collector stops tracking
    such tuples, so a cache of hundreds of thousands of words is not walked through by
    every full collection (that walk was a third of the time to analyse new text); and
    no caller can change a cached word, since each gets Words of its own."""
    return tuple((w.start, w.end, w.surface, w.reading, w.pos, w.fixed,
                  None if w.parts is None else tuple(w.parts), w.source) for w in words)


def _unpacked(packed: tuple) -> list[Word]:
    return [Word(start, end, surface, reading, pos, fixed,
                 None if parts is None else list(parts), source)
            for start, end, surface, reading, pos, fixed, parts, source in packed]


def _cache_key(text: str, overrides_version: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() + overrides_version


def _run(text: str, overrides: dict[str, str] | None) -> list[Word]:
    _cache.misses += 1
    words = _analyse(text)
    if overrides:
        words = _apply_overrides(words, overrides, "override")
    words = _apply_overrides(words, glossary(), "glossary")
    return _apply_rules(words, text)


def analyse(text: str, overrides: dict[str, str] | None = None,
            overrides_version: str = "") -> list[Word]:
    """The words of ``text`` with corrected readings (cached by content hash + version).

    ``overrides`` (surface -> reading) win over the glossary and the rules; pass the
    table's ``overrides_version`` so cached results change when the table does. The
    Words returned are the caller's own: changing them changes no later result.
    """
    key = _cache_key(text, overrides_version)
    cached = _cache.get(key)
    if cached is not None:
        return _unpacked(cached[0])
    words = _run(text, overrides)
    _cache.put(key, [_packed(words), None])
    return words


def ruby_spans(text: str, overrides: dict[str, str] | None = None,
               overrides_version: str = "") -> list[tuple[int, int, str]]:
    """``spans(analyse(text, ...))``, cached with the words: what a page render needs."""
    key = _cache_key(text, overrides_version)
    cached = _cache.get(key)
    if cached is None:
        words = _run(text, overrides)
        cached = [_packed(words), tuple(spans(words))]
        _cache.put(key, cached)
    elif cached[1] is None:
        cached[1] = tuple(spans(_unpacked(cached[0])))
    return list(cached[1])


def spans(words: list[Word]) -> list[tuple[int, int, str]]:
    """Ruby spans (start, end, reading) over kanji: okurigana and kana stay outside."""
    out = []
    for word in words:
        if not has_kanji(word.surface) and not word.parts:
            continue
        position = word.start
        for text, reading in word.ruby_parts():
            if reading and has_kanji(text) and reading != text and not has_kanji(reading):
                out.append((position, position + len(text), reading))
            position += len(text)
    return out


def tokens(words: list[Word]) -> list[dict]:
    """Words as the API shows them: surface and hiragana reading."""
    return [{"surface": w.surface, "reading": w.reading} for w in words]


def clear_cache() -> None:
    _cache.clear()


def cache_misses() -> int:
    return _cache.misses
