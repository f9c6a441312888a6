"""Instructor views of a course: progress grid (and CSV), stalled students, quiz item
analysis. Only the course's instructors and administrators; everyone else gets 404."""

from __future__ import annotations

import csv
import io

from flask import Response, render_template, request, stream_with_context
from flask_babel import get_timezone
from flask_login import login_required
from markupsafe import Markup

from lms.catalog.loaders import managed_course
from lms.learning import bp, insights


@bp.get("/courses/<code>/progress")
@login_required
def progress_grid(code: str):
    course = managed_course(code)
    sort = request.args.get("sort", "name")
    days = request.args.get("days", insights.STALLED_DEFAULT_DAYS, type=int)
    days = min(max(days or insights.STALLED_DEFAULT_DAYS, 1), 365)
    grid = insights.progress_grid(course, sort=sort, page=request.args.get("page", 1, type=int))
    stalled = insights.stalled_students(course, days, layout=grid.layout)
    made: dict = {}
    return render_template("learning/progress_grid.html", course=course, grid=grid,
                           stalled=stalled, days=days, timezone=str(get_timezone()),
                           row_cells=[_cells_html(row.cells, made) for row in grid.rows])


def _cells_html(cells, made: dict) -> Markup:
    """A row's item cells as HTML. A page has thousands of cells but a few dozen
    different ones: each is escaped and built once per page, not once per cell (the
    template printing every cell's three values was most of the page's time)."""
    parts = []
    for cell in cells:
        html = made.get(cell)
        if html is None:
            html = made[cell] = Markup(
                '<td class="cell status-{0}" title="{1}"><span aria-hidden="true">{2}{3}</span>'
                '<span class="visually-hidden">{1}</span></td>').format(
                cell.status, cell.label, cell.text,
                Markup(' <small class="source">{0}</small>').format(cell.source)
                if cell.source else "")
        parts.append(html)
    return Markup("".join(parts))  # noqa: S704 - every part is Markup built above


@bp.get("/courses/<code>/progress.csv")
@login_required
def progress_csv(code: str):
    course = managed_course(code)
    rows = insights.progress_csv_rows(course, request.args.get("sort", "name"))

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"  # BOM: Excel (Japanese Windows in particular) then reads UTF-8
        for row in rows:
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    filename = f"{course.code}-progress.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/courses/<code>/quizzes/<int:item_id>/analysis")
@login_required
def quiz_analysis(code: str, item_id: int):
    course = managed_course(code)
    analysis = insights.quiz_analysis(course, insights.quiz_item(course, item_id))
    return render_template("learning/quiz_analysis.html", course=course, analysis=analysis)
