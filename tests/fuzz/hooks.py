"""Schemathesis hooks for the hub's fuzz run (loaded by tests/fuzz/run).

`positive_data_acceptance` expects every request the document calls valid to be accepted
(or refused for who is asking, 401/403, or for what exists, 404/409). A few values are
right only by what the hub holds or by another field, which a JSON Schema cannot say; in
the cases generated as valid they are made so here, and nowhere else:

- a list's `after` is a cursor the list gave out (any other is refused, 422, as it must be;
  forged and foreign cursors are tested in tests/tests/paging.rs): replaced by a real
  cursor of the list (tests/fuzz/cursors.py reads one per list as the role fuzzed), or
  left out where the list has no second page;
- an `area` filter names an area the hub has (an unknown one is a 422 naming it):
  replaced by a seeded area;
- `eligible_for_crn` names a case the caller may see: a seeded Sheffield case the fuzzer
  never transfers (roles that see no case are refused, 403);
- `to` is not before `from`: the two swapped;
- `limit=all` (the whole list) is for CSV answers: `format=csv` with it;
- an `Idempotency-Key` once used with another body is refused (422, as the IETF draft
  says; replays are tested in tests/tests/idempotency.rs): each valid case has a key of
  its own.
"""

import json
import os
import uuid

import schemathesis

with open(os.environ["HUB_FUZZ_CURSORS"], encoding="utf-8") as f:
    CURSORS = json.load(f)

AREAS = ("SY-SHF", "SY-ROT")
CASE = "X654321"


def _positive(case):
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


@schemathesis.hook
def map_case(context, case):
    query = case.query
    if query and "after" in query:
        cursor = CURSORS.get(case.operation.path)
        if cursor is None:
            del query["after"]
        else:
            query["after"] = cursor
    if not _positive(case):
        return case
    if query:
        if "area" in query and query["area"] not in AREAS:
            query["area"] = AREAS[len(str(query["area"])) % len(AREAS)]
        if "eligible_for_crn" in query:
            query["eligible_for_crn"] = CASE
        if query.get("limit") == "all":
            query["format"] = "csv"
        if "from" in query and "to" in query and str(query["to"]) < str(query["from"]):
            query["from"], query["to"] = query["to"], query["from"]
    if case.headers:
        for name in list(case.headers):
            if name.lower() == "idempotency-key":
                case.headers[name] = uuid.uuid4().hex
    return case
