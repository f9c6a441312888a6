"""One collector for every problem a service finds in what it was given.

A service that checks several things reports them all at once, never just the first:
its parse and validate steps add to one ``Problems``, and it calls ``raise_if_any``
before it writes anything. What callers can rely on:

- each problem is the dict ``{where: at, "message": message}``, ``where`` being the
  collector's kind: "field" (a form field or argument name) or "row" (a row of an
  uploaded file, the header being row 1);
- ``details`` lists them in the order they were added, and is exactly the ``details``
  of the ValidationError that ``raise_if_any`` raises (pages and the JSON API show it);
- ``len(problems)`` counts them, so a summary can say how many.
"""

from __future__ import annotations

from collections.abc import Iterable

from lms.core.errors import ValidationError


class Problems:
    def __init__(self, where: str = "field") -> None:
        self.where = where
        self.details: list[dict] = []

    def add(self, at, message: str) -> None:
        self.details.append({self.where: at, "message": message})

    def extend(self, at, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(at, message)

    def __len__(self) -> int:
        return len(self.details)

    def raise_if_any(self, summary: str) -> None:
        """Raise ValidationError(summary) listing every problem, when there is one."""
        if self.details:
            raise ValidationError(summary, details=self.details)
