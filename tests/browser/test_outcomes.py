"""Outcomes per person in a browser: a commissioner uploads reoffending data as a CSV
file, follows its progress until it is done, and reads the refused rows with their line
and reason; the outcomes list and the record form are reachable from the navigation. No
step needs JavaScript; axe runs on every page reached."""

import re
import time

from playwright.sync_api import expect

COMMISSIONER = "A commissioner"


def test_a_commissioner_uploads_reoffending_data_and_reads_the_refused_rows(hub, tmp_path):
    page = hub.page
    hub.sign_in(COMMISSIONER)
    hub.click("link", name="Outcomes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    hub.screenshot("commissioner-outcomes")

    # No file: refused on the field.
    hub.click("button", name="Upload reoffending data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload reoffending data")
    hub.submit("Upload")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select a CSV file")
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#file")

    # A file whose rows are all refused, each for its own reason: the upload still runs
    # to the end.
    data = tmp_path / "reoffending.csv"
    data.write_text(
        "crn,period_start,proven_reoffences\n"
        "Z999991,,0\n"
        "Z999992,,=1+1\n"
        "Z999993,not-a-date,1\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV file").set_input_files(str(data))
    hub.submit("Upload")
    expect(page).to_have_url(re.compile("/commissioner/outcomes/uploads/rup_"))
    for _ in range(60):
        if "recorded" in page.get_by_role("heading", level=1).inner_text() and "Recording" not in page.get_by_role("heading", level=1).inner_text():
            break
        time.sleep(0.5)
        hub.click("link", name="Refresh to see how far it got")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reoffending data recorded")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("no person Z999991 on the hub")
    expect(rows.nth(1)).to_contain_text("spreadsheet formula")
    expect(rows.nth(2)).to_contain_text("is not a date")
    expect(page.locator(".govuk-summary-list")).to_contain_text("3 of 3")
    hub.screenshot("commissioner-reoffending-upload")
    hub.sign_out()
