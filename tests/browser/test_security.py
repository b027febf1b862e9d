"""What belongs in a browser: the strict CSP holds on real pages (no refused resource),
a form posted without the session's CSRF token is refused, sign-out ends the session,
and the pages of one role are closed to another."""

import re

from playwright.sync_api import expect

from conftest import HUB_URL

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"


def test_pages_keep_a_strict_csp_with_nothing_refused(strict_page):
    refused = []
    strict_page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    response = strict_page.goto(HUB_URL + "/")
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    strict_page.goto(HUB_URL + "/sign-in")
    strict_page.get_by_label("Offender manager 1 in Sheffield", exact=True).check()
    strict_page.get_by_role("button", name="Sign in").click()
    expect(strict_page.get_by_role("heading", level=1)).to_contain_text("Caseload")
    # The stylesheet applied: GOV.UK's font and header came through the CSP.
    font = strict_page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" in font or "arial" in font.lower()
    assert refused == []
    # Swagger UI keeps working under its own headers.
    docs = strict_page.goto(HUB_URL + "/docs/")
    assert docs.status == 200
    assert docs.headers.get("content-security-policy") != CSP


def test_a_form_without_the_session_csrf_token_is_refused(hub):
    page = hub.page
    hub.sign_in("Offender manager 1 in Sheffield")
    hub.goto("/om/cases/new")
    page.locator("form[action='/om/cases/new'] input[name=csrf_token]").evaluate("e => e.value = 'forged'")
    page.get_by_label("Case reference number (CRN)").fill("V111111")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("1980")
    with page.expect_navigation():
        response_holder = page.get_by_role("button", name="Register the case").click()
    hub.axe()
    expect(page.get_by_role("heading", level=1)).to_have_text("This form has expired")
    # Nothing was registered.
    response = hub.goto("/om/cases/V111111")
    assert response.status == 404
    assert response_holder is None


def test_sign_out_ends_the_session_and_roles_keep_to_their_pages(hub):
    page = hub.page
    hub.sign_in("The quality team")
    response = hub.goto("/om")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
    hub.goto("/home")
    hub.sign_out()
    expect(page).to_have_url(re.compile(r"/\?signed-out=yes$"))
    response = page.goto(HUB_URL + "/om")
    expect(page).to_have_url(HUB_URL + "/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert response.status == 200
