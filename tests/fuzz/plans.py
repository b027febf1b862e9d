"""Countersigns two assessments of the seeded case so the fuzzer meets sentence plans and
orders, approves one plan, and appends to the id dictionaries.

Usage: plans.py BASE_URL AUTHOR_TOKEN APPROVER_TOKEN OUT_DIR
"""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import assessment  # noqa: E402

BASE, AUTHOR, APPROVER, OUT = sys.argv[1:5]


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
for name, ids in (("plan_ids.dict", plans), ("order_ids.dict", orders)):
    with open(os.path.join(OUT, name), "w") as f:
        f.write("".join(json.dumps(i) + "\n" for i in ids))
