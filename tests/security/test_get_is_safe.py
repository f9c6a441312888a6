"""GET never changes data: every GET route of the matrix, requested as each visitor,
leaves every table as it was (row counts, and here the rows themselves too). The xAPI
forwarding queue and the request log are not data."""

from __future__ import annotations

import pytest

from tests.security.matrix import MATRIX
from tests.security.requester import send
from tests.security.world import ROLES

GETS = [entry for entry in MATRIX if entry.method == "GET"]
# Bookkeeping, not data: opening a notification marks it read, and a bearer token
# remembers when it was last used. A notification read moves its owner's page-cache
# stamp, so the unread count on their cached pages is right.
RECEIPTS = {"GET /learning/notifications/<int:notification_id>": {"notifications",
                                                                  "page_stamps"}}
TOKEN_USE = {"api_tokens"}


def changed_tables(before: dict, after: dict) -> set[str]:
    return {table for table in before.keys() | after.keys()
            if before.get(table) != after.get(table)}


@pytest.mark.parametrize("entry", GETS, ids=lambda e: e.rule)
def test_get_changes_nothing(world_app, entry):
    counts, rows = world_app.table_counts(), world_app.table_contents()
    for role in ROLES:
        send(world_app, entry, role).close()
    assert world_app.table_counts() == counts, "a GET added or removed rows"
    changed = changed_tables(rows, world_app.table_contents())
    allowed = RECEIPTS.get(f"GET {entry.rule}", set())
    if entry.rule.startswith("/api/"):
        allowed = allowed | TOKEN_USE
    assert changed <= allowed, (
        f"GET {entry.rule} changed {sorted(changed)}")
