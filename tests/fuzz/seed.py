"""Seeds a fresh hub with a small market so the fuzzer reaches deep paths, and writes
the ids it made as schemathesis dictionaries (libFuzzer format) into OUT_DIR.

Usage: seed.py BASE_URL ADMIN_TOKEN QUALITY_TOKEN OUT_DIR
Then: seed.py --provider-token-for OUT_DIR prints the seeded provider's id.
"""
import datetime
import json
import os
import sys
import urllib.request

BASE, ADMIN, QUALITY, OUT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]


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
today = datetime.date.today()
providers = []
for number, sector in [("CH-1001", "voluntary"), ("CH-1002", "private"), ("CH-1003", "social_enterprise")]:
    p = call("POST", "/v1/providers", ADMIN, {
        "name": f"Provider {number}", "sector": sector, "registration_number": number,
        "contact": {"name": "Referrals desk", "email": "referrals@example.org", "phone": "0114 496 0000"},
    })
    providers.append(p["id"])
for category, score in [("unpaid_work", 85), ("alcohol_treatment", 72)]:
    call("POST", f"/v1/providers/{providers[0]}/accreditations", QUALITY, {
        "category": category, "score": score, "assessed_on": today.isoformat(),
        "expires_on": (today + datetime.timedelta(days=365)).isoformat(), "notes": "annual review",
    })
call("POST", f"/v1/providers/{providers[2]}/suspend", QUALITY, {"reason": "under review"})

# The seeded provider's own token is made by the caller; listings are created with it.
with open(os.path.join(OUT, "provider_id"), "w") as f:
    f.write(providers[0])
print("seeded: 2 areas, 4 specifications, 3 providers")

