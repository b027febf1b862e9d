"""Countersigns two assessments of the seeded case so the fuzzer meets sentence plans,
orders and offers, approves one plan, runs batch matching once, and writes the id
dictionaries.

Usage: plans.py BASE_URL AUTHOR_TOKEN APPROVER_TOKEN COMMISSIONER_TOKEN OUT_DIR
"""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import assessment  # noqa: E402

BASE, AUTHOR, APPROVER, COMMISSIONER, OUT = sys.argv[1:6]


def call(token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


plans, orders = [], []
for n in (3, 4):
    a = call(AUTHOR, "POST", "/v1/assessments", assessment.body(f"FUZZ-{n}"))
    call(AUTHOR, "POST", f"/v1/assessments/{a['id']}/submit")
    call(APPROVER, "POST", f"/v1/assessments/{a['id']}/approve")
    with open(os.path.join(OUT, "assessment_ids.dict"), "a") as f:
        f.write(json.dumps(a["id"]) + "\n")
    plans.append(call(APPROVER, "GET", f"/v1/assessments/{a['id']}/sentence-plan")["id"])
approval = call(APPROVER, "POST", f"/v1/sentence-plans/{plans[1]}/approve")
orders = [o["id"] for o in approval["orders"]]
offers = [o["offer"]["id"] for o in approval["orders"] if o.get("offer")]
runs = [call(COMMISSIONER, "POST", "/v1/matching/runs", {})["id"]]
for name, ids in (("plan_ids.dict", plans), ("order_ids.dict", orders),
                  ("offer_ids.dict", offers or ["offer_none"]), ("run_ids.dict", runs)):
    with open(os.path.join(OUT, name), "w") as f:
        f.write("".join(json.dumps(i) + "\n" for i in ids))
