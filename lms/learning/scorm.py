"""SCORM run-time on the server: attempts, validation of what a SCO reports, progress.

A SCO runs sandboxed; the adapter injected into its pages (static/js/scorm-api.js)
answers its API calls from a local copy of the data and posts what changed to the
platform page, which posts it here (``runtime_call``). Nothing the browser sends is
trusted: every element and value is checked again against ``scorm_model``.

One ScormAttempt holds the cmi data of one attempt at one SCO, keyed by module and item
key so it carries over to new versions of the package. Its ``cmi`` JSON is
``{"values": {element: value}, "sessions": n, "seconds": total time, "exit": the
cmi.exit of the last session, null while it has not terminated}``. An attempt ends when
the SCO terminates with any exit but "suspend"; the next Initialize then starts attempt
number + 1.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.authoring.models import Item, ModuleVersion
from lms.core.db import utcnow
from lms.core.errors import Conflict, Forbidden, ValidationError
from lms.extensions import db
from lms.learning import launches, progress, services, trust
from lms.learning.models import ItemProgress, LearningEvent, ScormAttempt
from lms.learning.scorm_model import MODELS, SCORM12, Model, check_batch

CALLS = ("initialize", "commit", "terminate")
SCORM_FORMATS = ("scorm12", "scorm2004")
API_SCRIPT_PATH = "__kakehashi__/scorm-api.js"
MAX_SESSION_SECONDS = 24 * 3600
# Elements that describe one session only; they are not carried into the next one.
_SESSION_ELEMENTS = {"cmi.core.exit", "cmi.core.session_time", "cmi.exit", "cmi.session_time",
                     "adl.nav.request"}


def model_for(item: Item) -> Model:
    return MODELS.get((item.content or {}).get("scorm_version"), SCORM12)


# --- attempts and the data a launch starts from --------------------------------------


def latest_attempt(user_id: int, item: Item) -> ScormAttempt | None:
    return db.session.scalar(select(ScormAttempt).where(
        ScormAttempt.user_id == user_id, ScormAttempt.module_id == item.version.module_id,
        ScormAttempt.item_key == item.key).order_by(ScormAttempt.number.desc()).limit(1))


def open_attempt(user_id: int, item: Item) -> ScormAttempt | None:
    """The attempt the next launch continues: the latest one, unless it has finished."""
    attempt = latest_attempt(user_id, item)
    return attempt if attempt is not None and not attempt.finished else None


def resumable(attempt: ScormAttempt | None) -> bool:
    """Whether the next launch continues where the last session stopped: it suspended,
    or it never terminated (the learner left the page; the Terminate sent while the
    page unloads is often lost, but the data of every Commit before it is here)."""
    return (attempt is not None and not attempt.finished and bool(attempt.cmi.get("sessions"))
            and attempt.cmi.get("exit") in ("suspend", None))


def _entry(attempt: ScormAttempt | None) -> str:
    if attempt is None or not attempt.cmi.get("sessions"):
        return "ab-initio"
    return "resume" if resumable(attempt) else ""


def _number(value) -> str:
    return f"{float(value):g}"


def launch_data(user, item: Item) -> dict[str, str]:
    """The cmi values a launch starts with: what the LMS provides (learner, credit,
    mode, manifest data) and, when an attempt is open, what the SCO stored in it."""
    content = item.content or {}
    learner = services.is_learner(user, item)
    attempt = open_attempt(user.id, item) if learner else None
    stored = {k: v for k, v in (attempt.cmi.get("values", {}) if attempt else {}).items()
              if k not in _SESSION_ELEMENTS}
    seconds = float(attempt.cmi.get("seconds", 0)) if attempt else 0.0
    credit = "credit" if learner else "no-credit"
    if model_for(item).version == "1.2":
        given, _sep, family = (user.name or "").strip().rpartition(" ")
        values = {
            "cmi.core.student_id": str(user.id),
            # "Family, Given", as SCORM 1.2 content expects it (the last word of the name
            # as the family name: names are stored as their owners write them in Latin).
            "cmi.core.student_name": f"{family}, {given}" if given else family,
            "cmi.core.lesson_location": "",
            "cmi.core.credit": credit,
            "cmi.core.lesson_status": "not attempted",
            "cmi.core.entry": _entry(attempt),
            "cmi.core.score.raw": "", "cmi.core.score.min": "", "cmi.core.score.max": "",
            "cmi.core.total_time": timespan_12(seconds),
            "cmi.core.lesson_mode": "normal",
            "cmi.suspend_data": "",
            "cmi.launch_data": content.get("data_from_lms") or "",
            "cmi.comments": "",
            "cmi.comments_from_lms": "",
            "cmi.student_data.mastery_score": (
                _number(content["mastery_score"]) if content.get("mastery_score") is not None
                else ""),
            "cmi.student_data.max_time_allowed": content.get("max_time_allowed") or "",
            "cmi.student_data.time_limit_action": content.get("time_limit_action") or "",
            "cmi.student_preference.audio": "0", "cmi.student_preference.language": "",
            "cmi.student_preference.speed": "0", "cmi.student_preference.text": "0",
        }
    else:
        values = {
            "cmi.learner_id": str(user.id),
            "cmi.learner_name": user.name or "",
            "cmi.completion_status": "unknown",
            "cmi.success_status": "unknown",
            "cmi.credit": credit,
            "cmi.mode": "normal",
            "cmi.entry": _entry(attempt),
            "cmi.total_time": duration_2004(seconds),
            "cmi.time_limit_action": content.get("time_limit_action") or "continue,no message",
            "cmi.learner_preference.audio_level": "1",
            "cmi.learner_preference.language": "",
            "cmi.learner_preference.delivery_speed": "1",
            "cmi.learner_preference.audio_captioning": "0",
            "adl.nav.request": "_none_",
        }
        for element, key in (("cmi.launch_data", "data_from_lms"),
                             ("cmi.max_time_allowed", "max_time_allowed")):
            if content.get(key):
                values[element] = content[key]
        for element, key in (("cmi.completion_threshold", "completion_threshold"),
                             ("cmi.scaled_passing_score", "scaled_passing_score")):
            if content.get(key) is not None:
                values[element] = _number(content[key])
    values.update(stored)
    return values


def api_script(user, item: Item) -> str:
    """The adapter for one launch: its starting data, then static/js/scorm-api.js."""
    boot = {"item": item.id, "version": model_for(item).version,
            "cmi": launch_data(user, item), "model": model_for(item).as_json()}
    source = Path(current_app.static_folder, "js", "scorm-api.js").read_text(encoding="utf-8")
    # ensure_ascii: the line stays valid JavaScript whatever the names contain.
    return f"window.__kakehashiScorm = {json.dumps(boot, ensure_ascii=True)};\n{source}"


# --- the script tag in served SCO pages ----------------------------------------------

_HEAD = re.compile(rb"<!--.*?-->|<head(?=[\s/>])[^>]*>|<body(?=[\s/>])", re.I | re.S)
_PROLOGUE = re.compile(rb"(\s+|<!--.*?-->|<\?xml[^>]*>|<!doctype[^>]*>)*"
                       rb"(<html(?=[\s/>])[^>]*>)?", re.I | re.S)


def insert_script(html: bytes, src: str) -> bytes:
    """``html`` with ``<script src=...>`` as the first child of its <head>.

    Works on bytes, so the page's own encoding (declared in a <meta> the browser reads)
    is left alone; a UTF-8 BOM is kept in front, UTF-16 pages are re-encoded as they
    were. ``<head>`` is found in any case, with attributes, outside comments. Without
    a <head> the tag goes after the doctype and <html> tag, never before the doctype
    (that would switch the page to quirks mode).
    """
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if html.startswith(bom):
            text = html[len(bom):].decode(codec, errors="surrogatepass")
            done = insert_script(text.encode("utf-8", errors="surrogatepass"), src)
            return bom + done.decode("utf-8", errors="surrogatepass").encode(
                codec, errors="surrogatepass")
    bom = b"\xef\xbb\xbf" if html.startswith(b"\xef\xbb\xbf") else b""
    body = html[len(bom):]
    tag = b'<script src="' + src.replace("&", "&amp;").replace('"', "&quot;").encode(
        "ascii") + b'"></script>'
    position = None
    for match in _HEAD.finditer(body):
        text = match.group(0)
        if text.startswith(b"<!--"):
            continue
        if text[:5].lower() == b"<head":
            position = match.end()
        break
    if position is None:
        position = _PROLOGUE.match(body).end()
    return bom + body[:position] + tag + body[position:]


def launched_item(version: ModuleVersion, path: str, query: str) -> Item | None:
    """The SCO item a page of ``version`` belongs to: the item that launches ``path``
    (with these parameters, when several do), else the version's first SCO."""
    items = [i for i in version.items if i.kind == "scorm"]
    launching = [i for i in items if (i.content or {}).get("launch") == path]
    for item in launching:
        if (item.entry or "").partition("?")[2].partition("#")[0] == query:
            return item
    if launching:
        return launching[0]
    scos = [i for i in items if (i.content or {}).get("scorm_type") == "sco"]
    return (scos or items or [None])[0]


def sco_page(token: str, version: ModuleVersion, path: str, served):
    """For content.views.serve: an HTML page of a SCORM package, with the API adapter's
    script tag inserted. None for anything else (served unchanged)."""
    if (version.format not in SCORM_FORMATS or served.content_type != "text/html"
            or served.encoding or served.attachment):
        return None
    item = launched_item(version, path, request.query_string.decode("latin-1"))
    if item is None:
        return None
    src = url_for("content.scorm_api", token=token, item=item.id)
    response = current_app.response_class(insert_script(served.path.read_bytes(), src))
    response.headers["Content-Type"] = "text/html"  # no charset: the page's <meta> decides
    response.add_etag()
    return response.make_conditional(request)


# --- one call from the adapter -------------------------------------------------------


@dataclass
class CallOutcome:
    recorded: bool  # False for previews and for a call already received
    attempt: int | None = None
    progress: ItemProgress | None = None


def runtime_call(user, item: Item, call: str, data: dict, call_id: str,
                 launch=None) -> CallOutcome:
    """Store one Initialize, Commit or Terminate of a SCO and update progress.

    ``data`` holds the elements the SCO set since its last call. Every element is
    validated (ValidationError listing each refused one: unknown, read-only, a bad
    value). Initialize opens the learner's unfinished attempt or starts a new one;
    Terminate with cmi.exit "suspend" keeps it open for resuming, any other exit ends
    it. ``call_id`` (a UUID) becomes the LearningEvent id: a retried call is a no-op.
    Only enrolled students are recorded, and only through ``launch`` (their live launch
    of this item, ``lms.learning.launches``), which the first Initialize binds to its
    attempt; for anyone else the data is checked and nothing is stored (recorded False).
    """
    if call not in CALLS:
        raise ValidationError(_("'call' must be one of: %(calls)s.", calls=", ".join(CALLS)))
    if not isinstance(data, dict):
        raise ValidationError(_("'data' must be an object of element names and values."))
    try:
        call_id = str(uuid.UUID(str(call_id)))
    except ValueError:
        raise ValidationError(_("'id' must be a UUID.")) from None
    model = model_for(item)
    learner = services.is_learner(user, item)
    existing = db.session.get(LearningEvent, call_id)
    if existing is not None:
        if existing.user_id != user.id:
            raise Conflict(_("An event with this id exists already."))
        return CallOutcome(False, None, _progress_of(user, item))
    attempt = open_attempt(user.id, item) if learner else None
    if call != "initialize" and learner and attempt is None:
        raise Conflict(_("This activity was not started: reload the page to launch it again."))
    values = dict(attempt.cmi.get("values", {})) if attempt else {}
    merged, refused = check_batch(model, values, data)
    if refused:
        raise ValidationError(
            _("The activity sent data the SCORM %(version)s data model does not accept: "
              "%(elements)s.", version=model.version,
              elements=", ".join(r.element for r in refused)),
            details=[{"element": r.element, "error": model.codes[r.kind], "message": r.reason}
                     for r in refused])
    if not learner:
        return CallOutcome(False)
    if launch is None:
        raise Forbidden(_("This activity reports only through its launch: reload the page "
                          "to open it again."))

    new_attempt = attempt is None
    if new_attempt:
        last = latest_attempt(user.id, item)
        attempt = ScormAttempt(user_id=user.id, item_id=item.id,
                               module_id=item.version.module_id, item_key=item.key,
                               number=(last.number + 1) if last else 1,
                               cmi={"values": {}, "sessions": 0, "seconds": 0, "exit": None})
        db.session.add(attempt)
    launches.bind_attempt(launch, attempt.number)
    before = evaluate(item, values)
    resumed = call == "initialize" and resumable(attempt)
    cmi = dict(attempt.cmi)
    seconds = 0.0
    if call == "initialize":
        # A new session: what the last one set for itself does not carry over.
        merged = {k: v for k, v in merged.items() if k not in _SESSION_ELEMENTS}
        cmi["sessions"] = int(cmi.get("sessions", 0)) + 1
        cmi["exit"] = None  # until this session terminates
    after = evaluate(item, merged)
    merged.update(after.stored)
    suspended = False
    if call == "terminate":
        seconds = session_seconds(model, merged)
        cmi["seconds"] = float(cmi.get("seconds", 0)) + seconds
        exit_value = merged.get("cmi.core.exit" if model.version == "1.2" else "cmi.exit", "")
        cmi["exit"] = exit_value
        suspended = exit_value == "suspend"
        attempt.finished = not suspended
    cmi["values"] = merged
    attempt.cmi = cmi
    attempt.item_id = item.id
    attempt.updated_at = utcnow()

    verb, result = _event(call, before, after, suspended, resumed)
    if seconds:
        result = {**(result or {}), "duration": f"PT{round(seconds)}S"}
    outcome = progress.record(
        user, item, verb, channel=trust.LAUNCH, result=result, event_id=call_id, attempt=new_attempt,
        resume={"attempt": attempt.number, "suspended": suspended} if call == "terminate"
        else None)
    return CallOutcome(outcome.stored, attempt.number, outcome.progress)


def _progress_of(user, item: Item) -> ItemProgress | None:
    return db.session.scalar(select(ItemProgress).where(
        ItemProgress.user_id == user.id, ItemProgress.module_id == item.version.module_id,
        ItemProgress.item_key == item.key))


# --- from cmi values to progress ------------------------------------------------------


@dataclass
class Evaluation:
    completed: bool
    success: bool | None
    scaled: float | None  # 0..1, only when the status makes it final
    stored: dict  # values the LMS itself sets (1.2: the status the mastery score gives)

    def says(self) -> tuple:
        return (self.completed, self.success, self.scaled)


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _scaled_from_raw(raw, low, high, default_high: float | None) -> float | None:
    raw, low, high = _float(raw), _float(low), _float(high)
    if raw is None:
        return None
    low = 0.0 if low is None else low
    high = default_high if high is None else high
    if high is None or high <= low:
        return None
    return min(1.0, max(0.0, (raw - low) / (high - low)))


def evaluate(item: Item, values: dict[str, str]) -> Evaluation:
    """Completion, success and score that the cmi values say, by the specifications'
    rules for the LMS.

    SCORM 1.2: with a mastery score, a raw score decides passed/failed once the SCO
    reports the lesson done (completed, passed or failed). The score is scaled with
    score.min/max (0-100 when not given).
    SCORM 2004: with a completion threshold, progress_measure decides completion
    ("unknown" without it); with a scaled passing score, score.scaled decides success
    ("unknown" without it). Negative scaled scores count as 0.
    A score is passed on only with a final status, so a running SCO's interim score
    neither completes nor fails the item.
    """
    content = item.content or {}
    if model_for(item).version == "1.2":
        status = values.get("cmi.core.lesson_status", "not attempted")
        raw = _float(values.get("cmi.core.score.raw"))
        mastery = content.get("mastery_score")
        stored = {}
        if mastery is not None and raw is not None and status in ("completed", "passed",
                                                                  "failed"):
            status = "passed" if raw >= float(mastery) else "failed"
            stored["cmi.core.lesson_status"] = status
        final = status in ("completed", "passed", "failed")
        scaled = _scaled_from_raw(values.get("cmi.core.score.raw"),
                                  values.get("cmi.core.score.min"),
                                  values.get("cmi.core.score.max"), 100.0) if final else None
        success = {"passed": True, "failed": False}.get(status)
        return Evaluation(status in ("completed", "passed"), success, scaled, stored)

    completion = values.get("cmi.completion_status", "unknown")
    threshold = content.get("completion_threshold")
    if threshold is not None:
        measure = _float(values.get("cmi.progress_measure"))
        completion = "unknown" if measure is None else (
            "completed" if measure >= float(threshold) else "incomplete")
    success = values.get("cmi.success_status", "unknown")
    scaled = _float(values.get("cmi.score.scaled"))
    passing = content.get("scaled_passing_score")
    if passing is not None:
        success = "unknown" if scaled is None else (
            "passed" if scaled >= float(passing) else "failed")
    if scaled is None:
        scaled = _scaled_from_raw(values.get("cmi.score.raw"), values.get("cmi.score.min"),
                                  values.get("cmi.score.max"), None)
    final = completion == "completed" or success in ("passed", "failed")
    scaled = min(1.0, max(0.0, scaled)) if scaled is not None and final else None
    return Evaluation(completion == "completed",
                      {"passed": True, "failed": False}.get(success), scaled, {})


def _event(call: str, before: Evaluation, after: Evaluation, suspended: bool,
           resumed: bool) -> tuple[str, dict | None]:
    """The verb and xAPI result of one call: the status when it changed, else the call."""
    if after.says() != before.says() and (after.completed or after.success is not None):
        result: dict = {}
        if after.scaled is not None:
            result["score"] = {"scaled": round(after.scaled, 4)}
        if after.success is not None:
            result["success"] = after.success
        if after.completed:
            result["completion"] = True
        verb = ("passed" if after.success else "failed" if after.success is False
                else "completed")
        return verb, result
    if call == "initialize":
        return ("resumed" if resumed else "initialized"), None
    if call == "terminate":
        return ("suspended" if suspended else "terminated"), None
    return "progressed", None


# --- time -------------------------------------------------------------------------------

_TIMESPAN = re.compile(r"^(\d+):(\d+):(\d+(?:\.\d+)?)$")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def session_seconds(model: Model, values: dict[str, str]) -> float:
    """The session time the SCO reported, in seconds (0 when it reported none)."""
    if model.version == "1.2":
        match = _TIMESPAN.match(values.get("cmi.core.session_time", ""))
        if not match:
            return 0.0
        hours, minutes, seconds = match.groups()
        total = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    else:
        match = _DURATION.match(values.get("cmi.session_time", ""))
        if not match:
            return 0.0
        years, months, days, hours, minutes, seconds = (float(g or 0) for g in match.groups())
        total = (((years * 365.25 + months * 30.4375 + days) * 24 + hours) * 60
                 + minutes) * 60 + seconds
    return min(total, MAX_SESSION_SECONDS)


def timespan_12(seconds: float) -> str:
    """Seconds as a SCORM 1.2 CMITimespan, HHHH:MM:SS.SS."""
    hundredths = round(seconds * 100)
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    if hours > 9999:
        return "9999:59:59.99"
    return f"{hours:04d}:{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def duration_2004(seconds: float) -> str:
    """Seconds as an ISO 8601 duration, PT#H#M#S."""
    hundredths = round(seconds * 100)
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    fraction = f".{rest % 100:02d}" if rest % 100 else ""
    return f"PT{hours}H{minutes}M{rest // 100}{fraction}S"


# --- html5 reports ----------------------------------------------------------------------

REPORT_TYPES = ("score", "complete", "progress")


def html5_report(user, item: Item, kind: str, score=None, value=None,
                 report_id: str | None = None) -> progress.Outcome | None:
    """Record what an html5 build reported with postMessage: a score from 0 to 100
    ("scored"; only for items with reports_score), completion ("completed"), or
    progress from 0 to 1 ("progressed"). Returns None when the report is ignored
    (a score from an item that does not report scores)."""
    if kind not in REPORT_TYPES:
        raise ValidationError(_("'type' must be one of: %(types)s.",
                                types=", ".join(REPORT_TYPES)))
    if kind == "score":
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
            raise ValidationError(_("'score' must be a number from 0 to 100."))
        if not (item.settings or {}).get("reports_score"):
            return None
        result = {"score": {"scaled": round(score / 100, 4), "raw": float(score),
                            "min": 0.0, "max": 100.0}}
        return progress.record(user, item, "scored", channel=trust.LAUNCH, result=result,
                               event_id=report_id)
    if kind == "complete":
        return progress.record(user, item, "completed", channel=trust.LAUNCH,
                               result={"completion": True},
                               event_id=report_id)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(_("'progress' must be a number from 0 to 1."))
    return progress.record(user, item, "progressed", channel=trust.LAUNCH, event_id=report_id, result={
        "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress":
                       round(value * 100)}})
