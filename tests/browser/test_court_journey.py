"""The court's journey in a browser: a court's staff sign in as their court and see the
start dates of the sentences passed there — each requirement's order and its status —
and nothing of other courts' sentences. axe runs on every page reached."""

from playwright.sync_api import expect


def test_a_court_sees_its_own_sentences_start_dates(hub):
    page = hub.page
    # The demo's Sheffield cases are sentenced at Sheffield Magistrates' Court (SHF-MC).
    hub.sign_in("A court: SHF-MC")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start dates")
    table = page.locator("main table")
    expect(table).to_contain_text("Orders for sentences passed at SHF-MC")
    expect(table).to_contain_text("S100001")
    expect(table).to_contain_text("Unpaid work: 120 hours")
    expect(table).to_contain_text("Alcohol treatment: 6 months")
    # No start date is committed before a provider accepts.
    expect(table).to_contain_text("Not yet committed")
    # Nothing of Rotherham's, Doncaster's or Barnsley's sentences.
    for other in ["R200001", "D300001", "B400001"]:
        expect(table).not_to_contain_text(other)
    hub.screenshot("court-start-dates")

    # A court has no other journey's pages.
    response = hub.page.goto(hub.url("/om"))
    assert response.status == 403
    hub.goto("/court")
    hub.sign_out()

    # Another court sees its own sentences only.
    hub.sign_in("A court: ROT-MC")
    table = page.locator("main table")
    expect(table).to_contain_text("R200001")
    expect(table).not_to_contain_text("S100001")


def test_the_provider_reads_the_referral_pack_and_the_court_sees_the_date_committed(hub):
    page = hub.page
    # The offender manager adds notes for delivery and their contact on S100001's
    # accommodation order (offered to Fresh Start Lettings CIC in the demo).
    hub.sign_in("Offender manager 1 in Sheffield")
    hub.goto("/om/cases/S100001")
    hub.click("link", name="Accommodation")
    page.get_by_label("Notes for delivery").fill("Ground-floor room; Polish interpreter")
    hub.submit("Save notes for delivery")
    expect(page.locator("main")).to_contain_text("Notes for delivery saved")
    page.get_by_label("Name", exact=True).fill("Ann Hughes")
    page.get_by_label("Email address (optional)").fill("ann.hughes@probation.example")
    hub.submit("Save your contact")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Ann Hughes")
    expect(page.locator("main")).to_contain_text("Nobody has read it yet")
    order_url = page.url
    hub.sign_out()

    # The provider accepts, then reads the pack: the need, the contact, the notes.
    hub.sign_in("Fresh Start Lettings CIC")
    with page.expect_navigation():
        page.locator("main table tbody tr").first.get_by_role("link").click()
    hub.axe()
    hub.submit("Accept the offer")
    expect(page.locator(".govuk-panel")).to_contain_text("Offer accepted")
    order_id = page.locator(".govuk-panel strong").inner_text().strip()
    hub.click("link", name=f"Go to order {order_id}")
    hub.click("link", name="Read the referral pack")
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral pack")
    pack = page.locator("main")
    expect(pack).to_contain_text("Ground-floor room; Polish interpreter")
    expect(pack).to_contain_text("Ann Hughes")
    expect(pack).to_contain_text("Accommodation")
    expect(pack).not_to_contain_text("S100001")
    hub.screenshot("provider-referral-pack")
    hub.sign_out()

    # The offender manager sees the read.
    hub.sign_in("Offender manager 1 in Sheffield")
    page.goto(order_url)
    hub.axe()
    expect(page.locator("main")).to_contain_text("Who read the referral pack")
    expect(page.locator("main ul.govuk-list")).to_contain_text("local-provider-")
    hub.sign_out()

    # The court sees the start date the provider committed to.
    hub.sign_in("A court: SHF-MC")
    row = page.locator("main table tbody tr", has_text="S100001").filter(has_text="Accommodation")
    expect(row).not_to_contain_text("Not yet committed")
    expect(row).to_contain_text("Accepted")


def test_a_court_and_an_offender_manager_ask_for_an_availability_quote(hub):
    page = hub.page
    hub.sign_in("A court: SHF-MC")
    hub.click("link", name="Availability quote")
    expect(page.get_by_role("heading", level=1)).to_have_text("Availability quote")
    # Nothing filled in: each field says what is missing, and links to it.
    hub.submit("Get the quote")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the area's code")
    expect(summary).to_contain_text("Select at least one requirement")
    page.get_by_label("Area").fill("SY-SHF")
    page.get_by_label("Sex").select_option("male")
    page.get_by_label("Age").fill("34")
    page.get_by_label("Risk of serious harm").select_option("medium")
    page.get_by_label("Risk tier").select_option("2")
    page.get_by_label("Unpaid work").check()
    page.get_by_label("Alcohol treatment").check()
    hub.submit("Get the quote")
    answers = page.locator("main table")
    expect(answers).to_contain_text("What the market offers now")
    upw = answers.locator("tbody tr", has_text="Unpaid work")
    expect(upw).to_contain_text("£")
    expect(upw).not_to_contain_text("No availability")
    hub.screenshot("court-availability-quote")
    hub.sign_out()

    # An offender manager asks too; an unknown area is refused next to the field.
    hub.sign_in("Offender manager 1 in Sheffield")
    hub.goto("/om/availability-quote")
    page.get_by_label("Area").fill("SY-XXX")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Age").fill("29")
    page.get_by_label("Risk of serious harm").select_option("low")
    page.get_by_label("Risk tier").select_option("1")
    page.get_by_label("Accommodation").check()
    hub.submit("Get the quote")
    expect(page.locator(".govuk-error-summary")).to_contain_text("no area with this code")
