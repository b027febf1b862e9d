"""The provider's journey, end to end in a browser: the offers inbox with the time left to
answer, decline with a reason and accept, delivery reports on the order, its listings
(create a draft, edit it, publish, change the price, pause, withdraw), the capacity
calendar, the webhook (secret shown once, rotate, delete) and its delivery log, and its
payments. A refused action shows the use case's reason as an error summary linking to
the field. axe runs on every page reached."""

import datetime
import random
import re

from playwright.sync_api import expect

# A provider of the demo market with offers waiting (alcohol treatment in Sheffield).
PROVIDER = "Steel Valley Recovery Trust"
OTHER_PROVIDER = "Dearne & Rother Community Payback Service"


def error_summary(page, text, field):
    """The error summary says `text` and links to `#field`; the title starts `Error:`."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text)
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#" + field)
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator("#" + field)).to_be_visible()


def banner(page, text):
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def test_provider_answers_offers_delivers_and_manages_its_listings(hub):
    page = hub.page
    today = datetime.date.today()

    # The offers inbox: pending offers with what the provider needs to decide.
    hub.sign_in(PROVIDER)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Offers")
    inbox = page.locator("main table")
    expect(inbox).to_contain_text("Time left to answer")
    expect(inbox).to_contain_text("Alcohol treatment")
    expect(inbox.locator("tbody tr").first).to_contain_text(re.compile(r"\d+ (day|hour|minute)s?"))
    expect(inbox.locator("tbody tr").first).to_contain_text(re.compile(r"£[\d,]+"))
    assert inbox.locator("tbody tr").count() >= 2
    hub.screenshot("provider-offers")

    # Decline one: no reason is refused with the use case's words, linked to the field.
    first = inbox.locator("tbody tr").first.get_by_role("link")
    with page.expect_navigation():
        first.click()
    hub.axe()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Time left to answer")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Required by")
    hub.submit("Decline the offer")
    error_summary(page, "The reason must be 1-2000 characters", "reason")
    page.get_by_label("Why are you declining?").fill("No keyworker free in that week")
    hub.submit("Decline the offer")
    expect(page.locator(".govuk-panel")).to_contain_text("Offer declined")
    expect(page.locator("main")).to_contain_text("No keyworker free in that week")

    # Accept the next: a confirmation panel, then the order.
    hub.click("link", name="Back to your offers")
    declined_count = page.locator("main table tbody tr").count()
    with page.expect_navigation():
        page.locator("main table tbody tr").first.get_by_role("link").click()
    hub.axe()
    hub.submit("Accept the offer")
    expect(page.locator(".govuk-panel")).to_contain_text("Offer accepted")
    order_id = page.locator(".govuk-panel strong").inner_text().strip()
    assert order_id.startswith("ord_")
    hub.click("link", name=f"Go to order {order_id}")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Accepted")
    area_row = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text="Area"))
    areas = {"SY-SHF": "Sheffield", "SY-ROT": "Rotherham", "SY-DON": "Doncaster", "SY-BAR": "Barnsley"}
    order_area = next(name for code, name in areas.items() if code in area_row.inner_text())

    # Delivery: nothing chosen, then a step the order cannot take yet (the use case's
    # refusal, on the field), then the start, a non-compliance (details required) and a
    # missed session.
    hub.submit("Report")
    error_summary(page, "Select what happened", "kind")
    page.get_by_label(re.compile("^Completed")).check()
    hub.submit("Report")
    expect(page.locator(".govuk-error-summary a")).to_have_attribute("href", "#kind")
    expect(page.locator(".govuk-error-summary")).to_contain_text(re.compile("accepted|started|delivery", re.I))
    page.get_by_label(re.compile("^Started")).check()
    hub.submit("Report")
    banner(page, "Started reported")
    expect(page.locator(".govuk-summary-list")).to_contain_text("In delivery")
    page.get_by_label(re.compile("^Non-compliance")).check()
    hub.submit("Report")
    error_summary(page, "Say what the non-compliance was", "details")
    page.get_by_label("Details").fill("Arrived intoxicated; session ended early")
    hub.submit("Report")
    banner(page, "Non-compliance reported")
    page.get_by_label(re.compile("^Missed")).check()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year + 1))
    hub.submit("Report")
    error_summary(page, "The date must not be in the future", "on-day")
    page.get_by_label("Year").fill(str(today.year))
    hub.submit("Report")
    banner(page, "Missed reported")
    timeline = page.locator("main table").first
    expect(timeline).to_contain_text("Arrived intoxicated")
    expect(timeline.locator("tbody tr")).to_have_count(3)

    # The start milestone was paid when the start was reported: in pounds on the order.
    payments = page.locator("main table", has=page.locator("caption", has_text="Payments for this order"))
    expect(payments).to_contain_text("Start")
    expect(payments).to_contain_text(re.compile(r"£[\d,]+(\.\d\d)?"))
    start_payment = re.search(r"£[\d,]+(\.\d\d)?", payments.locator("tbody tr").first.inner_text()).group(0)

    # An attended session needs its contact time: none, then too much, is refused on the
    # field; 90 minutes is reported and the timeline shows it.
    minutes = page.get_by_label(re.compile("^Session length in minutes"))
    expect(minutes).to_have_attribute("aria-describedby", re.compile("minutes-hint"))
    expect(page.locator("#minutes-hint")).to_contain_text("1 to 1440 minutes")
    page.get_by_label(re.compile("^Attended")).check()
    hub.submit("Report")
    error_summary(page, "minutes", "minutes")
    page.get_by_label(re.compile("^Session length in minutes")).fill("1441")
    hub.submit("Report")
    error_summary(page, "1440", "minutes")
    page.get_by_label(re.compile("^Session length in minutes")).fill("90")
    hub.submit("Report")
    banner(page, "Attended reported")
    timeline = page.locator("main table").first
    expect(timeline.locator("tbody tr")).to_have_count(4)
    attended_row = timeline.locator("tbody tr", has_text="Attended")
    expect(attended_row).to_contain_text("1 hour 30 minutes of contact time")

    # Completed before the standard is met: refused with what is still owed, on the field.
    page.get_by_label(re.compile("^Completed")).check()
    hub.submit("Report")
    error_summary(page, "still owed", "kind")
    expect(page.locator(".govuk-error-summary")).to_contain_text(re.compile(r"\d+ sessions? and \d+ hours?"))
    expect(page.locator("main table").first.locator("tbody tr")).to_have_count(4)
    expect(page.locator(".govuk-summary-list")).to_contain_text("In delivery")

    # The declined offer is under "Declined" with its reason; the inbox has one fewer.
    hub.click("link", name="Offers", exact=True)
    assert page.locator("main table tbody tr").count() == declined_count - 1
    hub.click("link", name="Declined", exact=True)
    expect(page.locator("main table")).to_contain_text("Declined")

    # Listings: a draft refused until it is complete, created, edited, published,
    # its price changed (with history), paused and withdrawn.
    title = f"Alcohol recovery group {random.randint(1000, 9999)}"
    hub.click("link", name="Listings", exact=True)
    hub.click("button", name="Create a listing")
    hub.submit("Create the draft listing")
    error_summary(page, "Select the specification the listing delivers", "specification")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select at least one area served")
    page.locator("label", has_text="Alcohol treatment").first.click()
    page.get_by_label("Title").fill(title)
    page.get_by_label(re.compile(r"^Sheffield")).check()
    page.get_by_label("Price per order").fill("99999")
    page.get_by_label("Group", exact=True).check()
    page.get_by_label("In person").check()
    page.get_by_label("Youngest age (optional)").fill("twenty")
    hub.submit("Create the draft listing")
    error_summary(page, "Enter the youngest age as a whole number", "min_age")
    page.get_by_label("Youngest age (optional)").fill("21")
    hub.submit("Create the draft listing")
    banner(page, f"Draft listing {title} created")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Draft")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Aged 21 or over")
    listing_url = page.url

    # Publishing above the specification's price cap is refused with the API's reason.
    hub.submit("Publish the listing")
    expect(page.locator(".govuk-error-summary a")).to_have_attribute("href", "#publish")
    expect(page.locator(".govuk-error-summary")).to_contain_text(re.compile("cap", re.I))
    hub.click("link", name="Edit the draft")
    page.get_by_label("Price per order").fill("120")
    expect(page.get_by_label("Youngest age (optional)")).to_have_value("21")
    page.get_by_label("Women only").check()
    hub.submit("Save the draft")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Women only, aged 21 or over")
    banner(page, "Draft listing saved")
    hub.submit("Publish the listing")
    banner(page, "Listing published")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Published")
    hub.click("link", name="Change the price")
    page.get_by_label("Price per order").fill("abc")
    hub.submit("Change the price")
    error_summary(page, "Enter the price in pounds", "price")
    page.get_by_label("Price per order").fill("135.50")
    hub.submit("Change the price")
    banner(page, "Price changed")
    history = page.locator("main table").first
    expect(history.locator("tbody tr").first).to_contain_text("£135.50")
    assert history.locator("tbody tr").count() >= 2
    hub.screenshot("provider-listing")

    # The capacity calendar: a start date's places, taken and free; bad places refused.
    hub.click("link", name="Capacity", exact=True)
    section = page.locator("section", has=page.get_by_role("heading", name=title))
    section.locator("summary").click()
    start = today + datetime.timedelta(days=21)
    section.get_by_label("Day").fill(str(start.day))
    section.get_by_label("Month").fill(str(start.month))
    section.get_by_label("Year").fill(str(start.year))
    section.get_by_label("Places").fill("six")
    with page.expect_navigation():
        section.get_by_role("button", name=re.compile("^Set places")).click()
    hub.axe()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Places must be a whole number")
    section = page.locator("section", has=page.get_by_role("heading", name=title))
    section.get_by_label("Places").fill("6")
    with page.expect_navigation():
        section.get_by_role("button", name=re.compile("^Set places")).click()
    hub.axe()
    banner(page, f"{title} now has 6 places")
    section = page.locator("section", has=page.get_by_role("heading", name=title))
    row = section.locator("tbody tr").first
    expect(row).to_contain_text(start.strftime("%B %Y").lstrip("0"))
    expect(row.locator("td")).to_have_text(["6", "0", "6"])

    hub.goto(listing_url.replace(hub.url(""), ""))
    hub.submit("Pause the listing")
    banner(page, "Listing paused")
    hub.click("button", name="Withdraw the listing")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Withdraw {title}?")
    hub.submit("Yes, withdraw the listing")
    banner(page, "Listing withdrawn")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Withdrawn")
    expect(page.get_by_role("button", name="Publish the listing")).to_have_count(0)

    # The webhook: an http URL refused with the API's reason; registered, the secret
    # shown once; rotated (a new secret); the delivery log; deleted after confirming.
    hub.click("link", name="Webhook", exact=True)
    page.get_by_label("URL").fill("http://hooks.example.org/provider-hub")
    hub.submit("Register the webhook")
    error_summary(page, "must use https", "url")
    page.get_by_label("URL").fill("https://hooks.example.org/provider-hub")
    hub.submit("Register the webhook")
    expect(page.locator(".govuk-panel")).to_contain_text("Webhook registered")
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    hub.goto("/provider/webhook")
    assert secret not in page.content()
    expect(page.locator(".govuk-summary-list")).to_contain_text("https://hooks.example.org/provider-hub")
    hub.submit("Rotate the secret")
    rotated = page.locator("#webhook-secret").inner_text()
    assert rotated.startswith("whsec_") and rotated != secret
    hub.click("link", name="See the delivery log")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook deliveries")
    hub.click("link", name="Back to the webhook")
    hub.click("button", name="Delete the webhook")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the webhook?")
    hub.submit("Delete the webhook")
    banner(page, "Webhook deleted")
    expect(page.get_by_role("button", name="Register the webhook")).to_be_visible()

    # Payments: the provider's own, with the total.
    hub.click("link", name="Payments", exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments")
    paid = page.locator("main table tbody tr", has=page.get_by_role("link", name=order_id))
    expect(paid).to_have_count(1)
    expect(paid).to_contain_text("Start")
    expect(paid).to_contain_text(start_payment)

    # Another provider sees none of this provider's things.
    hub.sign_out()
    hub.sign_in(OTHER_PROVIDER)
    response = page.goto(hub.url(f"/provider/orders/{order_id}"))
    assert response.status == 404
    hub.axe()
    response = page.goto(listing_url)
    assert response.status == 404
    hub.goto("/provider/listings")
    expect(page.locator("main")).not_to_contain_text(title)

    # The offender manager of the order's area sees the delivery and the start payment.
    hub.sign_out()
    hub.sign_in(f"Offender manager 1 in {order_area}")
    hub.goto(f"/om/orders/{order_id}")
    main = page.locator("main")
    expect(main).not_to_contain_text("Nothing has been paid")
    expect(main).to_contain_text("Arrived intoxicated")
    expect(main).to_contain_text("1 hour 30 minutes of contact time")
    expect(main).to_contain_text("Start")
    expect(main).to_contain_text(start_payment)
    assert len(hub.checked) >= 40
