"""Administrators manage institutions, programmes and tracks in the browser."""

import re

import pytest
from sqlalchemy import func, select

from lms.catalog import reference
from lms.catalog import services as catalog
from lms.catalog.models import Institution, Program, Track
from lms.core.errors import Conflict, ValidationError
from lms.extensions import db
from tests.factories import ensure_reference_data, make_course


def errors_of(html: str, field_id: str) -> list[str]:
    """The error messages shown under one form field."""
    match = re.search(rf'<ul class="errors" id="{re.escape(field_id)}-err">(.*?)</ul>', html,
                      re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def institution_form(**overrides):
    data = {"code": "NMU", "name_en": "Naniwa Media Arts University",
            "name_ja": "浪速メディア芸術大学", "name_uz": "Naniva media sanʼati universiteti",
            "name_ru": "", "country": "JP", "country_other": "", "credit_hours": "45"}
    return {**data, **overrides}


def test_admin_creates_and_edits_an_institution(app, client, login_as):
    login_as("admin")
    assert "NMU" not in client.get("/catalog/admin").get_data(as_text=True)
    response = client.post("/catalog/admin/institutions/new", data=institution_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/catalog/admin#institutions"

    html = client.get("/catalog/admin").get_data(as_text=True)
    assert "Naniwa Media Arts University" in html
    assert '<span lang="ja">浪速メディア芸術大学</span>' in html
    assert '<span lang="uz">Naniva media sanʼati universiteti</span>' in html
    assert 'href="/catalog/admin/institutions/NMU"' in html

    form = client.get("/catalog/admin/institutions/NMU").get_data(as_text=True)
    assert 'value="浪速メディア芸術大学"' in form and "readonly" in form
    response = client.post("/catalog/admin/institutions/NMU", data=institution_form(
        name_en="Naniwa University of Media Arts", name_ru="Университет Нанива",
        country="other", country_other="kr", credit_hours="30"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        row = reference.get_institution("NMU")
        assert (row.name["en"], row.name["ru"], row.country, row.credit_hours) == (
            "Naniwa University of Media Arts", "Университет Нанива", "KR", 30)
    html = client.get("/catalog/admin").get_data(as_text=True)
    assert "Naniwa University of Media Arts" in html and "South Korea" in html


def test_admin_creates_and_edits_a_programme(app, client, login_as):
    login_as("admin")
    with app.app_context():
        ensure_reference_data()
    form = client.get("/catalog/admin/programmes/new").get_data(as_text=True)
    assert '<legend>Institutions awarding the degree</legend>' in form
    assert '<span lang="ja">' not in form  # the English UI shows English names
    response = client.post("/catalog/admin/programmes/new", data={
        "code": "GAME", "title_en": "Game Development", "title_ja": "ゲーム開発学科",
        "title_uz": "Oʻyin ishlab chiqish", "institutions": ["JDU", "TUT"]})
    assert response.status_code == 302
    html = client.get("/catalog/admin").get_data(as_text=True)
    assert "Game Development" in html and '<span lang="ja">ゲーム開発学科</span>' in html

    response = client.post("/catalog/admin/programmes/GAME", data={
        "code": "GAME", "title_en": "Game Design", "title_ja": "ゲームデザイン学科",
        "institutions": ["TUT"]})
    assert response.status_code == 302
    with app.app_context():
        program = reference.get_program("GAME")
        assert program.title == {"en": "Game Design", "ja": "ゲームデザイン学科"}
        assert [i.code for i in program.institutions] == ["TUT"]
    form = client.get("/catalog/admin/programmes/GAME").get_data(as_text=True)
    assert re.search(r'<input checked id="institutions-\d" name="institutions" type="checkbox" '
                     r'value="TUT">', form)


def test_admin_creates_and_edits_a_track(app, client, login_as):
    login_as("admin")
    response = client.post("/catalog/admin/tracks/new", data={
        "code": "3d-modelling", "title_en": "3D modelling", "title_ja": "3Dモデリング"})
    assert response.status_code == 302
    html = client.get("/catalog/admin").get_data(as_text=True)
    assert "3D modelling" in html and '<span lang="ja">3Dモデリング</span>' in html
    response = client.post("/catalog/admin/tracks/3d-modelling", data={
        "code": "3d-modelling", "title_en": "3D modelling and sculpting",
        "title_uz": "3D modellashtirish"})
    assert response.status_code == 302
    with app.app_context():
        assert reference.get_track("3d-modelling").title == {
            "en": "3D modelling and sculpting", "uz": "3D modellashtirish"}


def test_institution_form_shows_every_problem_under_its_field(app, client, login_as):
    login_as("admin")
    html = client.post("/catalog/admin/institutions/new", data=institution_form(
        code="bad code", name_en="  ", country="other", country_other="Q1",
        credit_hours="90")).get_data(as_text=True)
    assert "The institution was not saved: 4 problem(s)." in html
    assert errors_of(html, "code") == [
        "Use 2-16 capital letters, digits, &#39;_&#39; or &#39;-&#39;, for example JDU."]
    assert errors_of(html, "name_en") == ["An English name is required."]
    assert errors_of(html, "country_other")[0].startswith("Choose a country or enter its")
    assert errors_of(html, "credit_hours")[0].startswith(
        "Hours per credit must be a whole number from 15 to 60")
    assert 'aria-invalid="true"' in html and 'href="#credit_hours"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Institution)) == 0


def test_programme_and_track_forms_show_every_problem(app, client, login_as):
    login_as("admin")
    with app.app_context():
        ensure_reference_data()
    html = client.post("/catalog/admin/programmes/new", data={
        "code": "game dev", "title_en": "", "institutions": []}).get_data(as_text=True)
    assert "3 problem(s)" in html
    assert errors_of(html, "code") and errors_of(html, "title_en")
    assert errors_of(html, "institutions") == ["Choose at least one institution."]
    html = client.post("/catalog/admin/programmes/new", data={
        "code": "GAME", "title_en": "Game", "institutions": ["JDU", "NOPE"]}).get_data(
        as_text=True)
    assert errors_of(html, "institutions") == ["There is no institution with the code NOPE."]

    html = client.post("/catalog/admin/tracks/new", data={
        "code": "Game_Dev", "title_en": "", "title_ja": "ゲーム"}).get_data(as_text=True)
    assert errors_of(html, "code")[0].startswith("Use lowercase letters, digits and single")
    assert errors_of(html, "title_en") == ["An English title is required."]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Program)) == 0
        assert [t.code for t in db.session.scalars(select(Track))] == [
            "game-development", "japanese"]


def test_duplicate_codes_are_refused(app, client, login_as):
    login_as("admin")
    with app.app_context():
        ensure_reference_data()
    html = client.post("/catalog/admin/institutions/new", data=institution_form(
        code="JDU", name_en="Another JDU", credit_hours="")).get_data(as_text=True)
    assert errors_of(html, "code") == ["An institution with the code JDU already exists."]
    assert errors_of(html, "credit_hours")  # listed together with the duplicate
    html = client.post("/catalog/admin/tracks/new", data={
        "code": "japanese", "title_en": "Japanese again"}).get_data(as_text=True)
    assert errors_of(html, "code") == ["A track with the code japanese already exists."]
    with app.app_context():
        assert reference.get_institution("JDU").name["en"] == "Japan Digital University"
        reference.save_program(reference.ProgramFields("GAME", {"en": "Game"}, ["JDU"]))
        with pytest.raises(Conflict) as raised:
            reference.save_program(reference.ProgramFields("GAME", {"en": "Game 2"}, ["TUT"]))
        assert raised.value.details == [
            {"field": "code", "message": "A programme with the code GAME already exists."}]
        assert reference.get_program("GAME").title == {"en": "Game"}


def test_the_code_of_an_institution_cannot_be_changed(app, client, login_as):
    login_as("admin")
    with app.app_context():
        ensure_reference_data()
    html = client.post("/catalog/admin/institutions/JDU", data=institution_form(
        code="JDU2", name_en="Renamed", country="UZ", credit_hours="30")).get_data(as_text=True)
    assert errors_of(html, "code") == [
        "The code of an institution cannot be changed: courses and credits refer to it."]
    with app.app_context():
        assert reference.get_institution("JDU").name["en"] == "Japan Digital University"
        assert catalog.find_institution("JDU2") is None
        with pytest.raises(ValidationError) as raised:
            reference.save_institution(
                reference.InstitutionFields("XYZ", {"en": "X"}, "UZ", 30),
                reference.get_institution("JDU"))
        assert [d["field"] for d in raised.value.details] == ["code"]


URLS = [
    ("get", "/catalog/admin"),
    ("get", "/catalog/admin/institutions/new"),
    ("post", "/catalog/admin/institutions/new"),
    ("get", "/catalog/admin/institutions/JDU"),
    ("post", "/catalog/admin/institutions/JDU"),
    ("post", "/catalog/admin/institutions/JDU/delete"),
    ("get", "/catalog/admin/programmes/new"),
    ("post", "/catalog/admin/tracks/new"),
    ("post", "/catalog/admin/tracks/japanese/delete"),
]


@pytest.mark.parametrize("role", ["student", "instructor"])
def test_only_admins_manage_reference_data(app, client, login_as, role):
    with app.app_context():
        ensure_reference_data()
    for method, url in URLS:
        assert getattr(client, method)(url).status_code == 302  # anonymous: sign in first
    login_as(role)
    for method, url in URLS:
        data = {"confirm": "y", **institution_form(code="JDU", name_en="Hacked")}
        response = getattr(client, method)(url, data=data) if method == "post" else client.get(url)
        assert response.status_code == 403, url
    assert "/catalog/admin" not in client.get("/catalog/").get_data(as_text=True)
    with app.app_context():
        assert reference.get_institution("JDU").name["en"] == "Japan Digital University"
        assert reference.get_track("japanese")


def test_catalogue_links_admins_to_reference_data(client, login_as):
    login_as("admin")
    assert 'href="/catalog/admin"' in client.get("/catalog/").get_data(as_text=True)


def test_a_new_institution_can_provide_and_credit_courses(app, client, login_as):
    login_as("admin")
    client.post("/catalog/admin/institutions/new", data=institution_form())
    with app.app_context():
        ensure_reference_data()
        course = catalog.save_course(catalog.CourseFields(
            code="AN201", title={"en": "Storyboarding", "ja": "絵コンテ"}, provider="NMU",
            hours=90, credits={"NMU": 2, "JDU": 3}))
        assert course.provider.code == "NMU"
        assert {c.institution.code: float(c.credits) for c in course.credits} == {
            "NMU": 2.0, "JDU": 3.0}
        found = catalog.search_courses(catalog.CourseFilters(provider="NMU")).items
        assert [c.code for c in found] == ["AN201"]
    # In use now: the edit page offers no delete, and a delete request is refused.
    html = client.get("/catalog/admin/institutions/NMU").get_data(as_text=True)
    assert "cannot be deleted because it is in use: 1 course(s), 1 course credit(s)" in html
    assert "/catalog/admin/institutions/NMU/delete" not in html
    response = client.post("/catalog/admin/institutions/NMU/delete",
                           data={"delete-confirm": "y"}, follow_redirects=True)
    assert "is in use and cannot be deleted" in response.get_data(as_text=True)
    with app.app_context():
        assert catalog.find_institution("NMU") is not None


def test_unused_rows_are_deleted_after_confirmation(app, client, login_as):
    login_as("admin")
    with app.app_context():
        make_course("GD101", track="game-development")
        reference.save_track(reference.TrackFields("audio", {"en": "Game audio"}))
        reference.save_program(reference.ProgramFields("GAME", {"en": "Game"}, ["JDU", "TUT"]))
    html = client.get("/catalog/admin/tracks/audio").get_data(as_text=True)
    assert 'name="delete-confirm"' in html
    client.post("/catalog/admin/tracks/audio/delete", data={})  # not confirmed
    client.post("/catalog/admin/tracks/game-development/delete", data={"delete-confirm": "y"})
    with app.app_context():
        assert reference.get_track("audio") and reference.get_track("game-development")
    response = client.post("/catalog/admin/tracks/audio/delete", data={"delete-confirm": "y"})
    assert response.headers["Location"] == "/catalog/admin#tracks"
    # The programme's institution links are its own and go with it; the institutions stay.
    client.post("/catalog/admin/programmes/GAME/delete", data={"delete-confirm": "y"})
    with app.app_context():
        assert db.session.scalar(select(Track).where(Track.code == "audio")) is None
        assert db.session.scalar(select(Program).where(Program.code == "GAME")) is None
        assert {i.code for i in reference.all_institutions()} == {"JDU", "TUT"}
        # An institution a programme names is in use; once nothing does, it can go.
        reference.save_institution(reference.InstitutionFields("NMU", {"en": "NMU"}, "JP", 45))
        reference.save_program(reference.ProgramFields("CGD", {"en": "CG"}, ["NMU"]))
        assert reference.usage(reference.get_institution("NMU")) == ["1 programme(s)"]
    client.post("/catalog/admin/institutions/NMU/delete", data={"delete-confirm": "y"})
    client.post("/catalog/admin/programmes/CGD/delete", data={"delete-confirm": "y"})
    with app.app_context():
        assert catalog.find_institution("NMU") is not None
    client.post("/catalog/admin/institutions/NMU/delete", data={"delete-confirm": "y"})
    with app.app_context():
        assert catalog.find_institution("NMU") is None


@pytest.mark.parametrize("country, ok", [
    ("UZ", True), ("KR", True), ("kr", False), ("ZZ", False), ("EU", False), ("UZB", False),
    ("", False),
])
def test_country_must_be_an_iso_code(app, country, ok):
    with app.app_context():
        fields = reference.InstitutionFields("ABC", {"en": "ABC University"}, country, 30)
        if ok:
            assert reference.save_institution(fields).country == country
        else:
            with pytest.raises(ValidationError) as raised:
                reference.save_institution(fields)
            assert [d["field"] for d in raised.value.details] == ["country"]
