"""The fast path of the furigana pipeline gives the ruby it gave before it was made fast.

The expected markup below was produced by the pipeline as it was before the speed-up
(per-word regular expressions, a full override scan, no memoised words or alignments);
memoising per distinct word and pruning the override scan must not change one reading.
"""

import random
import re

import pytest

from lms.japanese import furigana
from tests.japanese.accuracy import show

BEFORE = [
    ("食べる前に手を洗いましょう。",
     "{食|た}べる{前|まえ}に{手|て}を{洗|あら}いましょう。"),
    ("取り扱い説明書を見直してから、申し込みました。",
     "{取|と}り{扱|あつか}い{説明書|せつめいしょ}を{見直|みなお}してから、{申|もう}し{込|こ}みました。"),
    ("三本のペンと二十日の予定、一月一日は休みです。",
     "{三本|さんぼん}のペンと{二十日|はつか}の{予定|よてい}、{一月|いちがつ}{一日|ついたち}は{休|やす}みです。"),
    ("会議は午後三時十分に始まり、三日後に二回目があります。",
     "{会議|かいぎ}は{午後|ごご}{三時|さんじ}{十分|じゅっぷん}に{始|はじ}まり、{三日|みっか}{後|ご}に{二回|にかい}{目|め}があります。"),
    ("10分後に2026年の12月31日まで、1人で3冊読みます。",
     "10{分|ぷん}{後|ご}に2026{年|ねん}の12{月|がつ}31{日|にち}まで、{1人|ひとり}で3{冊|さつ}{読|よ}みます。"),
    ("アニメーターはタシケントでゲームエンジンとシェーダーを使います。",
     "アニメーターはタシケントでゲームエンジンとシェーダーを{使|つか}います。"),
    ("UnityとBlenderでモデルを作り、Photoshopで絵コンテを描く。",
     "UnityとBlenderでモデルを{作|つく}り、Photoshopで{絵|え}コンテを{描|か}く。"),
    ("今日は明日より寒いので、一日中部屋で勉強した。",
     "{今日|きょう}は{明日|あした}より{寒|さむ}いので、{一日|いちにち}{中|じゅう}{部屋|へや}で{勉強|べんきょう}した。"),
    ("何人いますか。これは何ですか。何を食べますか。",
     "{何人|なんにん}いますか。これは{何|なん}ですか。{何|なに}を{食|た}べますか。"),
    ("千と千尋の神隠しは日本一の作品だと思います。",
     "{千|せん}と{千尋|ちひろ}の{神隠|かみかく}しは{日本一|にほんいち}の{作品|さくひん}だと{思|おも}います。"),
    ("一昨日と一昨年の月曜日の午前中に、箱の中を調べた。",
     "{一昨日|おととい}と{一昨年|おととし}の{月曜日|げつようび}の{午前中|ごぜんちゅう}に、{箱|はこ}の{中|なか}を{調|しら}べた。"),
    ("間を取ることと、動きの速さと間隔に注目しましょう。",
     "{間|ま}を{取|と}ることと、{動|うご}きの{速|はや}さと{間隔|かんかく}に{注目|ちゅうもく}しましょう。"),
    ("ＡＢＣ１２３円と３００人、第５課の問題。",
     "ＡＢＣ１２３{円|えん}と３００{人|にん}、{第|だい}５{課|か}の{問題|もんだい}。"),
    ("大人が上手に話す。十分です。十分待ちました。",
     "{大人|おとな}が{上手|じょうず}に{話|はな}す。{十分|じゅうぶん}です。{十分|じゅっぷん}{待|ま}ちました。"),
    ("締め切りまでに提出してください。質問があれば、遠慮なく聞いてください。",
     "{締|し}め{切|き}りまでに{提出|ていしゅつ}してください。{質問|しつもん}があれば、{遠慮|えんりょ}なく{聞|き}いてください。"),
    ("三次元モデルの雨と、雨の日の傘。",
     "{三次元|さんじげん}モデルの{雨|あめ}と、{雨|あめ}の{日|ひ}の{傘|かさ}。"),
    ("研究室の仲間は福岡で音楽の素材を確認しました。",
     "{研究室|けんきゅうしつ}の{仲間|なかま}は{福岡|ふくおか}で{音楽|おんがく}の{素材|そざい}を{確認|かくにん}しました。"),
]


def marked(text, overrides=None, version=""):
    return show(text, furigana.spans(furigana.analyse(text, overrides, version)))


@pytest.fixture
def cold():
    """No cached texts and no remembered words: everything is worked out again."""
    furigana.clear_cache()
    furigana._morphemes.clear()
    furigana._alignments.clear()
    yield
    furigana.clear_cache()


@pytest.mark.parametrize("text, expected", BEFORE)
def test_same_ruby_as_before(cold, text, expected):
    assert marked(text) == expected
    furigana.clear_cache()  # again with every word and alignment remembered
    assert marked(text) == expected


def test_same_ruby_inside_one_long_paragraph(cold):
    # Many sentences in one call (as a lesson paragraph arrives): the same readings.
    paragraph = "".join(text for text, _ in BEFORE)
    assert marked(paragraph) == "".join(expected for _, expected in BEFORE)


def test_overrides_still_win_with_the_shortcuts(cold):
    text = "大人が上手に話す。十分です。十分待ちました。"
    assert marked(text, {"上手": "うわて"}, ":t") == (
        "{大人|おとな}が{上手|うわて}に{話|はな}す。{十分|じゅうぶん}です。"
        "{十分|じゅっぷん}{待|ま}ちました。")


def _longest_match_reference(words, table):
    """The override rule written plainly: at each word, the longest run of up to
    MAX_OVERRIDE_TOKENS touching words whose surfaces spell an entry."""
    out, i = [], 0
    while i < len(words):
        best, joined = None, ""
        for j in range(i, min(len(words), i + furigana.MAX_OVERRIDE_TOKENS)):
            if j > i and words[j].start != words[j - 1].end:
                break
            joined += words[j].surface
            if joined in table:
                best = j
        if best is None:
            out.append((words[i].surface, words[i].reading))
            i += 1
        else:
            surface = "".join(w.surface for w in words[i:best + 1])
            out.append((surface, table[surface]))
            i = best + 1
    return out


def test_pruned_override_scan_matches_the_plain_rule():
    rng = random.Random(8)
    pieces = ["千", "尋", "の", "神", "隠", "し", "絵", "コン", "テ", "上手", "な", "人", "a", "b"]
    table = {"千尋": "ちひろ", "千尋の神隠し": "せんとちひろ", "絵コンテ": "えこんて",
             "上手": "うわて", "神": "かみ", "ab": "えーびー", "隠し": "かくし"}
    for _ in range(300):
        words, position = [], 0
        for _ in range(rng.randint(1, 14)):
            surface = rng.choice(pieces)
            position += rng.random() < 0.1  # now and then a gap between words
            words.append(furigana.Word(position, position + len(surface), surface, surface))
            position += len(surface)
        got = furigana._apply_overrides(words, table, "override")
        assert [(w.surface, w.reading) for w in got] == _longest_match_reference(words, table)


def test_alignment_memo_hands_out_fresh_lists():
    first = furigana.align("食べる", "たべる")
    first.append(("x", None))
    assert furigana.align("食べる", "たべる") == [("食", "た"), ("べる", None)]


def test_remembered_words_stay_bounded(cold, monkeypatch):
    monkeypatch.setattr(furigana, "MEMO_ENTRIES", 5)
    for text, expected in BEFORE[:6]:
        assert marked(text) == expected
        assert len(furigana._morphemes) <= 5 and len(furigana._alignments) <= 5


def test_cached_spans_and_words_are_the_same_as_fresh_ones(cold):
    text, expected = BEFORE[3]
    assert show(text, furigana.ruby_spans(text)) == expected  # analysed here
    assert show(text, furigana.ruby_spans(text)) == expected  # from the cache
    assert show(text, furigana.spans(furigana.analyse(text))) == expected
    assert furigana.cache_misses() >= 1
    other, other_expected = BEFORE[4]
    furigana.analyse(other)  # cached without spans; ruby_spans works them out once
    assert show(other, furigana.ruby_spans(other)) == other_expected


def test_changing_returned_words_changes_no_later_result(cold):
    text, expected = BEFORE[0]
    for word in furigana.analyse(text):
        word.reading = "x"
    assert marked(text) == expected
    assert show(text, furigana.ruby_spans(text)) == expected


def _align_reference(surface, reading):
    """The alignment as a regular expression over kana and kanji runs (the way it was
    always computed): a lazy group per kanji run, the hiragana of each kana run."""
    if not furigana.has_kanji(surface):
        return [(surface, None)]
    runs = []
    for ch in surface:
        kanji = furigana.is_kanji_like(ch)
        if runs and runs[-1][1] == kanji:
            runs[-1] = (runs[-1][0] + ch, kanji)
        else:
            runs.append((ch, kanji))
    if len(runs) == 1:
        return [(surface, reading)]
    pattern = "".join("(.+?)" if kanji else "(" + re.escape(furigana.to_hiragana(text)) + ")"
                      for text, kanji in runs)
    match = re.fullmatch(pattern, reading)
    if match is None:
        return [(surface, reading)]
    return [(text, match.group(i + 1) if kanji else None)
            for i, (text, kanji) in enumerate(runs)]


def test_alignment_without_a_regular_expression_matches_the_pattern():
    rng = random.Random(8)
    surface_chars = ["食", "手", "伝", "々", "お", "べ", "る", "ア", "ー", "a", ".", "\n", "い"]
    reading_chars = ["た", "て", "つ", "だ", "お", "べ", "る", "あ", "ー", "a", ".", "\n", "い"]
    cases = [("食べる", "たべる"), ("お茶", "おちゃ"), ("お手伝い", "おてつだい"),
             ("お手伝い", "おい"), ("食べる", "べる"), ("食べる", "た\nべる"),
             ("アイ食", "あいしょく"), ("取り扱い", "とりあつかい"), ("ああ食ああ", "ああああ")]
    for _ in range(3000):
        surface = "".join(rng.choice(surface_chars) for _ in range(rng.randint(1, 5)))
        reading = "".join(rng.choice(reading_chars) for _ in range(rng.randint(0, 7)))
        cases.append((surface, reading))
        # Readings built to fit the surface's kana, so that matches happen too.
        fitted = "".join(furigana.to_hiragana(ch) if not furigana.is_kanji_like(ch)
                         else rng.choice(reading_chars) * rng.randint(1, 2) for ch in surface)
        cases.append((surface, fitted))
    for surface, reading in cases:
        assert furigana._align(surface, reading) == _align_reference(surface, reading), (
            surface, reading)
