"""The access matrix: for every route and method, what each kind of visitor gets.

Columns, in this order (``ROLES``):

    anon   nobody signed in
    stud   a student enrolled in SEC101 (owns the attempt, submission, records, ...)
    other  a student not enrolled in SEC101
    oinst  the instructor of another course
    inst   the instructor of SEC101
    admin  an administrator

Outcomes:

    ok     2xx, or a redirect that is not to the sign-in page
    login  pages: a redirect to /auth/login; the API (/api/): 401
    403    refused: the visitor may not do this at all
    404    the object is hidden from this visitor (it answers as if it did not exist)
    422    past the access check; the (deliberately empty) body was refused

Every request sends the least it can: forms carry only their CSRF token (so they fail
validation and change little), JSON bodies are ``{}`` unless an entry says otherwise, and
/api/ routes authenticate with a bearer token of the role (never a cookie). Path
parameters come from the world (tests/security/world.py) by name (``PARAMS``); an entry
may name another world value for a parameter. ``content_token``/``scorm_token``/
``build_token`` are the viewer's own signed URL credential (a forged one for anon).

A route without an entry fails tests/security/test_access_matrix.py: add one here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.security.world import ROLES

# Parameter name -> world value (tests.security.world.World.ids), unless an entry says.
PARAMS = {
    "code": "course", "item_id": "page_item", "module_id": "module", "version_id": "version",
    "key": "item_key", "attempt_id": "attempt", "submission_id": "submission",
    "file_id": "image_file", "notification_id": "notification", "cert_id": "cert",
    "deck_id": "deck", "card_id": "card", "override_id": "override", "user_id": "student_id",
    "result_id": "final_result", "record_id": "credit_record", "doc_id": "document",
    "course_result_id": "course_result", "requirement_id": "requirement",
    "scale_id": "scale", "token": "content_token", "path": "=pages/intro.md",
    "filename": "=css/app.css",
}


@dataclass(frozen=True)
class Entry:
    method: str
    rule: str
    expect: tuple[str, ...]  # one outcome per role, in ROLES order
    params: dict = field(default_factory=dict)  # parameter -> world key, or "=literal"
    query: dict | None = None
    json: dict | None = None  # a JSON body instead of a form
    form: dict | None = None  # form fields beside the CSRF token
    fresh: bool = False  # a session/token of its own (the request ends it)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.rule


def route(method: str, rule: str, expect: str, *, query=None, json=None, form=None,
          fresh=False, **params) -> Entry:
    outcomes = tuple(expect.split())
    assert len(outcomes) == len(ROLES), f"{method} {rule}: {len(outcomes)} outcomes"
    return Entry(method, rule, outcomes, params, query, json, form, fresh)


# Common rows.
PUBLIC = "ok ok ok ok ok ok"
SIGNED_IN = "login ok ok ok ok ok"
ADMIN = "login 403 403 403 403 ok"
STAFF = "login 403 403 ok ok ok"  # instructors (of any course) and admins
MANAGERS = "login 404 404 404 ok ok"  # the course's instructors and admins; hidden from others
VIEWERS = "login ok 404 404 ok ok"  # the course's students, instructors and admins
TOKEN_VIEWERS = "404 ok 404 404 ok ok"  # the URL's token is the credential
API_SIGNED_IN = "login ok ok ok ok ok"
API_ADMIN = "login 403 403 403 403 ok"
API_ADMIN_422 = "login 403 403 403 403 422"

MATRIX: list[Entry] = [
    route("GET", "/", PUBLIC),
    route("GET", "/healthz", PUBLIC),
    route("GET", "/readyz", PUBLIC),
    route("GET", "/static/<path:filename>", PUBLIC),

    # --- auth ---------------------------------------------------------------------------
    route("GET", "/auth/login", PUBLIC),
    route("POST", "/auth/login", PUBLIC),
    route("POST", "/auth/logout", SIGNED_IN, fresh=True),
    route("POST", "/auth/language", PUBLIC),
    route("GET", "/auth/password", SIGNED_IN),
    route("POST", "/auth/password", SIGNED_IN),
    route("GET", "/auth/profile", SIGNED_IN),
    route("POST", "/auth/profile", SIGNED_IN),

    # --- people -------------------------------------------------------------------------
    route("GET", "/people/", ADMIN),
    route("GET", "/people/new", ADMIN),
    route("POST", "/people/new", ADMIN),
    route("GET", "/people/import", ADMIN),
    route("POST", "/people/import", ADMIN),
    route("GET", "/people/cohorts", ADMIN),
    route("POST", "/people/cohorts", ADMIN),

    # --- catalogue ----------------------------------------------------------------------
    route("GET", "/catalog/", SIGNED_IN),
    route("GET", "/catalog/<code>", SIGNED_IN),
    route("GET", "/catalog/<code>/edit", MANAGERS),
    route("POST", "/catalog/<code>/edit", MANAGERS),
    # SEC101 does not allow self-enrolment: students get the service's 403, staff the view's.
    route("POST", "/catalog/<code>/enrol", "login 403 403 403 403 403"),
    route("GET", "/catalog/<code>/enrolments", MANAGERS),
    route("POST", "/catalog/<code>/enrolments", MANAGERS),
    route("POST", "/catalog/<code>/trust", ADMIN),
    route("GET", "/catalog/new", ADMIN),
    route("POST", "/catalog/new", ADMIN),
    route("GET", "/catalog/admin", ADMIN),
    route("GET", "/catalog/admin/institutions/new", ADMIN),
    route("POST", "/catalog/admin/institutions/new", ADMIN),
    route("GET", "/catalog/admin/institutions/<code>", ADMIN, code="institution"),
    route("POST", "/catalog/admin/institutions/<code>", ADMIN, code="institution"),
    route("POST", "/catalog/admin/institutions/<code>/delete", ADMIN, code="institution"),
    route("GET", "/catalog/admin/programmes/new", ADMIN),
    route("POST", "/catalog/admin/programmes/new", ADMIN),
    route("GET", "/catalog/admin/programmes/<code>", ADMIN, code="program"),
    route("POST", "/catalog/admin/programmes/<code>", ADMIN, code="program"),
    route("POST", "/catalog/admin/programmes/<code>/delete", ADMIN, code="program"),
    route("GET", "/catalog/admin/tracks/new", ADMIN),
    route("POST", "/catalog/admin/tracks/new", ADMIN),
    route("GET", "/catalog/admin/tracks/<code>", ADMIN, code="track"),
    route("POST", "/catalog/admin/tracks/<code>", ADMIN, code="track"),
    route("POST", "/catalog/admin/tracks/<code>/delete", ADMIN, code="track"),

    # --- authoring ----------------------------------------------------------------------
    route("GET", "/authoring/", STAFF),
    route("GET", "/authoring/<code>", MANAGERS),
    route("POST", "/authoring/<code>/upload", MANAGERS),
    route("GET", "/authoring/<code>/preview", MANAGERS),
    route("GET", "/authoring/<code>/modules/<int:module_id>", MANAGERS),
    route("POST", "/authoring/<code>/modules/<int:module_id>/move", MANAGERS),
    route("POST", "/authoring/<code>/modules/<int:module_id>/rollback/<int:version_id>",
          MANAGERS),
    route("POST", "/authoring/<code>/modules/<int:module_id>/items/<key>", MANAGERS),

    # --- learning -----------------------------------------------------------------------
    route("GET", "/learning/", SIGNED_IN),
    # Not enrolled: a redirect to the catalogue page that explains how to join.
    route("GET", "/learning/courses/<code>", SIGNED_IN),
    route("GET", "/learning/courses/<code>/grading", MANAGERS),
    route("GET", "/learning/courses/<code>/progress", MANAGERS),
    route("GET", "/learning/courses/<code>/progress.csv", MANAGERS),
    route("GET", "/learning/courses/<code>/quizzes/<int:item_id>/analysis", MANAGERS,
          item_id="quiz_item"),
    route("GET", "/learning/items/<int:item_id>", VIEWERS),
    route("POST", "/learning/items/<int:item_id>/done", VIEWERS),
    route("POST", "/learning/items/<int:item_id>/download", VIEWERS, item_id="asset_item"),
    route("POST", "/learning/items/<int:item_id>/heartbeat", VIEWERS, item_id="video_item",
          json={}),
    route("POST", "/learning/items/<int:item_id>/quiz/start", VIEWERS, item_id="quiz_item"),
    # Content reports only through a launch: the student's report without one is refused
    # (403); staff previews are acknowledged, not stored (an empty SCORM call: 422).
    route("POST", "/learning/items/<int:item_id>/launch", VIEWERS, item_id="scorm_item",
          json={}),
    route("POST", "/learning/items/<int:item_id>/report", "login 403 404 404 ok ok",
          item_id="html5_item", json={}),
    route("POST", "/learning/items/<int:item_id>/scorm", "login 403 404 404 422 422",
          item_id="scorm_item", json={}),
    route("POST", "/learning/items/<int:item_id>/submissions", VIEWERS,
          item_id="assignment_item"),
    route("GET", "/learning/quiz-attempts/<int:attempt_id>", VIEWERS),
    route("GET", "/learning/quiz-attempts/<int:attempt_id>/review", VIEWERS),
    # Only the attempt's own student may submit it.
    route("POST", "/learning/quiz-attempts/<int:attempt_id>/submit",
          "login ok 404 404 404 404"),
    route("GET", "/learning/submissions/<int:submission_id>/files/<int:file_id>", VIEWERS),
    route("GET", "/learning/submissions/<int:submission_id>/grade", MANAGERS),
    route("POST", "/learning/submissions/<int:submission_id>/grade",
          "login 404 404 404 422 422"),
    route("GET", "/learning/builds/<token>/", TOKEN_VIEWERS, token="build_token"),
    route("GET", "/learning/builds/<token>/<path:path>", TOKEN_VIEWERS, token="build_token",
          path="=main.js"),
    route("GET", "/learning/notifications", SIGNED_IN),
    route("POST", "/learning/notifications/read", SIGNED_IN),
    # A notification is its reader's alone: even administrators get 404.
    route("GET", "/learning/notifications/<int:notification_id>",
          "login ok 404 404 404 404"),

    # --- content (sandboxed package files; the token in the path is the credential) ----
    route("GET", "/content/<token>/<path:path>", TOKEN_VIEWERS),
    route("GET", "/content/<token>/__kakehashi__/scorm-api.js", TOKEN_VIEWERS,
          token="scorm_token", query={"item": "scorm_item"}),

    # --- records ------------------------------------------------------------------------
    route("GET", "/records/", SIGNED_IN),
    route("GET", "/records/teaching", STAFF),
    route("GET", "/records/students/<int:user_id>", "login ok 404 404 404 ok"),
    route("POST", "/records/students/<int:user_id>/transfers", ADMIN),
    route("POST", "/records/students/<int:user_id>/programme", ADMIN),
    route("POST", "/records/students/<int:user_id>/numbers", ADMIN),
    route("POST", "/records/students/<int:user_id>/documents", ADMIN),
    route("GET", "/records/documents/<doc_id>/download", "login ok 404 404 404 ok"),
    route("POST", "/records/documents/<doc_id>/revoke", ADMIN),
    route("GET", "/records/entries/<int:record_id>/correct", ADMIN),
    route("POST", "/records/entries/<int:record_id>/correct", ADMIN),
    route("GET", "/records/entries/<int:record_id>/evidence", "login ok 404 404 404 ok",
          record_id="transfer_record"),
    route("GET", "/records/courses/<code>/results", MANAGERS),
    route("POST", "/records/courses/<code>/results/<int:course_result_id>/finalise",
          MANAGERS),
    route("GET", "/records/results/<int:result_id>/edit", MANAGERS),
    route("POST", "/records/results/<int:result_id>/edit", MANAGERS),
    route("GET", "/records/keys/ed25519.pem", PUBLIC),
    route("GET", "/records/keys/jwks.json", PUBLIC),
    route("GET", "/records/admin/", ADMIN),
    route("GET", "/records/admin/students", ADMIN),
    route("GET", "/records/admin/cohorts/<code>", ADMIN, code="cohort"),
    route("GET", "/records/admin/scales", ADMIN),
    route("GET", "/records/admin/scales/new", ADMIN),
    route("POST", "/records/admin/scales/new", ADMIN),
    route("GET", "/records/admin/scales/<int:scale_id>", ADMIN),
    route("POST", "/records/admin/scales/<int:scale_id>", ADMIN),
    route("GET", "/records/admin/programmes/<code>/requirements", ADMIN, code="program"),
    route("POST", "/records/admin/programmes/<code>/requirements", ADMIN, code="program"),
    route("POST", "/records/admin/requirements/<int:requirement_id>/remove", ADMIN),
    route("GET", "/records/admin/results/import", ADMIN),
    route("POST", "/records/admin/results/import", ADMIN),
    route("GET", "/records/admin/hemis", ADMIN),
    route("GET", "/records/admin/hemis.csv", ADMIN, query={"institution": "=JDU"}),
    route("GET", "/records/admin/audit-log", ADMIN),
    # The public verification pages: no sign-in, nothing changes.
    route("GET", "/verify", PUBLIC),
    route("POST", "/verify", PUBLIC),
    route("GET", "/verify/<doc_id>", PUBLIC),
    route("POST", "/verify/<doc_id>", PUBLIC),

    # --- japanese -----------------------------------------------------------------------
    route("GET", "/japanese/", SIGNED_IN),
    route("POST", "/japanese/", SIGNED_IN),
    route("GET", "/japanese/track", SIGNED_IN),
    route("GET", "/japanese/certifications", "login ok ok 403 403 403"),
    route("POST", "/japanese/certifications", "login ok ok 403 403 403"),
    route("GET", "/japanese/certifications/<int:cert_id>/evidence", "login ok 404 404 404 ok"),
    route("GET", "/japanese/certifications/review", ADMIN),
    route("POST", "/japanese/certifications/<int:cert_id>/verify", ADMIN),
    route("POST", "/japanese/certifications/<int:cert_id>/reject", ADMIN),
    route("GET", "/japanese/decks", SIGNED_IN),
    # SECDECK belongs to SEC101: hidden from students outside it; staff see every deck.
    route("GET", "/japanese/decks/<int:deck_id>", "login ok 404 ok ok ok"),
    route("POST", "/japanese/decks/<int:deck_id>/study", "login ok 404 ok ok ok"),
    route("POST", "/japanese/decks/<int:deck_id>/link", "login 403 403 403 ok ok",
          form={"course": "course_pk"}),
    route("GET", "/japanese/decks/import", STAFF),
    route("POST", "/japanese/decks/import", STAFF),
    route("GET", "/japanese/review", "login ok 404 ok ok ok", query={"deck": "deck"}),
    route("GET", "/japanese/review/next", SIGNED_IN),
    route("POST", "/japanese/review/<int:card_id>", "login 422 404 422 422 422", json={}),
    route("GET", "/japanese/overrides", ADMIN),
    route("POST", "/japanese/overrides", ADMIN),
    route("POST", "/japanese/overrides/<int:override_id>/delete", ADMIN),
    route("GET", "/japanese/preview", STAFF),
    route("POST", "/japanese/preview", "login 403 403 422 422 422", json={}),

    # --- reports (administrators) and the public addresses a credential points to ------
    route("GET", "/reports/", ADMIN),
    route("GET", "/reports/export.<fmt>", ADMIN, fmt="=csv", query={"course": "course"}),
    route("POST", "/reports/issue", ADMIN),
    route("GET", "/reports/issued", ADMIN),
    route("GET", "/reports/documents/<doc_id>/download", ADMIN, doc_id="report"),
    route("GET", "/reports/certificates", ADMIN),
    route("POST", "/reports/certificates", ADMIN),
    route("POST", "/reports/certificates/bulk", ADMIN),
    route("POST", "/reports/certificates/<doc_id>/revoke", ADMIN, doc_id="certificate"),
    route("GET", "/reports/credentials/<doc_id>", PUBLIC, doc_id="certificate"),
    route("GET", "/reports/credentials/revocations", PUBLIC),
    route("GET", "/reports/keys/multikey.json", PUBLIC),
    route("GET", "/reports/achievements/<scope>/<code>", PUBLIC, scope="=course"),
    route("GET", "/reports/static/<path:filename>", PUBLIC, filename="=reports.css"),

    # --- JSON API (bearer tokens) -------------------------------------------------------
    route("GET", "/api/v1/openapi.json", PUBLIC),
    route("POST", "/api/v1/auth/token", "422 422 422 422 422 422", json={}),
    route("DELETE", "/api/v1/auth/token", API_SIGNED_IN, fresh=True),
    route("GET", "/api/v1/me", API_SIGNED_IN),
    route("GET", "/api/v1/me/courses", API_SIGNED_IN),
    route("GET", "/api/v1/me/progress", "login ok 404 404 404 404",
          query={"course": "course"}),
    route("GET", "/api/v1/courses", API_SIGNED_IN),
    route("POST", "/api/v1/courses", API_ADMIN_422, json={}),
    route("GET", "/api/v1/courses/<code>", API_SIGNED_IN),
    route("POST", "/api/v1/courses/<code>/modules", "login 403 403 403 422 422"),
    route("POST", "/api/v1/courses/<code>/enrollments", "login 403 403 403 422 422", json={}),
    route("POST", "/api/v1/items/<int:item_id>/events", "login 422 404 404 422 422", json={}),
    route("GET", "/api/v1/xapi/statements", API_SIGNED_IN),
    route("GET", "/api/v1/results/<int:result_id>", "login ok 404 404 ok ok"),
    route("PATCH", "/api/v1/results/<int:result_id>", "login 403 403 404 422 422", json={}),
    route("GET", "/api/v1/students/<int:user_id>/records", "login ok 404 404 ok ok"),
    route("GET", "/api/v1/students/<int:user_id>/audit", "login ok 404 404 404 ok",
          query={"institution": "institution"}),
    route("POST", "/api/v1/students/<int:user_id>/transcripts", API_ADMIN_422, json={}),
    route("POST", "/api/v1/japanese/furigana", "login 403 403 422 422 422", json={}),
    route("GET", "/api/v1/reports/completion", API_ADMIN, query={"course": "course"}),
    route("POST", "/api/v1/reports", API_ADMIN_422, json={}),
    route("GET", "/api/v1/reports", API_ADMIN),
    route("GET", "/api/v1/reports/<doc_id>", API_ADMIN, doc_id="report"),
    route("GET", "/api/v1/reports/<doc_id>/file", API_ADMIN, doc_id="report"),
    route("POST", "/api/v1/certificates", API_ADMIN_422, json={}),
    route("POST", "/api/v1/certificates/bulk", API_ADMIN_422, json={}),
    # A certificate is its student's and the administrators'.
    route("GET", "/api/v1/certificates/<doc_id>", "login ok 404 404 404 ok",
          doc_id="certificate"),
    route("GET", "/api/v1/certificates/<doc_id>/credential", "login ok 404 404 404 ok",
          doc_id="certificate"),
    route("POST", "/api/v1/certificates/<doc_id>/revoke", API_ADMIN_422, doc_id="certificate",
          json={}),
]

BY_KEY: dict[tuple[str, str], Entry] = {}
for _entry in MATRIX:
    assert _entry.key not in BY_KEY, f"two entries for {_entry.method} {_entry.rule}"
    BY_KEY[_entry.key] = _entry

# Secrets (see World.secrets) and who may read them; nobody else may ever get them.
COURSE_PEOPLE = {"student", "instructor", "admin"}
SECRET_READERS = {
    "ZQX-transfer": {"student", "admin"}, "ZQX-note": {"student", "admin"},
    "ZQX-REG-1": {"student", "admin"},
    # Decks are shared teaching material: every instructor may browse them.
    "ZQX-deck": COURSE_PEOPLE | {"other_instructor"},
    "ZQX-card": COURSE_PEOPLE | {"other_instructor"},
}


def readers_of(secret: str) -> set[str]:
    return SECRET_READERS.get(secret, COURSE_PEOPLE)
