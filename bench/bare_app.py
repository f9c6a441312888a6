"""The ceiling: a bare Flask page rendered by Jinja2, served the same way as the app.

No database, no session, no extensions: a base template and a child with a loop, about
the size of a small real page. Every benchmark figure is also given as a ratio to this.
Run by the runner as: gunicorn --chdir bench bare_app:app
"""

from flask import Flask, render_template
from jinja2 import DictLoader

app = Flask(__name__)

BASE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %} · Kakehashi</title></head>
<body><header><nav><ul>{% for link in links %}<li><a href="{{ link }}">{{ link }}</a></li>
{% endfor %}</ul></nav></header><main>{% block content %}{% endblock %}</main></body></html>"""

PAGE = """{% extends "base.html" %}{% block title %}Dashboard{% endblock %}
{% block content %}<h1>Dashboard</h1><p>Welcome, {{ name }}.</p>
{% for course in courses %}<article><h3>{{ course.title }}</h3>
<progress max="100" value="{{ course.percent }}">{{ course.percent }}%</progress></article>
{% endfor %}{% endblock %}"""

COURSES = [{"title": f"Course {n} <ゲーム開発>", "percent": n * 10} for n in range(6)]
LINKS = ["/learning/", "/catalog/", "/records/", "/auth/profile"]


# Templates compiled once and cached, as Flask does for files: the ceiling is the
# server and a real render, not a template compile per request.
app.jinja_loader = DictLoader({"base.html": BASE, "page.html": PAGE})


@app.get("/")
def page():
    return render_template("page.html", name="Aziz Karimov", courses=COURSES, links=LINKS)
