/* Six looping canvas clips, one per question. Each clip is a function draw(ctx, t) that
 * paints the picture at time t (seconds); the loop length is in `period`. The clips are
 * drawn with simple shapes so the package stays small and works offline. */
(function (global) {
  "use strict";
  var W = 480, H = 270, FLOOR = 230;
  var INK = "#282830", RED = "#d6483a", SOFT = "#b8b8c8", BG = "#f6f3ec";

  function clear(ctx) {
    ctx.fillStyle = BG; ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = INK; ctx.fillRect(20, FLOOR, W - 40, 3);
  }
  function ellipse(ctx, x, y, rx, ry, rot, fill) {
    ctx.beginPath(); ctx.ellipse(x, y, rx, ry, rot || 0, 0, Math.PI * 2);
    ctx.fillStyle = fill; ctx.fill();
  }
  function label(ctx, text, x, y, color) {
    ctx.fillStyle = color || "#707080"; ctx.font = "14px sans-serif"; ctx.fillText(text, x, y);
  }
  function ease(p) { return 0.5 - 0.5 * Math.cos(Math.PI * p); }   // slow in and slow out

  var clips = {};

  // 1. squash and stretch: a soft ball bouncing in place
  clips.squash = { period: 1.0, draw: function (ctx, t) {
    clear(ctx);
    var r = 26, h = 150, p = t / 1.0;
    var u = 2 * p - 1;                               // -1 .. 1, contact at both ends
    var y = FLOOR - r - h * (1 - u * u);
    var speed = Math.abs(u);
    var sx = 1, sy = 1;
    if (p < 0.06 || p > 0.94) { sy = 0.6; sx = 1 / 0.6; y = FLOOR - r * sy; }
    else if (speed > 0.5) { sy = 1 + 0.5 * (speed - 0.5); sx = 1 / sy; }
    ellipse(ctx, W / 2, FLOOR + 3, r * 1.2 * (0.5 + 0.5 * speed), 4, 0, "#d8d2c4");
    ellipse(ctx, W / 2, y, r * sx, r * sy, 0, RED);
  } };

  // 2. anticipation: a character crouches and swings its arms back before it jumps
  clips.anticipation = { period: 2.6, draw: function (ctx, t) {
    clear(ctx);
    var crouch = 0, lift = 0, arms = 0;
    if (t < 0.5) { crouch = 0; }
    else if (t < 1.2) { crouch = ease((t - 0.5) / 0.7); arms = crouch; }      // slow wind-up
    else if (t < 1.35) { crouch = 1; arms = 1; }                               // hold
    else if (t < 2.1) {                                                        // jump
      var p = (t - 1.35) / 0.75;
      crouch = Math.max(0, 1 - p * 6); lift = 4 * p * (1 - p) * 120; arms = 1 - 2 * Math.min(p * 3, 1);
    } else { var q = (t - 2.1) / 0.5; crouch = 0.4 * Math.sin(Math.PI * q); arms = -1 + ease(q); }
    var legLen = 34, knee = crouch * 0.9;                                      // knee bend angle
    var hipY = FLOOR - lift - legLen * 2 * Math.cos(knee);
    var x = W / 2;
    ctx.strokeStyle = INK; ctx.lineWidth = 6; ctx.lineCap = "round";
    [-10, 10].forEach(function (dx) {                                         // legs
      var kx = x + dx + Math.sin(knee) * legLen, ky = hipY + Math.cos(knee) * legLen;
      ctx.beginPath(); ctx.moveTo(x + dx, hipY); ctx.lineTo(kx, ky);
      ctx.lineTo(x + dx, FLOOR - lift); ctx.stroke();
    });
    ctx.fillStyle = "#3870dc"; ctx.fillRect(x - 22, hipY - 64, 44, 64);        // body
    ellipse(ctx, x, hipY - 84, 22, 22, 0, "#fcd0a0");                           // head
    ellipse(ctx, x + 8, hipY - 88, 3, 4, 0, INK);
    var a = arms >= 0 ? 0.3 + arms * 1.6 : 0.3 + arms * 2.4;                  // back in the wind-up, then up and forward
    ctx.strokeStyle = "#fcd0a0";
    ctx.beginPath(); ctx.moveTo(x, hipY - 56);
    ctx.lineTo(x - Math.sin(a) * 40, hipY - 56 + Math.cos(a) * 40); ctx.stroke();
  } };

  // 3. slow in and slow out: a box slides between two marks; dots show its spacing
  clips.slowinout = { period: 3.0, draw: function (ctx, t) {
    clear(ctx);
    var x0 = 80, x1 = 400, i;
    function at(s) { var p = (s % 3.0) / 1.5; return p <= 1 ? x0 + (x1 - x0) * ease(p) : x1 - (x1 - x0) * ease(p - 1); }
    for (i = 0; i <= 12; i++) {                      // spacing chart: 12 frames per move
      var sx = x0 + (x1 - x0) * ease(i / 12);
      ellipse(ctx, sx, 200, 3.5, 3.5, 0, SOFT);
    }
    ctx.fillStyle = INK; ctx.fillRect(x0 - 1, 120, 2, 90); ctx.fillRect(x1 - 1, 120, 2, 90);
    var x = at(t);
    ctx.fillStyle = RED; ctx.fillRect(x - 24, 130, 48, 48);
    label(ctx, "dots = position on each frame", 150, 255);
  } };

  // 4. arcs: the same move along a straight line (1) and along an arc (2)
  clips.arcs = { period: 2.4, draw: function (ctx, t) {
    clear(ctx);
    var p = Math.min(1, (t % 2.4) / 1.6);
    function pivotArm(cx, cy, angle, color) {
      ctx.strokeStyle = color; ctx.lineWidth = 8; ctx.lineCap = "round";
      ctx.beginPath(); ctx.moveTo(cx, cy);
      ctx.lineTo(cx + Math.cos(angle) * 80, cy + Math.sin(angle) * 80); ctx.stroke();
      ellipse(ctx, cx + Math.cos(angle) * 80, cy + Math.sin(angle) * 80, 10, 10, 0, color);
    }
    // 1: the hand goes in a straight line, so the "arm" changes length: mechanical
    var a0 = Math.PI * 0.85, a1 = Math.PI * 0.15;
    var cx = 130, cy = 180;
    var ax = cx + Math.cos(a0) * 80, ay = cy - Math.sin(a0) * 80;
    var bx = cx + Math.cos(a1) * 80, by = cy - Math.sin(a1) * 80;
    var hx = ax + (bx - ax) * p, hy = ay + (by - ay) * p;
    ctx.strokeStyle = SOFT; ctx.setLineDash([4, 4]); ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
    ctx.strokeStyle = "#606070"; ctx.lineWidth = 8; ctx.setLineDash([]);
    ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(hx, hy); ctx.stroke();
    ellipse(ctx, hx, hy, 10, 10, 0, "#606070");
    label(ctx, "1", cx - 4, 225, INK);
    // 2: the hand follows the circle around the shoulder: natural
    var cx2 = 350;
    ctx.strokeStyle = SOFT; ctx.setLineDash([4, 4]); ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(cx2, cy, 80, -a0, -a1); ctx.stroke(); ctx.setLineDash([]);
    pivotArm(cx2, cy, -(a0 + (a1 - a0) * p), RED);
    label(ctx, "2", cx2 - 4, 225, INK);
  } };

  // 5. follow through: a head with an antenna slides and stops; the antenna keeps going
  clips.followthrough = { period: 3.0, draw: function (ctx, t) {
    clear(ctx);
    var stopAt = 1.0, x0 = 90, x1 = 330, x, tilt;
    if (t < stopAt) { x = x0 + (x1 - x0) * (t / stopAt); tilt = -0.45 * Math.min(1, t * 5); }
    else {
      x = x1;
      var d = t - stopAt;
      tilt = -0.45 * Math.cos(9 * d) * Math.exp(-2.2 * d);   // swings forward, then settles
    }
    var by = 170;
    ctx.strokeStyle = INK; ctx.lineWidth = 3;
    var segs = 4, len = 18, px = x, py = by - 36, ang = -Math.PI / 2;
    ctx.beginPath(); ctx.moveTo(px, py);
    for (var i = 0; i < segs; i++) {                        // the tip bends more than the base
      ang += tilt * (0.4 + 0.2 * i);
      px += Math.cos(ang) * len; py += Math.sin(ang) * len;
      ctx.lineTo(px, py);
    }
    ctx.stroke();
    ellipse(ctx, px, py, 7, 7, 0, RED);
    ellipse(ctx, x, by, 40, 40, 0, "#3870dc");
    ellipse(ctx, x + 14, by - 6, 5, 7, 0, "#ffffff");
    ellipse(ctx, x + 16, by - 5, 2.5, 3.5, 0, INK);
    ctx.fillStyle = "#2a4a90"; ctx.fillRect(x - 30, by + 36, 60, 14);
  } };

  // 6. timing: the same swing in 0.5 s (left) and in 1.5 s (right)
  clips.timing = { period: 3.0, draw: function (ctx, t) {
    clear(ctx);
    function swing(cx, period, r, color) {
      var p = (t % period) / period;
      var a = 0.9 * Math.cos(2 * Math.PI * p);              // pendulum, same amplitude
      var bx = cx + Math.sin(a) * 130, by = 40 + Math.cos(a) * 130;
      ctx.strokeStyle = INK; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(cx, 40); ctx.lineTo(bx, by); ctx.stroke();
      ellipse(ctx, bx, by, r, r, 0, color);
    }
    ctx.fillStyle = INK; ctx.fillRect(40, 36, 400, 4);
    swing(140, 1.0, 22, "#e89a3a");
    swing(340, 3.0, 22, "#5a5a68");
    label(ctx, "A", 136, 255, INK); label(ctx, "B", 336, 255, INK);
  } };

  global.Clips = { W: W, H: H, all: clips };
})(window);
