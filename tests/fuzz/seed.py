"""Seeds a fresh hub with a small market so the fuzzer reaches deep paths.

Usage: seed.py BASE_URL ADMIN_TOKEN QUALITY_TOKEN
"""
import json
import sys
import urllib.request

BASE, ADMIN, QUALITY = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, token, body=None, ok=(200, 201)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as resp:
        if resp.status not in ok:
            raise SystemExit(f"{method} {path}: {resp.status}")
        return json.load(resp)


def spec(code, category, needs, cap):
    return {
        "code": code,
        "title": f"{code} specification",
        "category": category,
        "needs": needs,
        "delivery_standard": {"min_sessions": 12, "min_hours": 24, "format": "group"},
        "unit_of_purchase": "one place on the programme",
        "price_cap_pence": cap,
        "eligibility": {
            "sexes": ["female", "male"], "min_age": 18, "max_age": 99,
            "max_risk_of_harm": "high", "tiers": [1, 2, 3, 4],
        },
        "payment_model": {"milestones": [
            {"milestone": "start", "percent": 20},
            {"milestone": "completion", "percent": 50},
            {"milestone": "outcome", "percent": 30},
        ]},
    }


for code, name in [("SY-SHF", "Sheffield"), ("SY-ROT", "Rotherham")]:
    call("POST", "/v1/areas", ADMIN, {"code": code, "name": name, "region": "Yorkshire and the Humber"})

call("POST", "/v1/specifications", QUALITY, spec("UPW-STD", "unpaid_work", ["education_training_employment"], 60000))
call("POST", "/v1/specifications/UPW-STD/versions/1/publish", QUALITY)
call("POST", "/v1/specifications/UPW-STD/versions", QUALITY, {"price_cap_pence": 65000})
call("POST", "/v1/specifications", QUALITY, spec("ALC-TRT", "alcohol_treatment", ["alcohol"], 120000))
call("POST", "/v1/specifications/ALC-TRT/versions/1/publish", QUALITY)
call("POST", "/v1/specifications", QUALITY, spec("DRAFT-ONE", "accommodation", ["accommodation"], 90000))
call("POST", "/v1/specifications", QUALITY, spec("RET-ONE", "finance_benefit_debt", ["finance"], 30000))
call("POST", "/v1/specifications/RET-ONE/versions/1/publish", QUALITY)
call("POST", "/v1/specifications/RET-ONE/versions/1/retire", QUALITY)
print("seeded: 2 areas, 4 specifications")
