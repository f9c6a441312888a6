"""Japanese text for the furigana benchmark: distinct paragraphs of course-like prose
(kanji compounds, okurigana, numbers and counters, katakana loanwords)."""

from __future__ import annotations

import random

SUBJECTS = ["学生", "先生", "私たち", "留学生", "開発者", "アニメーター", "研究室の仲間", "新入生"]
PLACES = ["東京", "大阪", "京都", "札幌", "福岡", "タシケント", "図書館", "教室", "研究室"]
OBJECTS = ["日本語の教科書", "ゲームの設計図", "新しい漢字", "物理の問題", "絵コンテ",
           "三次元モデル", "音楽の素材", "会議の資料", "作品の動画", "宿題"]
VERBS = ["読みます", "書きました", "勉強しています", "発表する予定です", "確認しました",
         "作っています", "説明してください", "練習しましょう", "見直しました", "選びます"]
TIMES = ["毎朝", "昨日", "来週の月曜日", "三日後", "十分後", "一月一日", "午後二時", "週末",
         "夏休みの間", "試験の前"]
CONNECT = ["そして", "しかし", "それから", "例えば", "つまり", "特に"]
EXTRA = ["天気が良かったので、外で話し合いました。", "難しい言葉は辞書で調べましょう。",
         "大切なのは、毎日少しずつ続けることです。", "質問があれば、遠慮なく聞いてください。",
         "締め切りまでに提出してください。", "動きの速さと間隔に注目しましょう。"]


def paragraph(rng: random.Random, n: int) -> str:
    sentences = []
    for _ in range(rng.randint(4, 8)):
        sentences.append(f"{rng.choice(TIMES)}、{rng.choice(SUBJECTS)}は{rng.choice(PLACES)}で"
                         f"{rng.choice(OBJECTS)}を{rng.choice(VERBS)}。")
        if rng.random() < 0.5:
            sentences.append(rng.choice(CONNECT) + "、" + rng.choice(EXTRA))
    sentences.append(f"（第{n}課）")
    return "".join(sentences)


def japanese_corpus(megabytes: float, seed: int = 8) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    out, size, n = [], 0, 0
    while size < megabytes * 1024 * 1024:
        n += 1
        text = paragraph(rng, n)
        out.append(text)
        size += len(text.encode("utf-8"))
    return out
