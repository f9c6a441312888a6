"""lms.core.csvimport: the beginning every all-or-nothing CSV importer shares."""

import pytest

from lms.core import csvimport
from lms.core.errors import ValidationError
from lms.core.problems import Problems

COLUMNS = ("email", "name", "note")
REQUIRED = ("email", "name")


def opened(data: bytes, problems: Problems | None = None, **kwargs):
    return csvimport.open_csv(data, Problems("row") if problems is None else problems,
                              columns=COLUMNS, required=REQUIRED, **kwargs)


def test_a_bom_is_dropped_and_the_header_cleaned(app):
    with app.app_context():
        reader = opened("\ufeff Email ,NAME\r\na@x.example,A\r\n".encode())
        assert reader.fieldnames == ["email", "name"]
        assert list(csvimport.data_rows(reader, Problems("row"), max_rows=10)) == [
            (2, {"email": "a@x.example", "name": "A"})]


def test_a_file_that_is_not_utf8_is_refused_with_the_codec_reason_unless_told_not_to(app):
    with app.app_context():
        with pytest.raises(ValidationError) as caught:
            opened(b"email,name\n\x82\xa0\n")
        assert "CSV UTF-8 (comma delimited)" in caught.value.message
        assert [d["row"] for d in caught.value.details] == [None]
        assert "can't decode byte 0x82" in caught.value.details[0]["message"]
        with pytest.raises(ValidationError) as caught:
            opened(b"email,name\n\x82\xa0\n", codec_reason=False)
        assert caught.value.details == []


def test_missing_then_unknown_columns_are_problems_of_row_1(app):
    with app.app_context():
        problems = Problems("row")
        with pytest.raises(ValidationError) as caught:
            opened(b"mail,name,extra\n", problems)
        assert caught.value.message == "The CSV header is not right."
        assert caught.value.details == [
            {"row": 1, "message": "Missing column(s): email."},
            {"row": 1, "message": "Unknown column(s): mail, extra. Allowed: email, name, note."},
        ]
        assert caught.value.details is problems.details  # the importer's one collector
        with pytest.raises(ValidationError) as caught:
            opened(b"")
        assert caught.value.details == [{"row": 1, "message": "Missing column(s): email, name."}]


def test_rows_come_in_file_order_with_the_importers_own_problems_between(app):
    """Blank rows are skipped but counted; a row with more cells than the header is
    reported and skipped; short rows read as empty cells; past the limit one problem is
    added and reading stops. What the importer adds for a row lands before the next."""
    data = (b"email,name,note\n"
            b"a@x.example,A,\n"        # row 2
            b",,\n"                    # row 3: blank, skipped
            b"b@x.example,B,n,extra\n"  # row 4: too many cells
            b"c@x.example\n"           # row 5: short
            b"d@x.example,D,\n"        # row 6: the limit
            b"e@x.example,E,\n")       # row 7: past it
    with app.app_context():
        problems = Problems("row")
        seen = []
        for number, row in csvimport.data_rows(opened(data, problems), problems, max_rows=5):
            seen.append((number, row))
            problems.add(number, f"checked {row['email']}")
    assert seen == [(2, {"email": "a@x.example", "name": "A", "note": ""}),
                    (5, {"email": "c@x.example", "name": "", "note": ""}),
                    (6, {"email": "d@x.example", "name": "D", "note": ""})]
    assert problems.details == [
        {"row": 2, "message": "checked a@x.example"},
        {"row": 4, "message": "This row has more cells than the header."},
        {"row": 5, "message": "checked c@x.example"},
        {"row": 6, "message": "checked d@x.example"},
        {"row": 7, "message": "More than 5 rows; split the file."},
    ]


def test_the_collector_raises_only_when_it_holds_a_problem(app):
    problems = Problems()
    problems.raise_if_any("never raised")
    problems.add("code", "Bad code.")
    problems.extend("name", ["No name.", "Too long."])
    assert len(problems) == 3
    with pytest.raises(ValidationError) as caught:
        problems.raise_if_any("3 problems")
    assert caught.value.message == "3 problems"
    assert caught.value.details == [{"field": "code", "message": "Bad code."},
                                    {"field": "name", "message": "No name."},
                                    {"field": "name", "message": "Too long."}]
