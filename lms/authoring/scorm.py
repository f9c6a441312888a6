"""Read a SCORM 1.2 or 2004 package's imsmanifest.xml into a ParsedModule.

Each item of the default organisation that launches a resource (a SCO, or an asset)
becomes one item of kind "scorm". SCORM 2004 sequencing is not implemented: whatever the
package asks of a sequencing engine is reported in ``ParsedModule.warnings``, one warning
per rule, so nothing is dropped silently. The manifest is read with expat directly so
that every element keeps its line number, and DOCTYPE/ENTITY declarations are refused
before anything is expanded (no billion laughs, no external entities).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.parsers import expat

from flask_babel import gettext as _

from lms.authoring.parsed import ParsedItem, ParsedModule
from lms.core.errors import PackageError, Problem

MANIFEST = "imsmanifest.xml"
MAX_MANIFEST_BYTES = 10 * 1024 * 1024
MAX_ITEM_DEPTH = 50
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_ORIGIN = "http://package.invalid/root/"  # stand-in base: "../" past it leaves the package
_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}  # read as they are (ASCII is UTF-8)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# Python codecs that are transformations, not character sets a manifest can be written in.
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"}
_TIME_LIMIT_ACTIONS = {"exit,message", "exit,no message", "continue,message", "continue,no message"}


@dataclass(eq=False)
class _Node:
    """An element: local name, namespace (URI, or the prefix if undeclared), attributes."""

    ns: str
    name: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    text: str = ""

    def attr(self, name: str) -> str | None:
        if name in self.attrs:
            return self.attrs[name]
        low = name.lower()  # real packages disagree on case (scormtype / scormType)
        return next((v for k, v in self.attrs.items() if k.lower() == low), None)

    def kids(self, name: str) -> list[_Node]:
        low = name.lower()
        return [c for c in self.children if c.name.lower() == low]

    def kid(self, name: str) -> _Node | None:
        return next(iter(self.kids(name)), None)


class _XmlError(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message, self.line = message, line


def _text(node: _Node | None) -> str:
    return " ".join(node.text.split()) if node is not None else ""


def _title(node: _Node) -> str:
    return _text(node.kid("title"))


def _as_expat_input(data: bytes) -> bytes:
    """The manifest as UTF-8. The parser is told its input is UTF-8 and never decodes by
    itself (pyexpat would run any Python codec a declaration names); a BOM, else the
    declared encoding (Shift_JIS, windows-1252 ...), says how to read the file."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _utf8(data[len(bom) :], encoding)
    if data.startswith((b"<\0", b"\0<")):  # UTF-16 without a BOM
        return _utf8(data, "utf-16-le" if data[0] else "utf-16-be")
    match = _XML_DECL.match(data[:300])
    if not match or match.group(1).decode().lower() in _UTF8_NAMES:
        return data
    return _utf8(data, match.group(1).decode())


def _utf8(data: bytes, encoding: str) -> bytes:
    try:
        if codecs.lookup(encoding).name in _NOT_CHARSETS:
            raise LookupError(encoding)
        # (UnicodeError, not only UnicodeDecodeError: codecs such as punycode raise it,
        # and decoded text may hold lone surrogates that UTF-8 cannot encode)
        return data.decode(encoding).encode("utf-8")
    except (LookupError, UnicodeError):
        message = _("imsmanifest.xml cannot be read as %(encoding)s text.", encoding=encoding)
        raise _XmlError(message, 1) from None


def _parse_xml(data: bytes, namespaces: bool) -> tuple[_Node, set[str]]:
    parser = expat.ParserCreate("UTF-8", namespace_separator="}" if namespaces else None)
    uris: set[str] = set()
    stack: list[_Node] = []
    top: list[_Node] = []

    def split(name: str) -> tuple[str, str]:
        ns, _sep, local = name.rpartition("}" if namespaces else ":")
        return ns, local

    def start(name, attrs):
        ns, local = split(name)
        clean = {}
        for key, value in attrs.items():
            ans, alocal = split(key)
            if not namespaces and (key == "xmlns" or ans == "xmlns"):
                uris.add(value)
            else:
                clean["xml:" + alocal if ans in (_XML_NS, "xml") else alocal] = value
        node = _Node(ns, local, clean, parser.CurrentLineNumber)
        (stack[-1].children if stack else top).append(node)
        stack.append(node)

    def chars(data):
        if stack:
            stack[-1].text += data

    def refuse(*_args):
        raise _XmlError(
            _("imsmanifest.xml contains a DOCTYPE or ENTITY declaration; these are not allowed."),
            parser.CurrentLineNumber,
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _name: stack.pop()
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    if namespaces:
        parser.StartNamespaceDeclHandler = lambda _prefix, uri: uris.add(uri or "")
    parser.buffer_text = True
    parser.Parse(data, True)
    return top[0], uris


def _read_manifest(path: Path) -> tuple[_Node, set[str]]:
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise _XmlError(
            _("imsmanifest.xml is larger than %(size)d MB.", size=MAX_MANIFEST_BYTES // 2**20), None
        )
    data = _as_expat_input(path.read_bytes())
    try:
        try:
            return _parse_xml(data, namespaces=True)
        except expat.ExpatError as exc:
            error = exc
            if exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNBOUND_PREFIX]:
                try:  # a prefix used without xmlns: we match by local name anyway
                    return _parse_xml(data, namespaces=False)
                except expat.ExpatError as again:
                    error = again
    except ValueError:
        # pyexpat refuses some declared encodings itself (multi-byte ones after a BOM) and
        # its single-byte decoders raise UnicodeDecodeError (a ValueError) on bad bytes.
        message = _("imsmanifest.xml declares an encoding that does not match its bytes; "
                    "save it as UTF-8.")
        raise _XmlError(message, 1) from None
    reason = expat.ErrorString(error.code)
    raise _XmlError(
        _("imsmanifest.xml is not well-formed XML: %(error)s.", error=reason), error.lineno
    )


def _sanitise(identifier: str) -> str:
    """A key matching ^[a-z0-9][a-z0-9._-]{0,63}$ made from a SCORM identifier."""
    key = re.sub(r"[^a-z0-9._-]", "-", identifier.strip().lower()).lstrip("._-")[:64]
    return key or "item-" + hashlib.sha256(identifier.encode()).hexdigest()[:8]


def _add_parameters(query: str, fragment: str, parameters: str) -> tuple[str, str]:
    """Join an item's parameters to its launch URL (CAM: leading '?'/'&' dropped, '#' kept)."""
    params = parameters.strip().lstrip("?&")
    if not params:
        return query, fragment
    if params.startswith("#"):  # a fragment already in the href wins
        return query, fragment or params[1:]
    params, _sep, extra_fragment = params.partition("#")
    if params:
        query = f"{query}&{params}" if query else params
    return query, fragment or extra_fragment


def _conditions(node: _Node | None, default_combination: str) -> str:
    if node is None:
        return "always"
    parts = []
    for cond in node.children:
        text = (cond.attr("condition") or "?").strip()
        if (cond.attr("operator") or "").strip() == "not":
            text = "not " + text
        if cond.attr("measureThreshold"):
            text += " " + cond.attr("measureThreshold").strip()
        if cond.attr("referencedObjective"):
            text += f" (objective '{cond.attr('referencedObjective').strip()}')"
        parts.append(text)
    combination = (node.attr("conditionCombination") or default_combination).strip()
    return (" or " if combination == "any" else " and ").join(parts) or "always"


def _attr_list(node: _Node) -> str:
    return ", ".join(f"{k}={v.strip()}" for k, v in node.attrs.items() if ":" not in k)


def _mappings(objective: _Node) -> str:
    targets = [m.attr("targetObjectiveID") or "?" for m in objective.kids("mapInfo")]
    return "".join(f" mapped to global objective '{t.strip()}'" for t in targets)


def _describe(node: _Node) -> list[tuple[str, str]]:
    """(rule text in the spec's own vocabulary, effect key) for one child of <sequencing>."""
    low = node.name.lower()
    describe = _DESCRIBERS.get(low)
    if describe is not None:
        return describe(node, low)
    return [(f"{node.name} ({_attr_list(node)})" if _attr_list(node) else node.name, low)]


def _describe_sequencing_rules(node: _Node, low: str) -> list[tuple[str, str]]:
    """One entry per pre-, post- or exit-condition rule, keyed by the rule's own name."""
    found = []
    for rule in node.children:
        action = (rule.kid("ruleAction") or rule).attr("action") or "?"
        text = f"{action.strip()} if {_conditions(rule.kid('ruleConditions'), 'all')}"
        found.append((f"{rule.name} ({text})", rule.name.lower()))
    return found


def _describe_rollup_rules(node: _Node, low: str) -> list[tuple[str, str]]:
    """The rollupRules attributes (if any), then one entry per rollupRule."""
    found = []
    if _attr_list(node):
        found.append((f"rollupRules ({_attr_list(node)})", low))
    for rule in node.kids("rollupRule"):
        action = ((rule.kid("rollupAction") or rule).attr("action") or "?").strip()
        conds = _conditions(rule.kid("rollupConditions"), "any")
        found.append((f"rollupRule ({action} if {_rollup_children(rule)} children {conds})", low))
    return found


def _rollup_children(rule: _Node) -> str:
    """The children a rollupRule looks at: all, any, at least 2, at least 50%..."""
    children = (rule.attr("childActivitySet") or "all").strip()
    if children == "atLeastCount":
        return f"at least {(rule.attr('minimumCount') or '0').strip()}"
    if children == "atLeastPercent":
        percent = (rule.attr("minimumPercent") or "0").strip()
        try:
            return f"at least {float(percent) * 100:g}%"
        except ValueError:
            return f"at least {percent} (minimumPercent)"
    return children


def _describe_objectives(node: _Node, low: str) -> list[tuple[str, str]]:
    """Each objective; the primary one only when it is mapped to a global objective."""
    prefix = "adlseq objectives" if "adlseq" in node.ns else "objectives"
    found = []
    for obj in node.children:
        oid = (obj.attr("objectiveID") or "?").strip()
        if obj.name.lower() == "primaryobjective":
            if _mappings(obj):
                found.append((f"{prefix} (primary objective '{oid}'{_mappings(obj)})", low))
        else:
            found.append((f"{prefix} (objective '{oid}'{_mappings(obj)})", low))
    return found


_DESCRIBERS = {
    "sequencingrules": _describe_sequencing_rules,
    "rolluprules": _describe_rollup_rules,
    "objectives": _describe_objectives,
}


def _effect(key: str) -> str:
    effects = {
        "controlmode": _("learners may open the items in any order."),
        "preconditionrule": _("the item is always available."),
        "postconditionrule": _("the platform does not move the learner on automatically."),
        "exitconditionrule": _("the platform does not move the learner on automatically."),
        "limitconditions": _("learners may make any number of attempts, of any length."),
        "rolluprules": _("parent items and the module do not take their status from these rules."),
        "rollupconsiderations": _(
            "parent items and the module do not take their status from these rules."
        ),
        "objectives": _("only the item's own completion, success and score are recorded."),
        "randomizationcontrols": _("items are shown in manifest order."),
        "deliverycontrols": _("the platform records whatever status the content reports."),
        "constrainedchoiceconsiderations": _("learners may open any item."),
        "presentation": _("the platform shows its own navigation."),
        "completionthreshold": _(
            "the threshold is kept for the content's run-time; progress is "
            "not weighted or rolled up to parent items."
        ),
        "data": _("shared data stores (adl.data) are not provided to the content."),
        "prerequisites": _("the item is always available."),
    }
    return effects.get(key, _("the platform ignores it."))


class _Reader:
    def __init__(self, root: Path, doc: _Node, uris: set[str]):
        self.root, self.doc = root, doc
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.items: list[ParsedItem] = []
        self.keys: set[str] = set()
        self.item_ids: set[str] = set()
        self.resources: dict[str, _Node] = {}
        self.collection: dict[str, _Node] = {}
        self.bases: list[str | None] = []
        self.launch_refs = 0
        self.version, self.edition = self._detect_version(uris)

    def problem(self, message: str, node: _Node | None) -> None:
        self.problems.append(Problem(message, MANIFEST, node.line if node else None))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _detect_version(self, uris: set[str]) -> tuple[str, str | None]:
        declared = _text((self.doc.kid("metadata") or self.doc).kid("schemaversion")).lower()
        if declared.startswith("1.2"):
            return "1.2", None
        for word, edition in (("4th", "4th"), ("3rd", "3rd"), ("2004", None), ("1.3", None)):
            if word in declared:
                return "2004", edition
        joined = " ".join(uris).lower()
        if "adlcp_rootv1p2" in joined or "imscp_rootv1p1p2" in joined:
            version = "1.2"
        elif any(s in joined for s in ("adlcp_v1p3", "imsss", "adlseq", "adlnav", "imscp_v1p1")):
            version = "2004"
        else:
            version = "1.2"
        self.warn(
            _(
                "No known SCORM version in schemaversion; read as SCORM %(version)s.",
                version=version,
            )
        )
        return version, None

    def read(self) -> ParsedModule:
        doc = self.doc
        if doc.name.lower() != "manifest":
            self.problem(
                _("The top element must be <manifest>, not <%(name)s>.", name=doc.name), doc
            )
            raise PackageError(self.problems)
        identifier = (doc.attr("identifier") or "").strip()
        if not identifier:
            self.problem(_("<manifest> has no identifier (the module's stable key)."), doc)
        self._read_resources()
        collection = doc.kid("sequencingCollection")
        for seq in collection.kids("sequencing") if collection is not None else []:
            self.collection[(seq.attr("ID") or "").strip()] = seq
        org = self._default_organization()
        title = identifier
        if org is not None:
            title = _title(org) or identifier
            who = _("Organisation '%(title)s'", title=title)
            self._runtime_data(org, self._sequencing(org, who), who)
            self._walk(org, [], True, 1)
            if not self.launch_refs:
                self.problem(
                    _("No item launches a SCO or asset: nothing for learners to open."), org
                )
        if self.problems:
            raise PackageError(self.problems)
        return ParsedModule(
            format="scorm12" if self.version == "1.2" else "scorm2004",
            key=_sanitise(identifier),
            title={"en": title},
            items=self.items,
            warnings=self.warnings,
        )

    def _read_resources(self) -> None:
        container = self.doc.kid("resources")
        if container is None:
            self.problem(_("imsmanifest.xml has no <resources> element."), self.doc)
            return
        self.bases = [self.doc.attr("xml:base"), container.attr("xml:base")]
        for res in container.kids("resource"):
            rid = (res.attr("identifier") or "").strip()
            if not rid:
                self.problem(_("A <resource> has no identifier."), res)
            elif rid in self.resources:
                self.problem(_("Resource identifier '%(id)s' is used twice.", id=rid), res)
            else:
                self.resources[rid] = res

    def _default_organization(self) -> _Node | None:
        holder = self.doc.kid("organizations")
        orgs = holder.kids("organization") if holder is not None else []
        if not orgs:
            self.problem(_("imsmanifest.xml has no <organization> to import."), holder or self.doc)
            return None
        wanted = (holder.attr("default") or "").strip()
        chosen = next((o for o in orgs if (o.attr("identifier") or "").strip() == wanted), None)
        if wanted and chosen is None:
            self.problem(_("The default organisation '%(id)s' does not exist.", id=wanted), holder)
            return None
        chosen = chosen or orgs[0]
        for other in orgs:
            if other is not chosen:
                name = _title(other) or other.attr("identifier") or "?"
                self.warn(
                    _("Organisation '%(title)s' is not the default one; not imported.", title=name)
                )
        return chosen

    def _walk(self, parent: _Node, path: list[str], visible: bool, depth: int) -> None:
        if depth > MAX_ITEM_DEPTH:
            self.problem(
                _("Items are nested over %(depth)d levels deep.", depth=MAX_ITEM_DEPTH), parent
            )
            return
        for item in parent.kids("item"):
            ident = (item.attr("identifier") or "").strip()
            title = _title(item) or ident
            who = _("Item '%(title)s'", title=title)
            if not ident:
                self.problem(_("%(who)s has no identifier.", who=who), item)
            elif ident in self.item_ids:
                self.problem(_("Item identifier '%(id)s' is used twice.", id=ident), item)
            self.item_ids.add(ident)
            shown = visible and (item.attr("isvisible") or "").strip().lower() != "false"
            data = self._runtime_data(item, self._sequencing(item, who), who)
            ref = (item.attr("identifierref") or "").strip()
            if ref:
                self.launch_refs += 1
                self._launchable(item, ident, title, ref, data, path, shown, who)
            elif not item.kids("item"):
                self.warn(_("%(who)s launches nothing and has no sub-items; skipped.", who=who))
            self._walk(item, [*path, title], shown, depth + 1)

    def _sequencing(self, owner: _Node, who: str) -> list[_Node]:
        """The effective <sequencing> children (sequencingCollection + local), each warned about."""
        seq = owner.kid("sequencing")
        if seq is None:
            return []
        parts = [(child, None) for child in seq.children]
        ref = (seq.attr("IDRef") or "").strip()
        if ref and ref not in self.collection:
            self.problem(
                _("%(who)s: IDRef '%(ref)s' is not in sequencingCollection.", who=who, ref=ref), seq
            )
        elif ref:  # local elements override the shared set element by element
            local = {(c.ns, c.name.lower()) for c in seq.children}
            parts = [
                (c, ref)
                for c in self.collection[ref].children
                if (c.ns, c.name.lower()) not in local
            ] + parts
        for child, source in parts:
            for rule, key in _describe(child):
                rule = "sequencing " + rule
                if source:
                    rule = _("%(rule)s from sequencingCollection '%(id)s'", rule=rule, id=source)
                self._not_enforced(who, rule, key)
        return [child for child, _source in parts]

    def _not_enforced(self, who: str, rule: str, key: str) -> None:
        effect = _effect(key)
        self.warn(
            _("%(who)s: %(rule)s is not enforced; %(effect)s", who=who, rule=rule, effect=effect)
        )

    def _number(
        self, text: str, name: str, line: int | None, low: float, high: float, who: str
    ) -> float | None:
        text = (text or "").strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            bounds = {"who": who, "name": name, "low": low, "high": high, "value": text}
            message = _("%(who)s: %(name)s must be %(low)g to %(high)g, not '%(value)s'.", **bounds)
            self.problems.append(Problem(message, MANIFEST, line))
            return None
        return value

    def _node_number(self, node: _Node | None, low: float, high: float, who: str) -> float | None:
        if node is None:
            return None
        return self._number(node.text, node.name, node.line, low, high, who)

    def _runtime_data(self, item: _Node, seq: list[_Node], who: str) -> dict:
        """What the SCO's run-time needs from the manifest (cmi.* initial values)."""
        from_lms = item.kid("datafromlms")
        data = {
            "mastery_score": self._node_number(item.kid("masteryscore"), 0, 100, who),
            "max_time_allowed": _text(item.kid("maxtimeallowed")) or None,
            "data_from_lms": from_lms.text.strip() or None if from_lms is not None else None,
            "prerequisites": _text(item.kid("prerequisites")) or None,
            "completion_threshold": None,
            "completed_by_measure": None,
            "progress_weight": None,
            "scaled_passing_score": None,
        }
        data["time_limit_action"] = self._time_limit_action(item, who)
        if data["prerequisites"]:
            self._not_enforced(who, f"prerequisites ({data['prerequisites']})", "prerequisites")
        threshold = item.kid("completionThreshold")
        if threshold is not None:
            self._completion_threshold(threshold, data, who)
        self._sequencing_data(seq, data, who)
        self._warn_runtime_extras(item, who)
        return data

    def _time_limit_action(self, item: _Node, who: str) -> str | None:
        """timeLimitAction in the spelling cmi uses ("exit,message"); unknown ones warned
        about and dropped."""
        action = re.sub(r"\s*,\s*", ",", _text(item.kid("timelimitaction")).lower()) or None
        if action and action not in _TIME_LIMIT_ACTIONS:
            self.warn(
                _("%(who)s: unknown timeLimitAction '%(value)s' ignored.", who=who, value=action)
            )
            action = None
        return action

    def _completion_threshold(self, threshold: _Node, data: dict, who: str) -> None:
        """The threshold's value (element text, else minProgressMeasure), whether completion
        is by measure, and the progress weight, into ``data``; what is not enforced warned."""
        by_measure = (threshold.attr("completedByMeasure") or "").strip().lower()
        minimum = threshold.attr("minProgressMeasure")
        value = self._node_number(threshold, 0, 1, who) if _text(threshold) else None
        if value is None and minimum:
            value = self._number(minimum, "minProgressMeasure", threshold.line, 0, 1, who)
        data["completed_by_measure"] = by_measure == "true" if by_measure else value is not None
        data["completion_threshold"] = 1.0 if value is None and by_measure == "true" else value
        data["progress_weight"] = self._number(
            threshold.attr("progressWeight"), "progressWeight", threshold.line, 0, 1, who
        )
        if _attr_list(threshold):
            self._not_enforced(
                who, f"completionThreshold ({_attr_list(threshold)})", "completionthreshold"
            )

    def _sequencing_data(self, seq: list[_Node], data: dict, who: str) -> None:
        """What sequencing says that the run-time uses: the attempt's duration limit (it
        wins over maxtimeallowed) and a primary objective's passing measure."""
        for part in seq:
            if part.name.lower() == "limitconditions" and part.attr("attemptAbsoluteDurationLimit"):
                data["max_time_allowed"] = part.attr("attemptAbsoluteDurationLimit").strip()
            primary = part.kid("primaryObjective") if part.name.lower() == "objectives" else None
            if primary is not None and (primary.attr("satisfiedByMeasure") or "").strip() == "true":
                measure = primary.kid("minNormalizedMeasure")
                data["scaled_passing_score"] = (
                    self._node_number(measure, -1, 1, who) if _text(measure) else 1.0
                )

    def _warn_runtime_extras(self, item: _Node, who: str) -> None:
        """adlnav hideLMSUI and adlcp:data maps: read, never provided; warned about."""
        hidden = [
            _text(h)
            for n in item.kids("presentation")
            for nav in n.kids("navigationInterface")
            for h in nav.kids("hideLMSUI")
        ]
        if hidden:
            self._not_enforced(
                who, f"adlnav presentation (hideLMSUI {', '.join(hidden)})", "presentation"
            )
        for shared in item.kids("data"):
            for target in shared.kids("map"):
                self._not_enforced(who, f"adlcp:data (targetID {target.attr('targetID')})", "data")

    def _launchable(self, item, ident, title, ref, data, path, visible, who) -> None:
        res = self.resources.get(ref)
        if res is None:
            self.problem(
                _("%(who)s: no resource '%(ref)s' (identifierref).", who=who, ref=ref), item
            )
            return
        scorm_type = (res.attr("scormtype") or "").strip().lower()
        if not scorm_type:
            self.warn(
                _("%(who)s: resource '%(id)s' has no scormType; used as an asset.", who=who, id=ref)
            )
            scorm_type = "asset"
        elif scorm_type not in ("sco", "asset"):
            message = _(
                "%(who)s: scormType '%(type)s' is not sco or asset.", who=who, type=scorm_type
            )
            self.problem(message, res)
            return
        resolved = self._resolve_href(res, who)
        if resolved is None:
            return
        launch, query, fragment = resolved
        query, fragment = _add_parameters(query, fragment, item.attr("parameters") or "")
        entry = launch + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
        key = _sanitise(ident)
        if key in self.keys:  # the hash keeps the key stable however many items collide
            key = f"{key[:55]}-{hashlib.sha256(ident.encode()).hexdigest()[:8]}"
        self.keys.add(key)
        scaled = data["scaled_passing_score"]
        pass_score = data["mastery_score"]
        if pass_score is None and scaled is not None:
            pass_score = round(max(scaled, 0.0) * 100, 2)
        content = {
            "scorm_version": self.version,
            "edition": self.edition,
            "identifier": ident,
            "resource_identifier": ref,
            "scorm_type": scorm_type,
            "launch": launch,
            "parameters": item.attr("parameters"),
            **data,
            "path": path,
            "visible": visible,
        }
        self.items.append(
            ParsedItem(
                key=key,
                kind="scorm",
                title={"en": title},
                settings={"pass_score": pass_score},
                entry=entry,
                content=content,
                line=item.line,
            )
        )

    def _resolve_href(self, res: _Node, who: str) -> tuple[str, str, str] | None:
        """(file, query, fragment) of a resource href, xml:base applied."""
        href = (res.attr("href") or "").strip().replace("\\", "/")
        if not href:
            self.problem(_("%(who)s: the resource has no href to launch.", who=who), res)
            return None
        url = _ORIGIN
        for base in [*self.bases, res.attr("xml:base")]:
            base = (base or "").strip().replace("\\", "/")
            if base:  # a base names a folder even when its trailing slash is missing
                url = urljoin(url, base if base.endswith("/") else base + "/")
        url = urljoin(url, href)
        parts = urlsplit(url)
        launch = unquote(parts.path.removeprefix(urlsplit(_ORIGIN).path))
        target = self.root / launch
        inside = url.startswith(_ORIGIN) and target.resolve().is_relative_to(self.root.resolve())
        if not inside or not launch:
            message = _("%(who)s: '%(href)s' is not a file inside the package.", who=who, href=href)
            self.problem(message, res)
            return None
        if not target.is_file():
            self.problem(_("%(who)s: '%(file)s' is not in the package.", who=who, file=launch), res)
            return None
        return launch, parts.query, parts.fragment


def parse_scorm_manifest(root: Path) -> ParsedModule:
    """Read ``root/imsmanifest.xml`` (SCORM 1.2 or 2004) of an extracted package.

    Returns a ParsedModule of format "scorm12" or "scorm2004" with one item of kind
    "scorm" per launchable item of the default organisation, in organisation order.
    ``entry`` is the launch file (a path relative to ``root`` that exists) followed by any
    query/fragment from the href and the item's parameters. Unsupported sequencing and
    navigation features are listed in ``warnings``. Raises PackageError listing every
    problem found (file imsmanifest.xml, with line numbers).
    """
    root = Path(root)
    path = root / MANIFEST
    if not path.is_file():
        nested = sorted(root.glob(f"*/{MANIFEST}"))
        message = _("No imsmanifest.xml at the top of the package: it is not SCORM.")
        if nested:
            folder = nested[0].parent.name
            message = _("imsmanifest.xml must be at the top, not in '%(folder)s'.", folder=folder)
        raise PackageError([Problem(message, MANIFEST)])
    try:
        doc, uris = _read_manifest(path)
    except _XmlError as exc:
        raise PackageError([Problem(exc.message, MANIFEST, exc.line)]) from None
    return _Reader(root, doc, uris).read()
