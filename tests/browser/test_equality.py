"""Equality monitoring in a browser: an offender manager records a person's ethnic group
and disability on the case's page; an analyst signs in, finds the reports from their
home page and reads "Who is served", where small counts are suppressed and explained.
axe runs on every page reached."""

from playwright.sync_api import expect


def test_an_offender_manager_records_equality_monitoring(hub):
    page = hub.page
    hub.sign_in("Offender manager 1 in Sheffield")
    hub.goto("/om/cases/S100001")
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Equality monitoring")).to_be_visible()
    expect(main).to_contain_text("never shown to providers")
    page.get_by_text("Record equality monitoring").click()
    hub.axe()
    page.get_by_label("Ethnic group (ONS 2021 census)").select_option("black_caribbean")
    page.get_by_label("Prefer not to say", exact=True).check()
    hub.submit("Save equality monitoring")
    expect(main).to_contain_text("Equality monitoring recorded for S100001")
    summary = main.locator("dl.govuk-summary-list").nth(1)
    expect(summary).to_contain_text(
        "Black, Black British, Black Welsh, Caribbean or African: Caribbean"
    )
    expect(summary).to_contain_text("Prefer not to say")
    hub.screenshot("om-equality-monitoring")
    hub.sign_out()


def test_an_analyst_reads_who_is_served(hub):
    page = hub.page
    hub.sign_in("An analyst")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports for analysts")
    hub.click("link", name="Who is served")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is served")
    main = page.locator("main")
    page.get_by_text("Why some figures are suppressed").click()
    hub.axe()
    expect(main).to_contain_text("a count of 1 to 4 is not published")
    expect(main.get_by_role("link", name="Download the who is served report as CSV")).to_be_visible()
    if main.locator("table").count() > 0:
        expect(main.locator("table").first).to_contain_text("Ethnic group: White")
    hub.screenshot("analyst-equality-report")
    # The other reports open too; the commissioner's other pages do not.
    hub.goto("/commissioner/reports/spend")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spend")
    response = page.goto(hub.url("/commissioner/approvals"))
    assert response.status == 403
    response = page.goto(hub.url("/om"))
    assert response.status == 403
    hub.goto("/analyst")
    hub.sign_out()
