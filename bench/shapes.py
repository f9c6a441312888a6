"""What the generated data looks like: names, course topics, Markdown pages, quizzes.

Everything is deterministic for a given ``random.Random`` so two runs of the generator
make the same database.
"""

from __future__ import annotations

import random

# --- people ---------------------------------------------------------------------------

# (Latin, katakana). Uzbek names as JDU writes them, with oʻ and gʻ.
UZ_MALE = [
    ("Aziz", "アジズ"), ("Bekzod", "ベクゾド"), ("Jasur", "ジャスル"), ("Sardor", "サルドル"),
    ("Otabek", "オタベク"), ("Doniyor", "ドニヨル"), ("Sherzod", "シェルゾド"),
    ("Javlon", "ジャヴロン"), ("Ulugʻbek", "ウルグベク"), ("Shohruh", "ショフルフ"),
    ("Temur", "テムル"), ("Anvar", "アンヴァル"), ("Rustam", "ルスタム"), ("Farrux", "ファッルフ"),
    ("Ibrohim", "イブロヒム"), ("Islom", "イスロム"), ("Abdulla", "アブドゥッラ"),
    ("Jahongir", "ジャホンギル"), ("Nodir", "ノディル"), ("Oybek", "オイベク"),
    ("Sanjar", "サンジャル"), ("Gʻayrat", "ガイラト"), ("Oʻtkir", "ウトキル"),
]
UZ_FEMALE = [
    ("Gulnora", "グルノラ"), ("Dilnoza", "ディルノザ"), ("Madina", "マディナ"),
    ("Nilufar", "ニルファル"), ("Shahnoza", "シャフノザ"), ("Zarina", "ザリナ"),
    ("Malika", "マリカ"), ("Sevara", "セヴァラ"), ("Feruza", "フェルザ"), ("Kamola", "カモラ"),
    ("Dildora", "ディルドラ"), ("Mohira", "モヒラ"), ("Nodira", "ノディラ"),
    ("Oʻgiloy", "ウギロイ"), ("Sitora", "シトラ"), ("Yulduz", "ユルドゥズ"), ("Laylo", "ライロ"),
]
# Surnames in the male form; the female form adds -a (katakana: final フ -> ワ).
UZ_SURNAMES = [
    ("Karimov", "カリモフ"), ("Toshev", "トシェフ"), ("Rahimov", "ラヒモフ"),
    ("Yusupov", "ユスポフ"), ("Abdullayev", "アブドゥッラエフ"), ("Nazarov", "ナザロフ"),
    ("Qodirov", "コディロフ"), ("Ismoilov", "イスモイロフ"), ("Xolmatov", "ホルマトフ"),
    ("Ergashev", "エルガシェフ"), ("Tursunov", "トゥルスノフ"), ("Saidov", "サイドフ"),
    ("Mirzayev", "ミルザエフ"), ("Sobirov", "ソビロフ"), ("Hamidov", "ハミドフ"),
    ("Usmonov", "ウスモノフ"), ("Oʻrinov", "ウリノフ"), ("Gʻaniyev", "ガニエフ"),
    ("Umarov", "ウマロフ"), ("Alimov", "アリモフ"), ("Joʻrayev", "ジュラエフ"),
]
# (romaji, kanji, kana)
JP_SURNAMES = [
    ("Sato", "佐藤", "さとう"), ("Suzuki", "鈴木", "すずき"), ("Takahashi", "高橋", "たかはし"),
    ("Tanaka", "田中", "たなか"), ("Ito", "伊藤", "いとう"), ("Watanabe", "渡辺", "わたなべ"),
    ("Yamamoto", "山本", "やまもと"), ("Nakamura", "中村", "なかむら"),
    ("Kobayashi", "小林", "こばやし"), ("Kato", "加藤", "かとう"), ("Yoshida", "吉田", "よしだ"),
    ("Yamada", "山田", "やまだ"), ("Mori", "森", "もり"), ("Shimizu", "清水", "しみず"),
    ("Hayashi", "林", "はやし"), ("Inoue", "井上", "いのうえ"),
]
JP_GIVEN = [
    ("Kenji", "健二", "けんじ"), ("Aya", "彩", "あや"), ("Yui", "結", "ゆい"),
    ("Hanako", "花子", "はなこ"), ("Taro", "太郎", "たろう"), ("Shota", "翔太", "しょうた"),
    ("Misaki", "美咲", "みさき"), ("Hina", "陽菜", "ひな"), ("Daiki", "大輝", "だいき"),
    ("Ren", "蓮", "れん"), ("Aoi", "葵", "あおい"), ("Yuma", "悠真", "ゆうま"),
]


def hiragana(katakana: str) -> str:
    """Katakana -> hiragana (the reading column is kept in hiragana, for sorting)."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


def ascii_slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


def uzbek_person(rng: random.Random) -> tuple[str, str, str, str]:
    """(name, name_ja, name_kana, e-mail stem): Latin given + family name, katakana
    family name first as Japanese documents print it."""
    female = rng.random() < 0.45
    given, given_ja = rng.choice(UZ_FEMALE if female else UZ_MALE)
    family, family_ja = rng.choice(UZ_SURNAMES)
    if female:
        family += "a"
        family_ja = family_ja[:-1] + "ワ" if family_ja.endswith("フ") else family_ja
    name_ja = f"{family_ja}・{given_ja}"
    return (f"{given} {family}", name_ja, f"{hiragana(family_ja)} {hiragana(given_ja)}",
            f"{ascii_slug(given)}.{ascii_slug(family)}")


def japanese_person(rng: random.Random) -> tuple[str, str, str, str]:
    family, family_kanji, family_kana = rng.choice(JP_SURNAMES)
    given, given_kanji, given_kana = rng.choice(JP_GIVEN)
    return (f"{family} {given}", f"{family_kanji} {given_kanji}", f"{family_kana} {given_kana}",
            f"{ascii_slug(family)}.{ascii_slug(given)}")


# --- courses ----------------------------------------------------------------------------

# track -> [(en, ja, uz)]
TOPICS = {
    "game-development": [
        ("Game loops and timing", "ゲームループとタイミング", "Oʻyin sikli va vaqt"),
        ("2D sprites and input", "2Dスプライトと入力", "2D spraytlar va kiritish"),
        ("Physics for games", "ゲームのための物理", "Oʻyinlar uchun fizika"),
        ("Level design", "レベルデザイン", "Daraja dizayni"),
        ("Shader programming", "シェーダープログラミング", "Sheyder dasturlash"),
        ("Unity scripting", "Unityスクリプティング", "Unity skriptlash"),
        ("Game AI", "ゲームAI", "Oʻyin sunʼiy intellekti"),
        ("Multiplayer networking", "マルチプレイヤー通信", "Koʻp oʻyinchili tarmoq"),
        ("Sound design for games", "ゲームサウンドデザイン", "Oʻyin ovoz dizayni"),
        ("Game UI and UX", "ゲームのUIとUX", "Oʻyin interfeysi va UX"),
    ],
    "animation": [
        ("The twelve principles of animation", "アニメーションの12原則",
         "Animatsiyaning oʻn ikki tamoyili"),
        ("Character animation", "キャラクターアニメーション", "Personaj animatsiyasi"),
        ("3D modelling in Blender", "Blenderによる3Dモデリング", "Blenderda 3D modellashtirish"),
        ("Storyboarding", "絵コンテ", "Raskadrovka"),
        ("Rigging", "リギング", "Riging"),
        ("Motion graphics", "モーショングラフィックス", "Motion grafika"),
        ("Lighting and rendering", "ライティングとレンダリング", "Yoritish va render"),
        ("Drawing for animators", "アニメーターのためのデッサン", "Animatorlar uchun chizmachilik"),
    ],
    "japanese": [
        ("Japanese N5: hiragana and katakana", "日本語N5：ひらがなとカタカナ",
         "Yapon tili N5: hiragana va katakana"),
        ("Japanese N4: everyday conversation", "日本語N4：日常会話",
         "Yapon tili N4: kundalik suhbat"),
        ("Japanese N3: reading", "日本語N3：読解", "Yapon tili N3: oʻqish"),
        ("Business Japanese", "ビジネス日本語", "Biznes yapon tili"),
        ("Kanji 300", "漢字300", "Kanji 300"),
        ("Japanese for game developers", "ゲーム開発者のための日本語",
         "Oʻyin ishlab chiquvchilar uchun yapon tili"),
    ],
}
TRACK_PREFIX = {"game-development": "GD", "animation": "AN", "japanese": "JP"}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]

# Extra fictional partner universities, beside those in courses/catalog.yaml.
EXTRA_INSTITUTIONS = [
    ("KGU", {"en": "Kyoto Game University (fictional)", "ja": "京都ゲーム大学（架空）",
             "uz": "Kioto oʻyin universiteti (xayoliy)"}),
    ("SDA", {"en": "Sapporo Design Academy (fictional)", "ja": "札幌デザインアカデミー（架空）",
             "uz": "Sapporo dizayn akademiyasi (xayoliy)"}),
    ("FIT", {"en": "Fukuoka Institute of Technology and Media (fictional)",
             "ja": "福岡工科メディア大学（架空）",
             "uz": "Fukuoka texnologiya va media instituti (xayoliy)"}),
]


def course_description(topic: tuple[str, str, str], provider_ja: str) -> dict:
    en, ja, uz = topic
    return {
        "en": f"{en}: lectures, worked examples and a project, taught online by "
              f"{provider_ja} for JDU students. Weekly pages, short videos, downloadable "
              "project files, a quiz at the end of each module and a graded assignment.",
        "ja": f"{ja}を、講義・例題・プロジェクトを通して学びます。{provider_ja}の教員が"
              "オンラインで担当します。毎週の教材ページ、短い動画、プロジェクトファイル、"
              "各モジュールの確認クイズと課題があります。",
        "uz": f"{uz}: maʼruzalar, misollar va loyiha. Har hafta sahifalar, qisqa videolar, "
              "yuklab olinadigan fayllar, har bir modul oxirida test va baholanadigan topshiriq.",
    }


# --- items --------------------------------------------------------------------------------

# The kinds of the eight items of each module, in order.
MODULE_PATTERN = ["page", "video", "page", "asset", "page", "video", "quiz", "page"]
LAST_MODULE_PATTERN = ["page", "video", "page", "asset", "page", "html5", "quiz", "assignment"]
MODULE_TITLES = [
    ("Getting started", "はじめに", "Boshlash"),
    ("Core ideas", "基本となる考え方", "Asosiy gʻoyalar"),
    ("Working in practice", "実践", "Amaliyotda"),
    ("Going further", "応用", "Chuqurroq"),
    ("Project", "プロジェクト", "Loyiha"),
]

PARAGRAPHS_EN = [
    "Every frame, the program reads the input, updates the world by the time that has "
    "passed, and draws the result. Keep these three steps apart and the rest of the "
    "course becomes much easier to follow.",
    "Watch the example twice: once at full speed, once a frame at a time. Note where the "
    "motion speeds up and where it slows down; that is where the *spacing* changes.",
    "Professional studios in Tokyo and Osaka review work every morning in a short "
    "meeting called **dailies**. You will do the same with your group on Mondays.",
    "If something does not work, change one thing at a time and test again. Write down "
    "what you changed: the notes become your project report.",
]
PARAGRAPHS_JA = [
    "毎フレーム、プログラムは{入力|にゅうりょく}を読み、経過した{時間|じかん}だけ世界を"
    "{更新|こうしん}し、結果を描きます。この三つの段階を分けて考えましょう。",
    "例を二回見てください。一回目は普通の速さで、二回目は一コマずつ。動きが速くなる所と"
    "遅くなる所に注目しましょう。",
    "東京や大阪のスタジオでは、毎朝「デイリー」と呼ばれる短い会議で作品を確認します。",
]


def page_markdown(course_title: str, item_title: str, rng: random.Random, n: int) -> dict:
    """A lesson page of about 2-3 KB: headings, paragraphs, a list, a table, code and
    furigana; distinct for every item, as real pages are (so caches see real misses)."""
    paragraphs = rng.sample(PARAGRAPHS_EN, 3)
    en = "\n\n".join([
        f"# {item_title}",
        f"*{course_title}* — lesson {n}.",
        paragraphs[0],
        "## What you will do",
        "- read the page and try the example\n- answer the check questions\n"
        "- write one paragraph about what surprised you",
        paragraphs[1],
        "| step | what happens | time |\n|:---|:---|---:|\n| input | keys and mouse | 0.1 ms |\n"
        f"| update | physics, AI | {rng.randint(2, 9)} ms |\n| draw | sprites, UI | 6 ms |",
        "```python\nwhile running:\n    handle_input()\n    update(dt)\n    draw()\n```",
        paragraphs[2],
        "## 日本語のまとめ",
        " ".join(rng.sample(PARAGRAPHS_JA, 2)),
        f"Reference {n}: see the {{教科書|きょうかしょ}} chapter {rng.randint(1, 12)}.",
    ])
    ja = "\n\n".join([f"# {item_title}", *rng.sample(PARAGRAPHS_JA, 3)])
    return {"en": en, "ja": ja}


def quiz_content(rng: random.Random) -> dict:
    questions = []
    for q in range(5):
        choices = [{"key": k, "text": {"en": f"Answer {k.upper()}", "ja": f"答え{k.upper()}"}}
                   for k in "abcd"]
        questions.append({
            "key": f"q{q + 1}", "type": "single",
            "prompt": {"en": f"Question {q + 1}: which statement is right?",
                       "ja": f"問{q + 1}：正しいものはどれですか。"},
            "points": 1.0,
            "explanation": {"en": "See the lesson page.", "ja": "教材ページを見てください。"},
            "choices": choices, "correct": [rng.choice("abcd")],
        })
    return {"questions": questions}


ITEM_SETTINGS = {
    "page": {},
    "video": {"complete_at": 0.9, "poster": None},
    "asset": {},
    "quiz": {"attempts": 3, "time_limit": 900, "pass_score": 70, "feedback": "immediate",
             "scoring": "best", "shuffle": False},
    "assignment": {"max_files": 3, "max_file_mb": 50,
                   "allowed_types": ["mp4", "gif", "pdf", "png", "jpg", "zip"], "due": None,
                   "due_days": 14, "pass_score": 60},
    "html5": {"width": 800, "height": 600, "reports_score": True, "pass_score": 60},
}
ITEM_ENTRY = {
    "page": "pages/{key}.en.md", "video": "media/{key}.webm", "asset": "downloads/{key}.zip",
    "quiz": "{key}.yaml", "assignment": "{key}.en.md", "html5": "game/index.html",
}
KIND_TITLE = {
    "page": ("Lesson", "レッスン", "Dars"), "video": ("Video", "動画", "Video"),
    "asset": ("Download: project files", "ダウンロード：プロジェクトファイル",
              "Yuklab olish: loyiha fayllari"),
    "quiz": ("Check", "確認クイズ", "Tekshiruv"), "assignment": ("Assignment", "課題", "Topshiriq"),
    "html5": ("Playable build", "プレイアブル版", "Oʻynaladigan versiya"),
}
