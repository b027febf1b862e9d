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
