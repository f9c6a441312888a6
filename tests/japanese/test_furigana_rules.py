"""The reading rules, one sentence per rule, against ruby recorded before the rules were
split into one function per step (resplit, 十分, numbers, rendaku, word-by-word)."""

import pytest

from lms.japanese import furigana
from tests.japanese.accuracy import show

RECORDED = [
    ("日曜日に間が悪い話をした。",  # 曜 + 日 as one word; 間 before が 悪い
     "{日曜日|にちようび}に{間|ま}が{悪|わる}い{話|はなし}をした。"),
    ("絵を描いて、何だか分からない。",  # 描く かく; 何 before だ
     "{絵|え}を{描|か}いて、{何|なん}だか{分|わ}からない。"),
    ("三日後から一日中雨で、何本も傘を買った。",  # 後 after a counter; 日中 cut; 何 + counter
     "{三日|みっか}{後|ご}から{一日|いちにち}{中|じゅう}{雨|あめ}で、{何本|なんぼん}も{傘|かさ}を"
     "{買|か}った。"),
    ("2時十分に午前中の会議、十分後に休み。",  # 十分 after a time and before 後
     "2{時|じ}{十分|じゅっぷん}に{午前中|ごぜんちゅう}の{会議|かいぎ}、{十分|じゅっぷん}{後|ご}に"
     "{休|やす}み。"),
    ("1人で3本、5時間と12日。",  # Arabic digits: fused, split and kana-less counters
     "{1人|ひとり}で3{本|ぼん}、5{時間|じかん}と12{日|にち}。"),
    ("一昨年の夏休み中、世界中を旅した。",  # a pair read as one; 中 じゅう after a noun
     "{一昨年|おととし}の{夏休|なつやす}み{中|じゅう}、{世界中|せかいじゅう}を{旅|たび}した。"),
    ("何が何でも、何の話ですか。",  # 何 なに / なん by what follows
     "{何|なに}が{何|なん}でも、{何|なん}の{話|はなし}ですか。"),
]


@pytest.mark.parametrize(("text", "expected"), RECORDED)
def test_each_rule_gives_the_ruby_it_gave_before(text, expected):
    furigana.clear_cache()
    assert show(text, furigana.spans(furigana.analyse(text))) == expected


def test_every_word_rule_surface_has_a_rule():
    """A surface let past the cheap filter of the word-by-word rules but given no rule
    would be a rule silently lost; pairs are read before the table is consulted."""
    paired = {second for _first, second in furigana.PAIRS}
    assert set(furigana._WORD_RULES) == furigana._RULE_SURFACES - (paired - {"日"})
    assert all(furigana._WORD_RULES[s] is furigana._everyday_reading for s in furigana.EVERYDAY)
