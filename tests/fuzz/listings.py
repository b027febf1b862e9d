"""Creates the seeded provider's listings (needs its token) and writes the id dictionaries.

Usage: listings.py BASE_URL PROVIDER_TOKEN OUT_DIR
"""
import datetime
import json
import os
import sys
import urllib.request

BASE, TOKEN, OUT = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def listing(code, title, price, areas):
    return {
        "specification_code": code, "specification_version": 1, "title": title,
        "areas": areas, "price_pence": price, "delivery_format": "group", "delivery_mode": "in_person",
    }


monday = datetime.date.today() + datetime.timedelta(days=7 - datetime.date.today().weekday())
published = call("POST", "/v1/listings", listing("UPW-STD", "Community payback", 52000, ["SY-SHF", "SY-ROT"]))["id"]
call("PUT", f"/v1/listings/{published}/capacity", {"slots": [
    {"starts_on": (monday + datetime.timedelta(weeks=w)).isoformat(), "places": 8} for w in range(4)
]})
call("POST", f"/v1/listings/{published}/publish")
draft = call("POST", "/v1/listings", listing("ALC-TRT", "Alcohol treatment", 99000, ["SY-SHF"]))["id"]

provider_id = open(os.path.join(OUT, "provider_id")).read().strip()
with open(os.path.join(OUT, "listing_ids.dict"), "w") as f:
    f.write(f'"{published}"\n"{draft}"\n')
with open(os.path.join(OUT, "provider_ids.dict"), "w") as f:
    f.write(f'"{provider_id}"\n')
print("seeded: 2 listings")
