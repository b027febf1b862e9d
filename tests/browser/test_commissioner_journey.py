"""The commissioner's journey, end to end in a browser: the budgets by area and year, the
orders awaiting budget approval and an approval, an area's matching policy (a refused
setting shows the use case's reason), a batch matching run and its saving, the four
reports — each a chart with a title, the same figures as a table and a CSV download of
the report's rows — and a reoffending record refused on its field; and, with the keyboard alone, a report narrowed
and downloaded and a policy set. No step needs JavaScript; axe runs on every page
reached."""

import csv
import io
import re

from playwright.sync_api import expect

COMMISSIONER = "A commissioner"
# A provider of the demo market with an offer waiting (money advice in Barnsley).
PROVIDER = "Dearne Valley Money Advice"


def error_summary(page, text, field):
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text)
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#" + field)
    expect(page).to_have_title(re.compile("^Error: "))


def banner(page, text):
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def pence(text):
    """`£1,234.50` → 123450; `−£40` → -4000."""
    text = text.strip().splitlines()[0]
    sign = -1 if text.startswith("−") else 1
    text = text.lstrip("−").replace("£", "").replace(",", "")
    pounds, _, fraction = text.partition(".")
    return sign * (int(pounds) * 100 + int((fraction + "00")[:2]))


def test_commissioner_approves_sets_a_policy_runs_a_batch_and_reads_the_reports(hub):
    page = hub.page

    # Budgets: the demo gives Barnsley a small budget, with orders waiting for approval.
    hub.sign_in(COMMISSIONER)
    expect(page).to_have_url(re.compile("/commissioner$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Budgets")
    budgets = page.locator("main table")
    expect(budgets).to_contain_text("Barnsley (SY-BAR)")
    for column in ["Allocated", "Committed", "Offered", "Spent", "Remaining"]:
        expect(budgets.locator("thead")).to_contain_text(column)
    expect(page.locator(".govuk-inset-text")).to_contain_text("wait for your budget approval")
    hub.screenshot("commissioner-budgets")
    remaining_before = pence(budgets.locator("tbody tr").first.locator("td").last.inner_text())

    # Approvals: the orders waiting, one approved; it is offered at once.
    hub.click("link", name="See the orders awaiting approval")
    rows = page.locator("main table tbody tr")
    waiting = rows.count()
    assert waiting >= 1
    with page.expect_navigation():
        rows.first.get_by_role("link").click()
    hub.axe()
    order_id = page.locator(".govuk-caption-l").inner_text().replace("Order ", "").strip()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Awaiting budget approval")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Area's remaining budget")
    hub.submit("Approve the spend")
    banner(page, f"Order {order_id} approved")
    expect(page.locator("main")).not_to_contain_text(order_id + ",")
    assert page.locator("main table tbody tr").count() == waiting - 1 or waiting == 1
    # The budget now holds the approved order's offer.
    hub.click("link", name="Budgets")
    remaining_after = pence(page.locator("main table tbody tr").first.locator("td").last.inner_text())
    assert remaining_after < remaining_before, (remaining_before, remaining_after)

    # A matching policy: all-zero weights are refused in the use case's words; then set.
    hub.click("link", name="Policies")
    expect(page.locator("main table")).to_contain_text("Best price")
    hub.click("link", name="Change the policy of Barnsley")
    page.get_by_label("Best value").check()
    for field in ["Price weight", "Quality weight", "Days-to-start weight"]:
        page.get_by_label(field).fill("0")
    hub.submit("Save the policy")
    error_summary(page, "At least one weight must be above 0", "price_weight")
    page.get_by_label("Price weight").fill("1")
    page.get_by_label("Quality weight").fill("500")
    hub.submit("Save the policy")
    banner(page, "SY-BAR's matching policy is now Best value (price 1, quality 500")
    expect(page.locator("main table")).to_contain_text("Best value (price 1, quality 500, days to start 0, continuity £50)")

    # A batch run over Doncaster's open and unmatched orders, and its saving.
    hub.click("link", name="Batch matching")
    page.get_by_label("Orders of").select_option("SY-DON")
    hub.submit("Run batch matching")
    expect(page.locator(".govuk-caption-l")).to_contain_text("Batch matching run")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Doncaster (SY-DON)")
    expect(page.locator("#saving")).to_contain_text(re.compile(r"−?£[\d,]+"))
    expect(page.locator("#held-for-budget")).to_contain_text(re.compile(r"^\d+"))
    expect(page.locator(".govuk-warning-text")).to_have_count(0)
    hub.screenshot("commissioner-batch-run")

    # A provider of the demo (not one the other journeys use) accepts an offer, so there
    # is spend to report.
    hub.sign_out()
    hub.sign_in(PROVIDER)
    with page.expect_navigation():
        page.locator("main table tbody tr").first.get_by_role("link").click()
    hub.submit("Accept the offer")
    expect(page.locator(".govuk-panel")).to_contain_text("Offer accepted")
    order_id = page.locator(".govuk-panel strong").inner_text().strip()
    assert order_id.startswith("ord_")
    # It delivers the order to its specification's standard (started, then attended
    # sessions until completion is no longer refused), so there is an outcome to record.
    hub.click("link", name=f"Go to order {order_id}")
    page.get_by_label(re.compile("^Started")).check()
    hub.submit("Report")
    banner(page, "Started reported")
    for _ in range(40):
        page.get_by_label(re.compile("^Completed")).check()
        hub.submit("Report")
        if page.locator(".govuk-error-summary").count() == 0:
            break
        expect(page.locator(".govuk-error-summary")).to_contain_text("still owed")
        page.get_by_label(re.compile("^Attended")).check()
        page.get_by_label(re.compile("^Session length in minutes")).fill("600")
        hub.submit("Report")
        banner(page, "Attended reported")
    banner(page, "Completed reported")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Completed")
    hub.sign_out()
    hub.sign_in(COMMISSIONER)

    # The reports: each a chart (an image with a title), a table, and a CSV download
    # holding the table's rows.
    hub.click("link", name="Reports")
    for name, slug in [
        ("Spend", "spend"),
        ("Unmet demand", "unmet-demand"),
        ("Waiting times", "waiting-times"),
        ("Providers", "providers"),
    ]:
        hub.goto(f"/commissioner/reports/{slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        chart = page.locator("main svg[role=img]")
        expect(chart).to_have_count(1)
        title_id = chart.get_attribute("aria-labelledby").split()[0]
        assert page.locator(f"#{title_id}").text_content().strip()
        tables = page.locator("main table")
        assert tables.count() >= 1
        link = page.get_by_role("link", name=re.compile(f"Download the {name.lower()} report as CSV"))
        with page.expect_download() as download:
            link.click()
        body = open(download.value.path(), encoding="utf-8").read()
        rows = list(csv.reader(io.StringIO(body)))
        assert len(rows) >= 2, body
        # The detailed table (the last) has one row per CSV row, plus any totals row.
        detail = tables.last.locator("tbody tr")
        assert detail.count() in (len(rows) - 1, len(rows)), (slug, detail.count(), len(rows))
        if slug in ("spend", "unmet-demand"):
            hub.screenshot(f"commissioner-report-{slug}")
        if slug == "unmet-demand":
            # The grid prints each cell's count: never colour alone.
            cells = page.locator("main svg text[font-size='16']")
            assert cells.count() >= 1
            total_in_grid = sum(int(t) for t in cells.all_text_contents())
            total_in_csv = sum(int(r[2]) + int(r[3]) for r in rows[1:])
            assert total_in_grid == total_in_csv, (total_in_grid, total_in_csv)

    # A filter that runs backwards is refused with the use case's words.
    hub.goto("/commissioner/reports/spend?from=2026-12-01&to=2026-11-01")
    error_summary(page, "The first day must be on or before", "from")

    # Outcomes are the person's, recorded once their measurement period is over (see
    # test_outcomes.py): the form refuses what it cannot record, on the field.
    hub.click("link", name="Outcomes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    hub.click("button", name="Record reoffending")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record reoffending")
    hub.submit("Record reoffending")
    error_summary(page, "Enter the case reference number", "crn")
    page.get_by_label("Case reference number").fill("Z999999")
    page.get_by_label("Proven reoffences in the period").fill("0")
    hub.submit("Record reoffending")
    error_summary(page, "No person with case reference Z999999", "crn")
    hub.sign_out()


def test_the_commissioner_narrows_a_report_downloads_it_and_sets_a_policy_by_keyboard(hub):
    """Keyboard alone (Tab, arrow keys, Space, Enter): every stop shows the focus style."""
    from test_keyboard import Keyboard

    page = hub.page
    keys = Keyboard(hub)
    hub.goto("/sign-in")
    keys.choose_radio("person", COMMISSIONER)
    keys.tab_to_text("Sign in")
    keys.activate()
    expect(page.get_by_role("heading", level=1)).to_have_text("Budgets")

    # A report narrowed to an area with the select's arrow keys, then downloaded.
    keys.tab_to_text("Reports")
    keys.activate()
    keys.tab_to_text("Unmet demand")
    keys.activate()
    keys.tab_to_id("area")
    # Down the list to the first South Yorkshire area (other journeys may add areas).
    for _ in range(30):
        keys.press("ArrowDown")
        if page.locator("#area").input_value().startswith("SY-"):
            break
    keys.tab_to_text("Show the report")
    keys.activate()
    expect(page).to_have_url(re.compile(r"area=SY-"))
    expect(page.locator("main svg[role=img]")).to_have_count(1)
    keys.tab_to(lambda f: f["text"].startswith("Download the unmet demand report"), "the download link")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert open(download.value.path(), encoding="utf-8").read().startswith("area,category,")

    # A policy set back to best price: a radio chosen with the arrow keys, saved with Space.
    keys.tab_to_text("Policies")
    keys.activate()
    keys.tab_to(lambda f: f["text"].startswith("Change") and "Barnsley" in f["text"], "Barnsley's change link")
    keys.activate()
    keys.choose_radio("policy", "Best price")
    keys.tab_to_text("Save the policy")
    keys.activate("Space")
    banner(page, "SY-BAR's matching policy is now Best price")
    assert keys.stops >= 10
