#!/usr/bin/env python3
"""Generators for the sample courses' media, in pure Python (standard library only).

Called by make_media.sh, which pipes the raw frames into ffmpeg and adds text with
ffmpeg's drawtext filter. Every output is deterministic, so re-running the script
gives the same pictures (encoders may differ by a few bytes between ffmpeg builds).

    media.py ball-frames              raw rgb24 640x360 24 fps frames on stdout (10 s)
    media.py delta-frames             raw rgb24 640x360 30 fps frames on stdout (8 s)
    media.py sprites OUT.png          hero walk cycle + star + bomb sprite sheet
    media.py ball-sheet OUT.png       bouncing-ball reference drawing; prints drawtext lines
                                      for its drawing numbers (other labels: make_media.sh)
    media.py kana-filter hira|kata    ffmpeg filter script for a kana chart, on stdout
    media.py xsheet OUT.pdf           one-page exposure sheet (X-sheet) as a PDF
"""

from __future__ import annotations

import math
import struct
import sys
import zlib

# ---------------------------------------------------------------------------
# PNG writing


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def write_png(path: str, width: int, height: int, rows: list[bytes], color_type: int,
              palette: list[tuple[int, int, int]] | None = None,
              transparent: list[int] | None = None) -> None:
    """color_type 2 = RGB rows, 0 = grey rows, 3 = palette-index rows (8-bit)."""
    raw = b"".join(b"\x00" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n"
    out += _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
    if palette is not None:
        out += _png_chunk(b"PLTE", b"".join(bytes(c) for c in palette))
        if transparent is not None:
            out += _png_chunk(b"tRNS", bytes(transparent))
    out += _png_chunk(b"IDAT", zlib.compress(raw, 9))
    out += _png_chunk(b"IEND", b"")
    with open(path, "wb") as fh:
        fh.write(out)


# ---------------------------------------------------------------------------
# A tiny RGB canvas


class Canvas:
    def __init__(self, w: int, h: int, bg: tuple[int, int, int]):
        self.w, self.h = w, h
        self.px = bytearray(bytes(bg) * (w * h))

    def rect(self, x0: int, y0: int, x1: int, y1: int, c: tuple[int, int, int]) -> None:
        x0, x1 = max(0, int(x0)), min(self.w, int(x1))
        y0, y1 = max(0, int(y0)), min(self.h, int(y1))
        if x1 <= x0:
            return
        row = bytes(c) * (x1 - x0)
        for y in range(y0, y1):
            i = (y * self.w + x0) * 3
            self.px[i:i + len(row)] = row

    def blend(self, x: int, y: int, c: tuple[int, int, int], a: float) -> None:
        if 0 <= x < self.w and 0 <= y < self.h and a > 0:
            i = (y * self.w + x) * 3
            p = self.px
            p[i] = int(p[i] + (c[0] - p[i]) * a)
            p[i + 1] = int(p[i + 1] + (c[1] - p[i + 1]) * a)
            p[i + 2] = int(p[i + 2] + (c[2] - p[i + 2]) * a)

    def ellipse(self, cx: float, cy: float, a: float, b: float, angle: float,
                c: tuple[int, int, int], alpha: float = 1.0, ring: float = 0.0) -> None:
        """Filled (ring == 0) or outlined (ring = line width) ellipse, semi-axes a (along
        `angle`) and b, with a one-pixel soft edge."""
        ca, sa = math.cos(angle), math.sin(angle)
        r = max(a, b) + 2
        m = min(a, b)
        for y in range(int(cy - r), int(cy + r) + 1):
            for x in range(int(cx - r), int(cx + r) + 1):
                dx, dy = x + 0.5 - cx, y + 0.5 - cy
                u = dx * ca + dy * sa
                v = -dx * sa + dy * ca
                q = math.sqrt((u / a) ** 2 + (v / b) ** 2)
                d = (1 - q) * m  # approx. signed distance to the edge, in pixels
                if ring:
                    cover = min(1.0, max(0.0, ring / 2 + 0.5 - abs(d)))
                else:
                    cover = min(1.0, max(0.0, d + 0.5))
                if cover:
                    self.blend(x, y, c, cover * alpha)

    def line(self, x0: float, y0: float, x1: float, y1: float, c, width: float = 1.0,
             dash: float = 0.0) -> None:
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for k in range(n + 1):
            if dash and int(k / dash) % 2:
                continue
            x = x0 + (x1 - x0) * k / n
            y = y0 + (y1 - y0) * k / n
            hw = width / 2
            self.rect(round(x - hw), round(y - hw), round(x + hw), round(y + hw), c)

    def rows(self) -> list[bytes]:
        s = self.w * 3
        return [bytes(self.px[y * s:(y + 1) * s]) for y in range(self.h)]


# ---------------------------------------------------------------------------
# Bouncing ball (animation course)

BG = (246, 243, 236)
INK = (40, 40, 48)
RED = (214, 72, 58)
GROUND = 300
RADIUS = 24


def simulate_bounce(frames: int, fps: int, x0: float, y0: float, vx: float,
                    g: float = 1250.0, e: float = 0.72):
    """Centre positions sampled at each frame, velocity, and whether the ball touched the
    ground since the previous frame. Integrated in small sub-steps."""
    sub = 40
    dt = 1.0 / fps / sub
    x, y, vy = x0, y0, 0.0
    out = []
    for _ in range(frames):
        hit = False
        for _ in range(sub):
            vy += g * dt
            y += vy * dt
            x += vx * dt
            if y > GROUND - RADIUS:
                y = GROUND - RADIUS - (y - (GROUND - RADIUS))
                vy = -vy * e
                hit = True
                if abs(vy) < 60:  # settled: stop bouncing
                    vy = 0.0
                    y = GROUND - RADIUS
        out.append((x, y, vx, vy, hit))
    return out


def draw_ball_frame(cv: Canvas, state, trail, squash_stretch: bool) -> None:
    x, y, vx, vy, hit = state
    # spacing trail: where the ball was on earlier frames
    for (tx, ty) in trail:
        cv.ellipse(tx, ty, 3.2, 3.2, 0, (150, 150, 160), 0.9)
    # contact shadow, smaller when the ball is high
    h = (GROUND - RADIUS) - y
    sw = RADIUS * (1.1 - min(0.6, h / 400))
    cv.ellipse(x, GROUND + 2, sw, 4, 0, (200, 196, 186), 1.0)
    if not squash_stretch:
        cv.ellipse(x, y, RADIUS, RADIUS, 0, RED)
        return
    if hit:
        # contact key: squash flat, same area (a * b stays RADIUS**2)
        s = 0.62
        cv.ellipse(x, GROUND - RADIUS * s, RADIUS / s, RADIUS * s, 0, RED)
        return
    speed = math.hypot(vx, vy)
    s = 1.0 + min(0.42, speed / 1800)
    ang = math.atan2(vy, vx)
    cv.ellipse(x, min(y, GROUND - RADIUS / s), RADIUS * s, RADIUS / s, ang, RED)


def ball_frames(out) -> None:
    fps, seg = 24, 120
    for part, ss in ((0, False), (1, True)):
        states = simulate_bounce(seg, fps, 70, 70, 96)
        for f, st in enumerate(states):
            cv = Canvas(640, 360, BG)
            cv.rect(30, GROUND + 1, 610, GROUND + 4, INK)
            trail = [(s[0], s[1] if not (ss and s[4]) else GROUND - RADIUS * 0.62)
                     for s in states[max(0, f - 10):f]]
            draw_ball_frame(cv, st, trail, ss)
            out.write(bytes(cv.px))


# ---------------------------------------------------------------------------
# Frame-rate dependent movement vs delta time (game course)


def game_frame_times(total: float) -> list[float]:
    """Timestamps of simulated game frames: 60 fps, except a lag spike (8 fps) 3-5 s."""
    t, out = 0.0, []
    while t <= total:
        out.append(t)
        t += 1 / 8 if 3.0 <= t < 5.0 else 1 / 60
    return out


def delta_frames(out) -> None:
    fps, seconds, speed, x0 = 30, 8, 70.0, 40.0
    ticks = game_frame_times(seconds + 0.1)
    # position after each game frame, for both strategies
    xa, xb, pos = x0, x0, []
    prev = 0.0
    for t in ticks:
        dt = t - prev
        prev = t
        xa += speed / 60  # "move 70/60 px every frame" -- assumes 60 fps
        xb += speed * dt  # "move 70 px every second" -- uses the measured frame time
        pos.append((t, xa, xb))
    j = 0
    for f in range(fps * seconds):
        t = f / fps
        while j + 1 < len(pos) and pos[j + 1][0] <= t:
            j += 1
        _, a, b = pos[j]
        lag = 3.0 <= t < 5.0
        cv = Canvas(640, 360, (24, 26, 36) if not lag else (48, 26, 30))
        for k in range(seconds + 1):  # where a correct object is after k seconds
            gx = x0 + speed * k
            cv.rect(gx, 160, gx + 1, 175, (110, 110, 130))
            cv.rect(gx, 305, gx + 1, 320, (110, 110, 130))
        cv.rect(20, 175, 620, 177, (80, 84, 100))
        cv.rect(20, 320, 620, 322, (80, 84, 100))
        cv.rect(a - 18, 137, a + 18, 173, (88, 150, 240))
        cv.rect(b - 18, 282, b + 18, 318, (96, 210, 130))
        out.write(bytes(cv.px))


# ---------------------------------------------------------------------------
# Sprite sheet (game course): 6 cells of 16x16 art, scaled x2 -> 192x32

PALETTE = [
    (0, 0, 0),        # . transparent
    (28, 24, 36),     # K outline
    (252, 208, 160),  # S skin
    (94, 58, 40),     # H hair
    (56, 112, 220),   # B shirt
    (40, 44, 70),     # D trousers
    (255, 255, 255),  # W white
    (255, 206, 40),   # Y star yellow
    (255, 148, 24),   # O star orange
    (70, 70, 80),     # G bomb grey
    (230, 60, 50),    # R fuse spark
]
CODES = ".KSHBDWYOGR"

HEAD = [
    "................",
    ".....KKKKKK.....",
    "....KHHHHHHK....",
    "....KHHHHHHHK...",
    "....KSSSSWKSK...",
    "....KSSSSKKSK...",
    "....KSSSSSSSK...",
    ".....KSSSSSK....",
    "....KBBBBBBBK...",
    "...KSBBBBBBBSK..",
    "...KSKBBBBBKSK..",
    "....KKDDDDDKK...",
]
LEGS = [
    ["....KDDKKDDK....", "....KDDKKDDK....", "....KKK..KKK....", "................"],
    ["...KDDK..KDDK...", "..KDDK....KDDK..", "..KKK......KKK..", "................"],
    ["....KDDKKDDK....", "....KDDKKDDK....", "....KKK..KKK....", "................"],
    [".....KDDDDK.....", ".....KDDDDK.....", ".....KKKKKK.....", "................"],
]
STAR = [
    "................",
    ".......KK.......",
    "......KYYK......",
    "......KYYK......",
    ".....KYYYYK.....",
    "KKKKKKYYYYKKKKKK",
    ".KYYYYYYYYYYYYK.",
    "..KYYYOYYOYYYK..",
    "...KYYYYYYYYK...",
    "....KYYYYYYK....",
    "....KYYOOYYK....",
    "...KYYYKKYYYK...",
    "...KYYK..KYYK...",
    "..KYK......KYK..",
    "..KK........KK..",
    "................",
]
BOMB = [
    "..........R.R...",
    "...........R....",
    "..........KR.R..",
    ".........K......",
    "......KKKK......",
    "....KKGGGGKK....",
    "...KGGGGGGGGK...",
    "..KGWWGGGGGGGK..",
    "..KGWGGGGGGGGK..",
    "..KGGGGGGGGGGK..",
    "..KGGGGGGGGGGK..",
    "..KGGGGGGGGGGK..",
    "...KGGGGGGGGK...",
    "....KKGGGGKK....",
    "......KKKK......",
    "................",
]


def sprites(path: str) -> None:
    cells = [HEAD + legs for legs in LEGS] + [STAR, BOMB]
    scale, size = 2, 16
    w, h = len(cells) * size * scale, size * scale
    rows = []
    for y in range(h):
        row = bytearray()
        for cell in cells:
            line = cell[y // scale]
            for x in range(size * scale):
                row.append(CODES.index(line[x // scale]))
        rows.append(bytes(row))
    write_png(path, w, h, rows, 3, PALETTE, transparent=[0])


# ---------------------------------------------------------------------------
# Bouncing-ball reference sheet (animation course), 960x540


def ball_sheet(path: str) -> None:
    cv = Canvas(960, 540, (255, 255, 255))
    ground = 440
    for x in range(40, 921, 40):  # light grid helps judging spacing
        cv.rect(x, 60, x + 1, ground, (236, 238, 244))
    for y in range(80, ground, 40):
        cv.rect(40, y, 921, y + 1, (236, 238, 244))
    cv.rect(30, ground, 930, ground + 3, INK)
    r = 22
    # one 24-frame bounce of a ball drawn on twos: 12 drawings, contact at 0 and 12
    x_start, x_end, apex = 80, 880, 120
    h = ground - r - apex
    n = 12
    path_pts = []
    for i in range(n + 1):
        p = i / n
        x = x_start + (x_end - x_start) * p
        y = ground - r - h * (1 - (2 * p - 1) ** 2)  # parabola: slow at the top, fast near the ground
        path_pts.append((x, y))
    for i in range(len(path_pts) - 1):  # dashed arc
        (x0, y0), (x1, y1) = path_pts[i], path_pts[i + 1]
        cv.line(x0, y0, x1, y1, (170, 170, 190), 1.5, dash=4)
    for i, (x, y) in enumerate(path_pts):
        if i in (0, n):  # contact: squash
            s = 0.6
            cv.ellipse(x, ground - r * s, r / s, r * s, 0, (250, 205, 200))
            cv.ellipse(x, ground - r * s, r / s, r * s, 0, RED, ring=2.5)
            continue
        p = i / n
        vxp, vyp = x_end - x_start, 4 * h * (2 * p - 1)  # d(x, y)/dp of the arc
        top_speed = math.hypot(vxp, 4 * h)
        k = (math.hypot(vxp, vyp) - vxp) / (top_speed - vxp)  # 0 at the apex, 1 at contact
        s = 1.0 + 0.4 * k ** 1.5  # stretch along the path when fast, round when slow
        ang = math.atan2(vyp, vxp)
        key = i == n // 2
        fill = (255, 236, 180) if key else (236, 236, 244)
        edge = (200, 140, 20) if key else (90, 90, 110)
        cv.ellipse(x, y, r * s, r / s, ang, fill)
        cv.ellipse(x, y, r * s, r / s, ang, edge, ring=2.0)
    write_png(path, cv.w, cv.h, cv.rows(), 2)
    # drawing numbers, as ffmpeg drawtext lines for make_media.sh
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    for i, (x, y) in enumerate(path_pts):
        if 0 < i < n:
            sys.stdout.write(f"drawtext=fontfile={font}:text='{i + 1}':x={x - 5:.0f}:y={y + 30:.0f}"
                             ":fontsize=13:fontcolor=0x8A8AA0,\n")


# ---------------------------------------------------------------------------
# Kana charts (Japanese course): an ffmpeg drawtext filter script

HIRAGANA = [
    ("", "あいうえお", "a i u e o"), ("k", "かきくけこ", "ka ki ku ke ko"),
    ("s", "さしすせそ", "sa shi su se so"), ("t", "たちつてと", "ta chi tsu te to"),
    ("n", "なにぬねの", "na ni nu ne no"), ("h", "はひふへほ", "ha hi fu he ho"),
    ("m", "まみむめも", "ma mi mu me mo"), ("y", "や・ゆ・よ", "ya - yu - yo"),
    ("r", "らりるれろ", "ra ri ru re ro"), ("w", "わ・・・を", "wa - - - (w)o"),
    ("n", "ん・・・・", "n - - - -"),
]


def to_katakana(s: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in s)


def kana_filter(which: str) -> str:
    font_jp = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
    font_en = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    title = "ひらがな  Hiragana" if which == "hira" else "カタカナ  Katakana"
    cell_w, cell_h, left, top = 112, 78, 40, 110
    parts = [
        f"drawtext=fontfile={font_jp}:text='{title}':x=40:y=30:fontsize=40:fontcolor=0x202030",
        f"drawtext=fontfile={font_en}:text='Read across each row\\: a i u e o':x=40:y=80"
        ":fontsize=18:fontcolor=0x606070",
    ]
    for r, (_, kana, roma) in enumerate(HIRAGANA):
        if which == "kata":
            kana = to_katakana(kana)
        romas = roma.split(" ")
        y = top + r * cell_h
        parts.append(f"drawbox=x={left}:y={y}:w={cell_w * 5}:h=1:color=0xC8C8D2:t=fill")
        for c, ch in enumerate(kana):
            if ch == "・":
                continue
            x = left + c * cell_w
            parts.append(f"drawtext=fontfile={font_jp}:text='{ch}':x={x + 14}:y={y + 56}-ascent"
                         ":fontsize=46:fontcolor=0x202030")
            parts.append(f"drawtext=fontfile={font_en}:text='{romas[c]}':x={x + 72}:y={y + 64}-ascent"
                         ":fontsize=17:fontcolor=0xC03A2E")
    y = top + len(HIRAGANA) * cell_h
    parts.append(f"drawbox=x={left}:y={y}:w={cell_w * 5}:h=1:color=0xC8C8D2:t=fill")
    for c in range(6):
        parts.append(f"drawbox=x={left + c * cell_w}:y={top}:w=1:h={y - top}:color=0xC8C8D2:t=fill")
    return ",\n".join(parts) + "\n"


# ---------------------------------------------------------------------------
# Exposure sheet (animation course): a one-page PDF drawn with the standard Helvetica font


def _pdf_text(x: float, y: float, size: float, s: str, bold: bool = False) -> str:
    s = s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /{'F2' if bold else 'F1'} {size} Tf {x:.1f} {y:.1f} Td ({s}) Tj ET\n"


def xsheet(path: str) -> None:
    W, H = 595, 842  # A4 in points
    c = ["0.2 0.2 0.25 RG 0.2 0.2 0.25 rg\n"]
    c.append(_pdf_text(40, 800, 16, "EXPOSURE SHEET (X-SHEET)  -  24 fps", True))
    c.append(_pdf_text(40, 782, 9, "AN101 2D animation: the twelve principles  -  "
                       "Kakehashi sample course"))
    for i, label in enumerate(["Scene", "Cut", "Animator", "Seconds", "Sheet"]):
        x = 40 + i * 103
        c.append(_pdf_text(x, 758, 9, label + ":", True))
        c.append(f"0.5 w {x + 2 + 6 * len(label):.0f} 756 m {x + 98} 756 l S\n")
    cols = [("FRAME", 44), ("ACTION / NOTES", 200), ("KEY", 40), ("BG", 40),
            ("A", 40), ("B", 40), ("C", 40), ("CAMERA", 71)]
    top, row_h, rows = 736, 13, 48
    x = 40
    c.append("0.9 0.92 0.96 rg 40 %.1f 515 %.1f re f 0.2 0.2 0.25 rg\n" % (top - 16, 16))
    for name, wdt in cols:
        c.append(_pdf_text(x + 4, top - 12, 8, name, True))
        x += wdt
    y0 = top - 16
    for r in range(rows):
        y = y0 - (r + 1) * row_h
        if (r + 1) % 6 == 0:
            c.append("1 w ")
        elif (r + 1) % 2 == 0:
            c.append("0.5 w ")
        else:
            c.append("0.2 w ")
        c.append(f"40 {y:.1f} m 555 {y:.1f} l S\n")
        c.append(_pdf_text(46, y + 4, 8, str(r + 1), bold=(r + 1) % 24 == 0))
        if (r + 1) % 24 == 0:
            c.append(_pdf_text(90, y + 4, 7, f"-- {(r + 1) // 24} s --"))
    bottom = y0 - rows * row_h
    x = 40
    c.append("1 w ")
    c.append(f"40 {top:.1f} m 555 {top:.1f} l S\n")
    for _, wdt in cols + [("", 0)]:
        c.append(f"{x:.1f} {top:.1f} m {x:.1f} {bottom:.1f} l S\n")
        x += wdt
    notes = [
        "How to use: one row is one frame. Write the drawing number in a cell on the frame it",
        "first appears, draw a line down while it is held. On twos, each drawing holds 2 rows.",
        "Circle key poses, mark the contact and squash frames of a bounce, note ease in/out.",
        "Thick line every 6 frames (1/4 s), frame numbers in bold every 24 frames (1 s).",
    ]
    for i, n in enumerate(notes):
        c.append(_pdf_text(40, bottom - 18 - i * 11, 8, n))
    stream = "".join(c).encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {W} {H}] /Resources << /Font << "
         "/F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>").encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(zlib.compress(stream, 9))
        + zlib.compress(stream, 9) + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (Exposure sheet - AN101) /Producer (Kakehashi courses/_tools/media.py) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    with open(path, "wb") as fh:
        fh.write(out)


def main(argv: list[str]) -> None:
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "ball-frames":
        ball_frames(sys.stdout.buffer)
    elif cmd == "delta-frames":
        delta_frames(sys.stdout.buffer)
    elif cmd == "sprites":
        sprites(argv[2])
    elif cmd == "ball-sheet":
        ball_sheet(argv[2])
    elif cmd == "kana-filter":
        sys.stdout.write(kana_filter(argv[2]))
    elif cmd == "xsheet":
        xsheet(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
