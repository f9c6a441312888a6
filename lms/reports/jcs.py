"""The JSON Canonicalization Scheme (RFC 8785): the one byte sequence for a JSON value
that the eddsa-jcs-2022 cryptosuite hashes and signs.

- objects: members sorted by their names as UTF-16 code units, no white space;
- strings: only ", \\ and the control characters below U+0020 are escaped (\\b \\t \\n \\f
  \\r, others as \\u00xx in lower case); everything else is written as itself, in UTF-8;
- numbers: as ECMAScript's Number.prototype.toString writes an IEEE 754 double (the
  shortest form that reads back the same; exponent from 1e21 up and below 1e-6);
- true, false, null as such. NaN, Infinity and lone surrogates have no JSON form: error.
"""

from __future__ import annotations

import math

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


class CanonicalizationError(ValueError):
    pass


def canonicalize(value) -> bytes:
    """RFC 8785 bytes of a JSON value made of dict, list, str, int, float, bool, None."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode("utf-8")


def _write(value, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int | float):
        out.append(number(value))
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if not isinstance(key, str):
                raise CanonicalizationError(f"object member names must be strings: {key!r}")
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise CanonicalizationError(f"not a JSON value: {type(value).__name__}")


def _utf16_key(name) -> bytes:
    if not isinstance(name, str):
        raise CanonicalizationError(f"object member names must be strings: {name!r}")
    return name.encode("utf-16-be", "surrogatepass")


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            raise CanonicalizationError("a lone surrogate has no JSON form")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def number(value: int | float) -> str:
    """ECMAScript's Number::toString for the double nearest ``value``."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 2**53:
            raise CanonicalizationError("an integer beyond 2**53 has no exact JSON number")
        value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise CanonicalizationError("NaN and Infinity have no JSON form")
    if value == 0:
        return "0"  # -0 too
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that read back the same (as ECMAScript requires)
    mantissa, _e, exponent = repr(abs(value)).partition("e")
    whole, _dot, fraction = mantissa.partition(".")
    digits = (whole + fraction.rstrip("0") if fraction != "0" else whole).lstrip("0")
    # the position of the decimal point relative to the digits: value = 0.d1d2... x 10^n
    n = len(whole.lstrip("0")) if whole.strip("0") else -(
        len(fraction) - len(fraction.lstrip("0")))
    n += int(exponent or 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + (
            "+" if e > 0 else "-") + str(abs(e))
    return sign + text
