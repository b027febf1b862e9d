"""Differentiated prices and the cherry-picking report in a browser (issue 17): the
quality team sets a specification's price multipliers by risk tier and risk of serious
harm (an out-of-range one refused on its field), the specification page lists them; a
commissioner reads the cherry-picking report — the high-tier shares, declines by tier
and the narrowing index as GOV.UK tables — and downloads it. axe runs on every page."""

import random
import re

from playwright.sync_api import expect

from test_quality_journey import banner, fill_specification, group


def test_quality_team_sets_price_multipliers(hub):
    page = hub.page
    code = "RJ-M" + "".join(random.choice("0123456789") for _ in range(3))
    hub.sign_in("The quality team")
    hub.click("button", name="Create a specification")
    page.get_by_label("Code").fill(code)
    fill_specification(page, "450", "20")
    tiers = group(page, "By risk tier (per cent)")
    risks = group(page, "By risk of serious harm (per cent)")
    expect(tiers.get_by_label("Tier 3", exact=True)).to_have_value("100")
    tiers.get_by_label("Tier 3", exact=True).fill("120")
    tiers.get_by_label("Tier 4", exact=True).fill("301")
    risks.get_by_label("Very high", exact=True).fill("112.5")
    hub.submit("Save as a draft")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Tier 4 multiplier must be 5000-30000 basis points")
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#multiplier-tier-4")
    expect(page).to_have_title(re.compile("^Error: "))
    # What was typed is kept.
    expect(group(page, "By risk tier (per cent)").get_by_label("Tier 3", exact=True)).to_have_value("120")
    group(page, "By risk tier (per cent)").get_by_label("Tier 4", exact=True).fill("150")
    hub.submit("Save as a draft")
    banner(page, f"Draft {code} version 1 created")
    row = page.locator("main tr", has=page.locator("th", has_text="Price multipliers"))
    expect(row).to_contain_text("tier 3 ×1.20")
    expect(row).to_contain_text("tier 4 ×1.50")
    expect(row).to_contain_text("very high risk ×1.125")
    # The edit form shows them again as percentages.
    hub.click("link", name="Edit version 1")
    expect(group(page, "By risk of serious harm (per cent)").get_by_label("Very high", exact=True)).to_have_value("112.5")


def test_commissioner_reads_the_cherry_picking_report(hub):
    page = hub.page
    hub.sign_in("A commissioner")
    hub.goto("/commissioner/reports")
    hub.click("link", name="Cherry-picking", exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cherry-picking")
    for caption in ["High-tier share of offers", "Declines by risk tier", "Eligibility narrowing"]:
        expect(page.locator("caption", has_text=caption)).to_be_visible()
    expect(page.locator("main table").first.locator("thead")).to_contain_text("Market's share")
    # Narrowed to one category, and downloaded as CSV.
    page.get_by_label("Category").select_option("unpaid_work")
    hub.submit("Show the report")
    expect(page).to_have_url(re.compile("category=unpaid_work"))
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the cherry-picking report")).click()
    path = download.value.path()
    with open(path, encoding="utf-8") as f:
        header = f.readline()
    assert header.startswith("provider_id,provider_name,category,offers_made"), header
