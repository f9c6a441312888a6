#!/bin/sh
# Regenerates every generated media file of the sample courses.
#
#   sh courses/_tools/make_media.sh          (from the repository root, or from anywhere)
#
# Needs: python3 (standard library only), ffmpeg with libvpx-vp9 and drawtext (libfreetype),
# fonts-dejavu-core and fonts-ipaexfont (Debian packages) for the labels and kana charts.
# Pictures are drawn by media.py (pure Python); ffmpeg encodes them and adds text.
# Outputs (all small; keep the total for courses/ under 3 MB):
#   game-dev-fundamentals/01-game-loop/media/delta-time.webm         8 s VP9, no audio (+ -poster.jpg)
#   game-dev-fundamentals/02-sprites-and-input/downloads/hero-sprites.png
#   animation-principles/01-squash-and-stretch/media/bouncing-ball.webm   10 s VP9, no audio (+ -poster.jpg)
#   animation-principles/01-squash-and-stretch/downloads/bouncing-ball-reference.png
#   animation-principles/02-timing-and-spacing/downloads/exposure-sheet.pdf
#   japanese-n5/01-hiragana/downloads/hiragana-chart.png
#   japanese-n5/02-katakana/downloads/katakana-chart.png
# The WebVTT captions next to the videos are written by hand, not generated.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
C=$(dirname "$HERE")                      # courses/
PY=${PYTHON:-python3}
FF="ffmpeg -hide_banner -loglevel error -y"
SANS=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
BOLD=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Same VP9 settings for both videos: constant quality, 2-pass would be smaller but slower.
vp9() { echo "-c:v libvpx-vp9 -b:v 0 -crf 40 -deadline good -cpu-used 2 -row-mt 1 -pix_fmt yuv420p -an"; }

echo "bouncing-ball.webm"
AN="$C/animation-principles/01-squash-and-stretch"
cat >"$TMP/ball.txt" <<EOF
drawtext=fontfile=$BOLD:text='1  Rigid ball - no squash and stretch':x=30:y=24:fontsize=22:fontcolor=0x282830:enable='lt(t,5)',
drawtext=fontfile=$BOLD:text='2  Squash and stretch - same volume':x=30:y=24:fontsize=22:fontcolor=0xD6483A:enable='gte(t,5)',
drawtext=fontfile=$SANS:text='grey dots = where the ball was (spacing)':x=30:y=56:fontsize=16:fontcolor=0x707080,
drawtext=fontfile=$SANS:text='frame %{eif\:mod(n,120)+1\:d} / 120  (24 fps)':x=440:y=326:fontsize=16:fontcolor=0x707080
EOF
$PY "$HERE/media.py" ball-frames |
  $FF -f rawvideo -pix_fmt rgb24 -s 640x360 -r 24 -i - -filter_script:v "$TMP/ball.txt" \
      $(vp9) "$AN/media/bouncing-ball.webm"
# poster: a frame from part 2 (squash and stretch), shown before playback
$FF -ss 5.6 -i "$AN/media/bouncing-ball.webm" -frames:v 1 -update 1 -q:v 5 "$AN/media/bouncing-ball-poster.jpg"

echo "delta-time.webm"
GL="$C/game-dev-fundamentals/01-game-loop"
cat >"$TMP/delta.txt" <<EOF
drawtext=fontfile=$BOLD:text='A  x += 1.17 px every frame  (assumes 60 fps)':x=20:y=104:fontsize=18:fontcolor=0x58A0F0,
drawtext=fontfile=$BOLD:text='B  x += 70 px/s * dt  (delta time)':x=20:y=249:fontsize=18:fontcolor=0x60D282,
drawtext=fontfile=$SANS:text='ticks = where the object should be after each second':x=20:y=336:fontsize=14:fontcolor=0x9090A8,
drawtext=fontfile=$BOLD:text='game running at 60 fps':x=20:y=24:fontsize=22:fontcolor=0xE8E8F0:enable='lt(t,3)+gte(t,5)',
drawtext=fontfile=$BOLD:text='LAG SPIKE - game drops to 8 fps':x=20:y=24:fontsize=22:fontcolor=0xFF8070:enable='between(t,3,4.999)',
drawtext=fontfile=$SANS:text='t = %{eif\:t\:d}.%{eif\:mod(t*10,10)\:d} s':x=540:y=28:fontsize=18:fontcolor=0xC0C0D0
EOF
$PY "$HERE/media.py" delta-frames |
  $FF -f rawvideo -pix_fmt rgb24 -s 640x360 -r 30 -i - -filter_script:v "$TMP/delta.txt" \
      $(vp9) "$GL/media/delta-time.webm"
$FF -ss 4.5 -i "$GL/media/delta-time.webm" -frames:v 1 -update 1 -q:v 5 "$GL/media/delta-time-poster.jpg"

echo "hero-sprites.png"
$PY "$HERE/media.py" sprites "$C/game-dev-fundamentals/02-sprites-and-input/downloads/hero-sprites.png"

echo "bouncing-ball-reference.png"
$PY "$HERE/media.py" ball-sheet "$TMP/sheet.png" >"$TMP/sheet.txt"
cat >>"$TMP/sheet.txt" <<EOF
drawtext=fontfile=$BOLD:text='Bouncing ball - one bounce, 24 frames, drawn on twos (12 drawings)':x=40:y=20:fontsize=22:fontcolor=0x282830,
drawtext=fontfile=$SANS:text='Even steps left to right (constant horizontal speed). Close spacing at the top = slow, wide spacing near the ground = fast.':x=40:y=50:fontsize=13:fontcolor=0x606070,
drawtext=fontfile=$BOLD:text='1  contact + squash':x=40:y=458:fontsize=15:fontcolor=0xD6483A,
drawtext=fontfile=$BOLD:text='13  contact + squash':x=w-tw-30:y=458:fontsize=15:fontcolor=0xD6483A,
drawtext=fontfile=$BOLD:text='7  key - apex (round, slow in / slow out)':x=(w-tw)/2:y=70:fontsize=15:fontcolor=0xB07A10,
drawtext=fontfile=$SANS:text='stretch (fast)':x=180:y=322:fontsize=14:fontcolor=0x505064,
drawtext=fontfile=$SANS:text='stretch (fast)':x=670:y=322:fontsize=14:fontcolor=0x505064,
drawtext=fontfile=$SANS:text='Drawing numbers count on twos\: drawing 1 = frame 1, drawing 7 = frame 13, drawing 13 = frame 25 (next contact). Kakehashi AN101':x=40:y=500:fontsize=12:fontcolor=0x808090
EOF
$FF -i "$TMP/sheet.png" -filter_script:v "$TMP/sheet.txt" -frames:v 1 -pix_fmt rgb24 \
    "$AN/downloads/bouncing-ball-reference.png"

echo "exposure-sheet.pdf"
$PY "$HERE/media.py" xsheet "$C/animation-principles/02-timing-and-spacing/downloads/exposure-sheet.pdf"

for k in hira kata; do
  if [ $k = hira ]; then out="$C/japanese-n5/01-hiragana/downloads/hiragana-chart.png"
  else out="$C/japanese-n5/02-katakana/downloads/katakana-chart.png"; fi
  echo "$(basename "$out")"
  $PY "$HERE/media.py" kana-filter $k >"$TMP/kana.txt"
  $FF -f lavfi -i color=c=white:s=640x990 -filter_script:v "$TMP/kana.txt" -frames:v 1 \
      -pix_fmt gray "$out"
done

echo "done:"
cd "$C" && du -b */*/media/*.webm */*/media/*.jpg */*/downloads/*.png */*/downloads/*.pdf | sort -k2
