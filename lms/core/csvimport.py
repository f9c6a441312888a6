"""Reading an uploaded CSV file whose rows are imported all or none.

Two steps, both reporting to the importer's one ``Problems`` collector (kind "row"):

``open_csv(data, problems, columns=..., required=...)``
    Decodes UTF-8, with or without the BOM that Excel in Japan writes; anything else
    raises ValidationError "The file is not UTF-8 text..." (its ``details`` name the
    codec's reason unless ``codec_reason=False``). Header names are stripped and
    lower-cased; required columns that are missing, then columns not in ``columns``,
    are added as problems of row 1 and raised at once as "The CSV header is not right.".
    Returns a reader whose field names are the cleaned header.

``data_rows(reader, problems, max_rows=...)``
    Yields ``(row number, {column: stripped text})`` for each data row (the header is
    row 1; an empty cell or a missing one is ""). It skips a row whose cells are all
    empty, reports "This row has more cells than the header." and skips that row, and
    after ``max_rows`` data rows reports "More than N rows; split the file." and stops.
    The rows come one at a time, so whatever the importer reports about row n is added
    before anything about row n + 1: the problems stay in the file's order.

What each importer checks in a row, its messages and its summary stay its own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from flask_babel import gettext as _

from lms.core.errors import ValidationError
from lms.core.problems import Problems


def open_csv(data: bytes, problems: Problems, *, columns: Sequence[str],
             required: Sequence[str], codec_reason: bool = True) -> csv.DictReader:
    """The reader of ``data`` with a checked header (see the module's docstring)."""
    try:
        text = data.decode("utf-8-sig")  # Excel in Japan writes UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The file is not UTF-8 text. In Excel, save it as 'CSV UTF-8 (comma delimited)'."),
            details=[{"row": None, "message": str(exc)}] if codec_reason else None,
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in columns]
    if missing:
        problems.add(1, _("Missing column(s): %(cols)s.", cols=", ".join(missing)))
    if unknown:
        problems.add(1, _("Unknown column(s): %(cols)s. Allowed: %(ok)s.",
                          cols=", ".join(unknown), ok=", ".join(columns)))
    problems.raise_if_any(_("The CSV header is not right."))
    reader.fieldnames = header
    return reader


def data_rows(reader: csv.DictReader, problems: Problems, *, max_rows: int
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """The non-empty rows of ``reader`` with their row numbers (see the module's
    docstring)."""
    for number, raw in enumerate(reader, start=2):
        if number - 1 > max_rows:
            problems.add(number, _("More than %(n)d rows; split the file.", n=max_rows))
            return
        if None in raw:  # DictReader files the cells past the header under None
            problems.add(number, _("This row has more cells than the header."))
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        if any(row.values()):
            yield number, row
