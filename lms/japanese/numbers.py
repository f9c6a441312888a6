"""Readings of numbers and of numbers with counters (三本 さんぼん, 八分 はっぷん, 一日 ついたち).

The analyser reads each token on its own, so it cannot know that 本 after 三 is ぼん, after
一 ぽん and after 二 ほん, and it reads Arabic numerals digit by digit (10分 イチレイフン).
These rules read the whole group instead: the number, then the counter with the sound
changes Japanese makes at the junction (gemination いっ/ろっ/はっ/じゅっ/ひゃっ, voicing after
ん), plus the counters whose small numbers have native readings (人, 日, つ).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                "七": 7, "八": 8, "九": 9}
KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
KANJI_BIG = {"万": 10_000, "億": 100_000_000, "兆": 1_000_000_000_000}
NUMERAL_CHARS = set(KANJI_DIGITS) | set(KANJI_UNITS) | set(KANJI_BIG) | set("0123456789")
_ARABIC_RE = re.compile(r"^[0-9]+$")

DIGIT = {0: "ぜろ", 1: "いち", 2: "に", 3: "さん", 4: "よん", 5: "ご", 6: "ろく", 7: "なな",
         8: "はち", 9: "きゅう"}
HUNDREDS = {1: "ひゃく", 3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}
THOUSANDS = {1: "せん", 3: "さんぜん", 8: "はっせん"}
BIG = ((1_000_000_000_000, "ちょう"), (100_000_000, "おく"), (10_000, "まん"))


def parse_number(text: str) -> int | None:
    """The value of a numeral written in Arabic digits (any width) or kanji; None if it
    is not one (一二三 without units, as in phone numbers, reads digit by digit: None)."""
    text = unicodedata.normalize("NFKC", text).replace(",", "")
    if not text:
        return None
    if _ARABIC_RE.match(text):
        return int(text)
    if any(ch not in NUMERAL_CHARS for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in KANJI_DIGITS or ch.isdigit():
            if digit is not None:
                digit = digit * 10 + (KANJI_DIGITS.get(ch) if ch in KANJI_DIGITS else int(ch))
            else:
                digit = KANJI_DIGITS.get(ch) if ch in KANJI_DIGITS else int(ch)
        elif ch in KANJI_UNITS:
            section += (digit if digit is not None else 1) * KANJI_UNITS[ch]
            digit = None
        else:  # 万 億 兆
            total += (section + (digit or 0) or 1) * KANJI_BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def _under_10000(n: int) -> str:
    out = []
    thousands, rest = divmod(n, 1000)
    if thousands:
        out.append(THOUSANDS.get(thousands, DIGIT[thousands] + "せん"))
    hundreds, rest = divmod(rest, 100)
    if hundreds:
        out.append(HUNDREDS.get(hundreds, DIGIT[hundreds] + "ひゃく"))
    tens, ones = divmod(rest, 10)
    if tens:
        out.append(("" if tens == 1 else DIGIT[tens]) + "じゅう")
    if ones:
        out.append(DIGIT[ones])
    return "".join(out)


def read_number(n: int) -> str:
    """The plain reading of a whole number: 600 ろっぴゃく, 8000 はっせん, 10000 いちまん."""
    if n == 0:
        return "ぜろ"
    out = []
    for value, name in BIG:
        if n >= value:
            head, n = divmod(n, value)
            head_reading = _under_10000(head) if head < 10_000 else read_number(head)
            if value == 1_000_000_000_000 and head_reading.endswith("いち"):
                head_reading = head_reading[:-2] + "いっ"  # 一兆 いっちょう
            if value == 1_000_000_000_000 and head_reading.endswith("はち"):
                head_reading = head_reading[:-2] + "はっ"
            out.append(head_reading + name)
    if n:
        out.append(_under_10000(n))
    return "".join(out)


def _split_last(n: int) -> tuple[int, int]:
    """(prefix, last): the last non-zero term the counter attaches to. 21 -> (20, 1);
    300 -> (0, 300); 110 -> (100, 10); 10000 -> (0, 10000)."""
    for unit in (1, 10, 100, 1000):
        digit = (n // unit) % 10
        if digit:
            last = digit * unit
            return n - last, last
    for value, _name in reversed(BIG):
        if n % (value * 10_000) and value <= n:
            last = n % (value * 10_000)
            return n - last, last
    return 0, n


@dataclass(frozen=True)
class Counter:
    """How a counter reads after a number.

    ``plain`` is its reading; ``geminated`` the form after a small っ (いっぽん: ぽん),
    ``voiced`` the form after ん where it voices (さんぼん: ぼん). ``geminate`` lists the
    last terms that take っ (1 いっ, 6 ろっ, 8 はっ, 10 じゅっ, 100 ひゃっ); ``voice_after``
    the last terms (and "nan" for 何) after which the voiced form is used. ``special``
    gives whole readings for some numbers (人: 1 ひとり), ``digit`` replaces the reading
    of a last digit (時: 4 よ, 7 しち, 9 く).
    """

    plain: str
    geminated: str | None = None
    voiced: str | None = None
    geminate: frozenset = frozenset()
    voice_after: frozenset = frozenset()
    special: dict = field(default_factory=dict)
    digit: dict = field(default_factory=dict)
    fused: frozenset = frozenset()  # special readings that cannot be split number|counter


KH = frozenset({1, 6, 8, 10, 100})  # k- and h-row counters geminate after these
ST = frozenset({1, 8, 10})  # s- and t-row counters
N_ALL = frozenset({3, 1000, 10000, "nan"})
N_3 = frozenset({3, "nan"})
DAY_SPECIAL = {1: "ついたち", 2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか",
               7: "なのか", 8: "ようか", 9: "ここのか", 10: "とおか", 14: "じゅうよっか",
               20: "はつか", 24: "にじゅうよっか"}
DAY_DIGIT = {7: "しち", 9: "く"}
_COUNT_DAYS = {k: v for k, v in DAY_SPECIAL.items() if k != 1}


def _h(plain, gem, voiced, voice=N_ALL, **kw):
    return Counter(plain, gem, voiced, KH, voice, **kw)


def _k(plain, voiced=None, voice=frozenset(), **kw):
    return Counter(plain, plain, voiced, KH, voice, **kw)


def _s(plain, voiced=None, voice=frozenset(), **kw):
    return Counter(plain, plain, voiced, ST, voice, **kw)


COUNTERS: dict[str, Counter] = {
    # h-row: ほん/ぽん/ぼん
    "本": _h("ほん", "ぽん", "ぼん"),
    "本目": _h("ほんめ", "ぽんめ", "ぼんめ"),
    "匹": _h("ひき", "ぴき", "びき"),
    "杯": _h("はい", "ぱい", "ばい"),
    "泊": _h("はく", "ぱく", "ぱく", N_3),
    "分": _h("ふん", "ぷん", "ぷん", frozenset({3, 4, 1000, 10000, "nan"})),
    "分間": _h("ふんかん", "ぷんかん", "ぷんかん", frozenset({3, 4, 1000, 10000, "nan"})),
    "分後": _h("ふんご", "ぷんご", "ぷんご", frozenset({3, 4, 1000, 10000, "nan"})),
    "分前": _h("ふんまえ", "ぷんまえ", "ぷんまえ", frozenset({3, 4, 1000, 10000, "nan"})),
    "歩": _h("ほ", "ぽ", "ぽ", N_3),
    # k-row: gemination only
    "個": _k("こ"), "個目": _k("こめ"), "回": _k("かい"), "回目": _k("かいめ"),
    "階": _k("かい", "がい", N_3), "軒": _k("けん", "げん", N_3), "件": _k("けん"),
    "曲": _k("きょく"), "課": _k("か"), "巻": _k("かん"), "校": _k("こう"), "期": _k("き"),
    "か月": _k("かげつ"), "ヶ月": _k("かげつ"), "カ月": _k("かげつ"), "ケ月": _k("かげつ"),
    "ヵ月": _k("かげつ"), "箇月": _k("かげつ"), "か国": _k("かこく"), "ヶ国": _k("かこく"),
    "カ国": _k("かこく"), "か所": _k("かしょ"), "ヶ所": _k("かしょ"), "カ所": _k("かしょ"),
    "箇所": _k("かしょ"), "カ国語": _k("かこくご"), "か国語": _k("かこくご"),
    "ヶ国語": _k("かこくご"),
    # s- and t-row
    "冊": _s("さつ"), "歳": _s("さい", special={20: "はたち"}, fused=frozenset({20})),
    "才": _s("さい", special={20: "はたち"}, fused=frozenset({20})),
    "週": _s("しゅう"), "週間": _s("しゅうかん"), "足": _s("そく", "ぞく", N_3),
    "社": _s("しゃ"), "章": _s("しょう"), "色": _s("しょく"), "隻": _s("せき"),
    "点": _s("てん"), "着": _s("ちゃく"), "頭": _s("とう"), "通": _s("つう"),
    "丁目": _s("ちょうめ"), "センチ": _s("せんち"), "トン": _s("とん"),
    "キロ": Counter("きろ", "きろ", None, frozenset({6, 10, 100})),
    "ページ": Counter("ぺーじ"),
    # no change at the junction, some digits read differently
    "人": Counter("にん", special={1: "ひとり", 2: "ふたり"}, digit={4: "よ", 7: "なな",
                                                             9: "きゅう"},
                 fused=frozenset({1, 2})),
    "人目": Counter("にんめ", special={1: "ひとりめ", 2: "ふたりめ"}, digit={4: "よ"},
                  fused=frozenset({1, 2})),
    "時": Counter("じ", digit={4: "よ", 7: "しち", 9: "く"}),
    "時半": Counter("じはん", digit={4: "よ", 7: "しち", 9: "く"}),
    "時間": Counter("じかん", digit={4: "よ", 9: "く"}),
    "時間目": Counter("じかんめ", digit={4: "よ", 9: "く"}),
    "時限": Counter("じげん", digit={4: "よ", 9: "く"}),
    "月": Counter("がつ", digit={4: "し", 7: "しち", 9: "く"}),
    "年": Counter("ねん", digit={4: "よ"}), "年間": Counter("ねんかん", digit={4: "よ"}),
    "年生": Counter("ねんせい", digit={4: "よ"}), "年目": Counter("ねんめ", digit={4: "よ"}),
    "年前": Counter("ねんまえ", digit={4: "よ"}), "年後": Counter("ねんご", digit={4: "よ"}),
    "円": Counter("えん", digit={4: "よ"}),
    "日": Counter("にち", special=DAY_SPECIAL, digit=DAY_DIGIT, fused=frozenset(DAY_SPECIAL)),
    "日間": Counter("にちかん", special={k: v + "かん" for k, v in _COUNT_DAYS.items()},
                  digit=DAY_DIGIT, fused=frozenset(_COUNT_DAYS)),
    "日目": Counter("にちめ", special={k: v + "め" for k, v in _COUNT_DAYS.items()},
                  digit=DAY_DIGIT, fused=frozenset(_COUNT_DAYS)),
    "つ": Counter("つ", special={1: "ひとつ", 2: "ふたつ", 3: "みっつ", 4: "よっつ",
                               5: "いつつ", 6: "むっつ", 7: "ななつ", 8: "やっつ",
                               9: "ここのつ"}, fused=frozenset(range(1, 10))),
    "枚": Counter("まい"), "台": Counter("だい"), "番": Counter("ばん"), "度": Counter("ど"),
    "倍": Counter("ばい"), "名": Counter("めい"), "秒": Counter("びょう"),
    "秒間": Counter("びょうかん"), "番目": Counter("ばんめ"), "度目": Counter("どめ"),
    "枚目": Counter("まいめ"), "割": Counter("わり"), "位": Counter("い"),
    "列": Counter("れつ"), "行": Counter("ぎょう"), "語": Counter("ご"), "話": Counter("わ"),
    "問": Counter("もん"), "題": Counter("だい"), "号": Counter("ごう"), "部": Counter("ぶ"),
    "万": Counter("まん"), "ドル": Counter("どる"), "メートル": Counter("めーとる"),
    "グラム": Counter("ぐらむ"), "レベル": Counter("れべる"), "フレーム": Counter("ふれーむ"),
    "コマ": Counter("こま"), "ステージ": Counter("すてーじ"),
    "機": Counter("き"), "級": Counter("きゅう"), "曜日": Counter("ようび"),
}


def _gem(reading: str) -> str:
    """いち -> いっ, ろく -> ろっ, はち -> はっ, じゅう -> じゅっ, ひゃく -> ひゃっ."""
    for end, repl in (("いち", "いっ"), ("ろく", "ろっ"), ("はち", "はっ"), ("じゅう", "じゅっ"),
                      ("ゃく", "ゃっ")):
        if reading.endswith(end):
            return reading[: -len(end)] + repl
    return reading


def _last_key(last: int) -> int:
    """3 -> 3, 30 -> 10, 600 -> 100, 8000 -> 1000, 20000 -> 10000: what the reading ends in."""
    for unit in (1000, 100, 10):
        if last >= unit and last < unit * 10:
            return unit
    return last if last < 10 else 10000


@dataclass(frozen=True)
class CountReading:
    """A number-with-counter read: the number's part, the counter's part, and whether the
    two are fused (ひとり: the ruby covers both)."""

    number: str
    counter: str
    fused: bool = False

    @property
    def whole(self) -> str:
        return self.number + self.counter


def read_with_counter(n: int | None, counter_surface: str, counter_default: str,
                      *, date: bool = False) -> CountReading:
    """Read ``n`` (None for 何) followed by the counter. ``counter_default`` is the
    analyser's reading of the counter, used when the counter is not in the table.
    ``date`` picks ついたち for 一日 (otherwise いちにち)."""
    rule = COUNTERS.get(counter_surface)
    if n is None:  # 何: なん + the counter as it sounds after ん
        if rule is None:
            return CountReading("なん", counter_default)
        voiced = rule.voiced if "nan" in rule.voice_after and rule.voiced else rule.plain
        return CountReading("なん", voiced)
    if rule is None:
        return CountReading(read_number(n), counter_default)
    if counter_surface in ("日", "日間", "日目") and n == 1:
        if counter_surface == "日" and date:
            return CountReading("ついたち", "", fused=True)
        return CountReading("いち", {"日": "にち", "日間": "にちかん", "日目": "にちめ"}[
            counter_surface])
    if n in rule.special:
        reading = rule.special[n]
        return CountReading(reading, "", fused=True)
    prefix, last = _split_last(n)
    head = read_number(prefix) if prefix else ""
    key = _last_key(last)
    if last < 10 and last in rule.digit:
        last_reading = rule.digit[last]
    else:
        last_reading = read_number(last)
    counter_reading = rule.plain
    # Geminated k/s/t counters keep their consonant (いっかい, はっさつ); h-row ones turn
    # to p (いっぽん), which ``geminated`` holds.
    if rule.geminated and key in rule.geminate and not (last < 10 and last in rule.digit):
        last_reading = _gem(last_reading)
        counter_reading = rule.geminated
    elif rule.voiced and key in rule.voice_after:
        counter_reading = rule.voiced
    return CountReading(head + last_reading, counter_reading)
