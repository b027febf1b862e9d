"""A purchase loop through a client generated from openapi/openapi.json (by
openapi-python-client, in tests/client/run): no hand-written HTTP. The quality team
publishes a specification, an admin registers a provider that the quality team accredits,
the provider lists places, two offender managers assess a person and approve the plan,
the provider accepts the offer and reports the start, and the start is paid. Every answer
is parsed into the document's models, so a field the document promises and the hub does
not send (or sends in another shape) fails here.

Usage: purchase.py BASE_URL HUB_BINARY (the hub's data folder in HUB_DATA_DIR)
"""

import datetime
import subprocess
import sys

from hubclient import AuthenticatedClient
from hubclient.api.areas import create_area
from hubclient.api.assessments import approve_assessment, record_assessment, submit_assessment
from hubclient.api.cases import register_case
from hubclient.api.delivery import list_payments, report_delivery
from hubclient.api.listings import create_listing, publish_listing, search_listings, set_capacity
from hubclient.api.offers import accept_offer, list_offers
from hubclient.api.orders import get_order
from hubclient.api.providers import accredit_provider, register_provider
from hubclient.api.sentence_plans import approve_sentence_plan, get_sentence_plan
from hubclient.api.specifications import create_specification, publish_specification_version
from hubclient.models import (
    CapacityUpdate,
    DeliveryReport,
    NewAccreditation,
    NewArea,
    NewAssessment,
    NewCase,
    NewListing,
    NewProvider,
    NewSpecification,
    Problem,
)

BASE, HUB = sys.argv[1], sys.argv[2]
AREA, CRN = "WY-CLI", "C123456"
TODAY = datetime.date.today()


def client(*token_args):
    token = subprocess.check_output([HUB, "token", *token_args], text=True).strip()
    return AuthenticatedClient(base_url=BASE, token=token, raise_on_unexpected_status=True)


def ok(response, status, what):
    """The parsed answer of `response`, which must have `status`."""
    if response.status_code != status or isinstance(response.parsed, Problem):
        raise SystemExit(f"{what}: {response.status_code} {response.content[:500]!r}")
    return response.parsed


admin, quality = client("--role", "admin"), client("--role", "quality")
manager = client("--role", "offender_manager", "--area", AREA, "--sub", "om-client-author")
approver = client("--role", "offender_manager", "--area", AREA, "--sub", "om-client-approver")
commissioner = client("--role", "commissioner")

ok(create_area.sync_detailed(client=admin, body=NewArea.from_dict(
    {"code": AREA, "name": "Calderdale", "region": "Yorkshire and the Humber"})), 201, "area")

spec = ok(create_specification.sync_detailed(client=quality, body=NewSpecification.from_dict({
    "code": "UPW-CLI", "title": "Unpaid work, client loop", "category": "unpaid_work",
    "needs": ["education_training_employment"],
    "delivery_standard": {"min_sessions": 12, "min_hours": 24, "format": "group"},
    "unit_of_purchase": "one place on the programme", "price_cap_pence": 60000,
    "eligibility": {"sexes": ["female", "male"], "min_age": 18, "max_age": 99,
                    "max_risk_of_harm": "high", "tiers": [1, 2, 3, 4]},
    "payment_model": {"milestones": [{"milestone": "start", "percent": 20},
                                     {"milestone": "completion", "percent": 80}]},
})), 201, "specification")
ok(publish_specification_version.sync_detailed(spec.code, spec.version, client=quality), 200, "publish")

provider = ok(register_provider.sync_detailed(client=admin, body=NewProvider.from_dict({
    "name": "Client Loop CIC", "sector": "social_enterprise", "registration_number": "CIC-CLIENT-1",
    "contact": {"name": "Referrals desk", "email": "referrals@example.org"},
})), 201, "provider")
ok(accredit_provider.sync_detailed(provider.id, client=quality, body=NewAccreditation.from_dict({
    "category": "unpaid_work", "score": 82, "assessed_on": TODAY.isoformat(),
    "expires_on": (TODAY + datetime.timedelta(days=365)).isoformat(),
})), 201, "accreditation")

own = client("--role", "provider", "--provider-id", provider.id)
listing = ok(create_listing.sync_detailed(client=own, body=NewListing.from_dict({
    "specification_code": spec.code, "specification_version": spec.version,
    "title": "Community payback, Calderdale", "areas": [AREA], "price_pence": 48000,
    "delivery_format": "group", "delivery_mode": "in_person",
})), 201, "listing")
monday = TODAY + datetime.timedelta(days=7 - TODAY.weekday())
ok(set_capacity.sync_detailed(listing.id, client=own, body=CapacityUpdate.from_dict({"slots": [
    {"starts_on": (monday + datetime.timedelta(weeks=w)).isoformat(), "places": 4} for w in range(3)
]})), 200, "capacity")
ok(publish_listing.sync_detailed(listing.id, client=own), 200, "publish listing")
found = ok(search_listings.sync_detailed(client=manager, area=AREA), 200, "search")
assert [item.id for item in found.items] == [listing.id], found

ok(register_case.sync_detailed(client=manager, body=NewCase.from_dict(
    {"crn": CRN, "sex": "female", "date_of_birth": "1991-05-04", "area": AREA})), 201, "case")
NEEDS = ["accommodation", "education_training_employment", "finance", "relationships", "lifestyle",
         "drugs", "alcohol", "emotional_wellbeing", "thinking_behaviour", "attitudes"]
assessment = ok(record_assessment.sync_detailed(client=manager, body=NewAssessment.from_dict({
    "external_ref": "CLIENT-1", "crn": CRN, "tier": 2, "risk_of_serious_harm": "medium",
    "reoffending_probability": 40,
    "needs": [{"need": n, "severity": "medium" if n == "education_training_employment" else "low",
               "linked_to_offending": n == "education_training_employment"} for n in NEEDS],
    "requirements": [{"type": "unpaid_work", "hours": 100}],
    "sentence_date": TODAY.isoformat(),
})), 201, "assessment")
ok(submit_assessment.sync_detailed(assessment.id, client=manager), 200, "submit")
ok(approve_assessment.sync_detailed(assessment.id, client=approver), 200, "countersign")

plan = ok(get_sentence_plan.sync_detailed(assessment.id, client=approver), 200, "plan")
# No confirmation (JSON null): nothing proposed for ending. (The generated call cannot leave
# the optional body out.)
approval = ok(approve_sentence_plan.sync_detailed(plan.id, client=approver, body=None), 200, "approve plan")
# The unpaid-work requirement's order, offered; the need linked to offending brings an
# education order of its own, which nobody here lists.
[order] = [o for o in approval.orders if str(o.category) == "unpaid_work"]
[need] = [o for o in approval.orders if o.id != order.id]
assert str(need.status) == "unmatched", need.status
assert order.status == "offered", order.status
assert order.provider_name == "Client Loop CIC", order.provider_name

[offer] = ok(list_offers.sync_detailed(client=own, status="pending"), 200, "offers").items
assert offer.order_id == order.id and offer.price_pence == 48000, offer
ok(accept_offer.sync_detailed(offer.id, client=own), 200, "accept")
again = accept_offer.sync_detailed(offer.id, client=own)
assert again.status_code == 409 and isinstance(again.parsed, Problem), again.status_code

placed = ok(get_order.sync_detailed(order.id, client=manager), 200, "order")
assert placed.status == "accepted" and placed.listing_id == listing.id, placed.status
ok(report_delivery.sync_detailed(order.id, client=own, body=DeliveryReport.from_dict(
    {"type": "started", "on": TODAY.isoformat()})), 201, "started")

payments = ok(list_payments.sync_detailed(client=commissioner), 200, "payments").items
assert [(p.order_id, str(p.milestone), p.amount_pence) for p in payments] == [
    (order.id, "start", 48000 * 20 // 100)], payments
print(f"purchased through the generated client: order {order.id} placed with {placed.provider_name}, "
      f"start paid {payments[0].amount_pence} pence")
