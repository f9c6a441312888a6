"""The house rules of docs/architecture.md, checked on the source (ast), in the style of
the access matrix: a rule broken anywhere fails here with the file, the line and the rule.
Each rule is also shown to catch a planted violation, so none of them passes by accident.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import lms
from lms.core import stamps
from lms.extensions import db

LMS = Path(lms.__file__).parent
CORE = {"core", "extensions", "config"}
APP = {"lms", "lms.cli", "lms.demo", "lms.errors"}  # the composition root: may import anything
FEATURES = {"api", "auth", "authoring", "catalog", "content", "japanese", "learning", "ops",
            "people", "records", "reports"}


def source_modules() -> dict[str, str]:
    out = {}
    for path in sorted(LMS.rglob("*.py")):
        relative = path.relative_to(LMS.parent)
        if "migrations" in relative.parts:
            continue
        name = ".".join(relative.with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path.read_text(encoding="utf-8")
    return out


def part_of(module: str) -> str:
    """'app', 'core' or the feature's name."""
    if module in APP:
        return "app"
    top = module.split(".")[1]
    return "core" if top in CORE else top


def is_view(module: str) -> bool:
    """Route modules: views.py, *_views.py, and the whole JSON API."""
    return module.rsplit(".", 1)[-1].endswith("views") or module.startswith("lms.api.")


def layer_node(module: str) -> str:
    """A node of the cycle check: a feature's views (with the package that registers
    them) above the rest of the feature (services, models, helpers)."""
    feature = part_of(module)
    package = module.count(".") == 1
    return f"{feature}:{'views' if is_view(module) or package else 'services'}"


def imports_of(tree: ast.AST, known: set[str]):
    """(imported module, line) for every absolute import of an lms module, nested ones
    included (a lazy import is still a dependency)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lms"):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("lms"):
            submodules = [f"{node.module}.{a.name}" for a in node.names
                          if f"{node.module}.{a.name}" in known]
            if len(submodules) < len(node.names):  # names defined in the module itself
                yield node.module, node.lineno
            for submodule in submodules:
                yield submodule, node.lineno


def _records_model_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "lms.records.models"):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _writes_to(tree: ast.AST, names: set[str]):
    """Lines that construct one of ``names`` or pass it to insert/update/delete."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        if called in names:
            yield node.lineno, called
        elif called in ("insert", "update", "delete") and node.args and isinstance(
                node.args[0], ast.Name) and node.args[0].id in names:
            yield node.lineno, node.args[0].id


def violations(modules: dict[str, str]) -> list[str]:
    """Every broken house rule in ``modules`` (name -> source), as 'file:line: rule'."""
    known = set(modules)
    found = []
    edges: dict[str, set[str]] = defaultdict(set)
    for module, source in modules.items():
        tree = ast.parse(source)
        mine = part_of(module)
        where = module.replace(".", "/") + ".py"
        for target, line in imports_of(tree, known):
            if target not in known:
                continue
            theirs = part_of(target)
            if mine == "core" and theirs not in ("core",):
                found.append(f"{where}:{line}: core imports {target} (core knows no feature)")
            if mine not in ("app", "core") and theirs == "app":
                found.append(f"{where}:{line}: a feature imports the app root {target}")
            if mine not in ("app", "core") and theirs not in ("app", "core") and \
                    mine != theirs and is_view(target):
                found.append(f"{where}:{line}: imports another feature's views {target}")
            if mine not in ("app",) and not is_view(module) and module.count(".") > 1 \
                    and is_view(target):
                found.append(f"{where}:{line}: a service imports views {target} "
                             "(views -> services -> models -> core)")
            if theirs == "api" and mine not in ("api", "app"):
                found.append(f"{where}:{line}: {target} is the interface layer; only the app "
                             "uses it")
            if mine not in ("app", "core") and theirs not in ("app", "core") and mine != theirs:
                edges[layer_node(module)].add(layer_node(target))
        if mine == "reports":
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and any(
                        isinstance(s, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == "__tablename__"
                            for t in s.targets) for s in node.body):
                    found.append(f"{where}:{node.lineno}: a table in reports/ (reports read, "
                                 "they own no tables)")
        if mine != "records":
            for line, name in _writes_to(tree, _records_model_names(tree)):
                found.append(f"{where}:{line}: writes the record {name} outside records/ "
                             "(records are written only by lms.records services)")
    found += [f"cycle between features: {' -> '.join(c)}" for c in _cycles(edges)]
    return found


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path) per strongly connected group of more than one node."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group) + [sorted(group)[0]])

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_code_keeps_the_house_rules():
    assert violations(source_modules()) == []


PLANTED = [
    ("lms.core.planted", "from lms.learning import progress\n", "core imports"),
    ("lms.learning.planted", "from lms.cli import fail\n", "app root"),
    ("lms.reports.planted", "from lms.catalog.views import course\n", "another feature's views"),
    ("lms.learning.planted", "from lms.learning.views import item\n", "a service imports views"),
    ("lms.records.planted", "from lms.api.errors import ApiError\n", "interface layer"),
    ("lms.reports.planted", "class Report(db.Model):\n    __tablename__ = 'reports'\n",
     "a table in reports/"),
    ("lms.learning.planted",
     "from lms.records.models import CreditRecord\ndb.session.add(CreditRecord(score=100))\n",
     "writes the record CreditRecord"),
    ("lms.catalog.planted", "from lms.learning import progress\n", "cycle between features"),
]


@pytest.mark.parametrize(("name", "source", "rule"), PLANTED,
                         ids=[p[2] for p in PLANTED])
def test_each_rule_catches_a_planted_violation(name, source, rule):
    modules = source_modules()
    modules[name] = source
    if name in modules and name.rsplit(".", 1)[0] not in modules:
        pytest.fail(f"no package for {name}")
    found = violations(modules)
    assert any(rule in v for v in found), found


# --- page-cache scopes (lms.core.stamps) ---------------------------------------------------


def undeclared_scopes(classes) -> list[str]:
    """Models that do not declare a valid page-cache scope of their own."""
    bad = []
    for cls in classes:
        scope = cls.__dict__.get("__cache_scope__")
        if scope not in stamps.SCOPES:
            bad.append(f"{cls.__name__}: __cache_scope__ = {scope!r}")
        elif scope == stamps.OWNER:
            owner = getattr(cls, "__cache_owner__", "user_id")
            if owner not in cls.__table__.columns:
                bad.append(f"{cls.__name__}: owner column {owner!r} is missing")
        elif scope == stamps.CUSTOM and not callable(getattr(cls, "page_cache_scopes", None)):
            bad.append(f"{cls.__name__}: custom scope without page_cache_scopes()")
    return bad


def test_every_table_declares_its_page_cache_scope(app):
    classes = [mapper.class_ for mapper in db.Model.registry.mappers]
    assert len(classes) >= 40
    assert undeclared_scopes(classes) == []


def test_the_scope_check_catches_a_planted_model():
    class Post:  # a discussion post: written by one user, read by everyone
        __tablename__ = "posts"
        __table__ = type("T", (), {"columns": {"user_id": None}})()

    assert undeclared_scopes([Post]) == ["Post: __cache_scope__ = None"]
    Post.__cache_scope__ = "everyone"
    assert undeclared_scopes([Post]) == ["Post: __cache_scope__ = 'everyone'"]
    Post.__cache_scope__ = stamps.SHARED
    assert undeclared_scopes([Post]) == []
