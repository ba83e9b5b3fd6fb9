"""The portal in a real browser: field work end to end, manager controls, phone screens.

Headless chromium (Debian's) against `live_server`. Screenshots of every main page
land in artifacts/screenshots/ (git-ignored) for a person to look at.
"""

import contextlib
import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from distribution.models import DistributionLog
from distribution.services import FAILURE_MESSAGES

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"chromium not found at {CHROMIUM} (apt-get install chromium, or set "
        "CHROMIUM_EXECUTABLE); playwright cannot download a browser here",
    ),
]

PASSWORD = "correct-horse-battery"
PHONE_WIDTH = 360
SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}{reverse('home')}")


def dashboard_stock(page, live_server, package_name):
    page.goto(f"{live_server.url}{reverse('home')}")
    return int(
        page.locator(f'#dashboard-stock tr[data-package="{package_name}"] .on-hand').inner_text()
    )


def wait_for_live_checks(page):
    """Let the checks the page fires on load answer before acting (see the race test)."""
    page.wait_for_load_state("networkidle")


def post_as_page(page, url, data):
    """POST from the signed-in browser session, with its CSRF token, as a tampering user would."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(url, form=data, headers={"X-CSRFToken": token}, max_redirects=0)


# ------------------------------------------------------------------------ field work


def test_worker_finds_household_by_phone_distributes_and_is_refused_twice(
    page, live_server, portal
):
    log_in(page, live_server, "worker")
    before = dashboard_stock(page, live_server, "Food basket")

    page.get_by_role("link", name="Find a household").click()
    page.fill("#id_q", "(312) 555-0142")  # registered as +1 312 555 0142
    page.press("#id_q", "Enter")
    page.get_by_role("link", name="Okafor").click()
    expect(page.locator("h1")).to_contain_text("Okafor")

    page.get_by_role("link", name="Distribute to this household").click()
    expect(page.locator("#household-picker")).to_contain_text("Okafor")
    wait_for_live_checks(page)
    page.select_option("#id_package", label="Food basket (Food)")
    expect(page.locator("#check-result")).to_contain_text("Eligible for Food basket.")
    page.get_by_role("button", name="Record distribution").click()

    expect(page.locator("#receipt-number")).to_be_visible()  # the POST has been answered
    log = DistributionLog.objects.latest("pk")
    expect(page.locator("#receipt-number")).to_have_text(f"#{log.pk}")
    expect(page.locator("main")).to_contain_text("Okafor")
    assert (log.household, log.transaction_status) == (portal.household, "success")
    assert dashboard_stock(page, live_server, "Food basket") == before - 1

    page.goto(f"{live_server.url}{reverse('distribution:new')}?household={portal.household.pk}")
    wait_for_live_checks(page)
    page.select_option("#id_package", label="Food basket (Food)")
    expect(page.locator("#check-result")).to_contain_text("Not eligible")
    page.get_by_role("button", name="Record distribution").click()

    expect(page.locator("#refusal")).to_have_text(FAILURE_MESSAGES["not_eligible"])
    expect(page.locator("#id_package")).to_have_value(str(portal.package.pk))
    assert dashboard_stock(page, live_server, "Food basket") == before - 1


def test_distribute_page_finds_household_as_you_type(page, live_server, portal):
    log_in(page, live_server, "volunteer")
    page.goto(f"{live_server.url}{reverse('distribution:new')}")

    page.fill("#id_household_query", "312.555.0142")
    page.get_by_role("link", name=re.compile("Okafor")).click()

    expect(page.locator("#household-picker")).to_contain_text(f"#{portal.household.pk}")
    wait_for_live_checks(page)
    page.select_option("#id_package", label="Food basket (Food)")
    expect(page.locator("#check-result")).to_contain_text("Eligible for Food basket.")
    expect(page.locator("#on-hand")).to_have_text("19")


def test_slow_load_check_does_not_hide_the_newer_answer(page, live_server, portal):
    held = []

    def hold_checks_without_package(route):
        query = parse_qs(urlsplit(route.request.url).query)
        if query.get("package", [""])[0]:
            route.continue_()
        else:
            held.append(route)  # answered late, as on a slow connection

    page.route(re.compile(r"/distribution/new/check/"), hold_checks_without_package)
    log_in(page, live_server, "worker")
    page.goto(f"{live_server.url}{reverse('distribution:new')}?household={portal.household.pk}")
    page.select_option("#id_package", label="Food basket (Food)")
    check = page.locator("#check-result")
    expect(check).to_contain_text("Eligible for Food basket.")
    assert held, "the page fired no check on load"

    for route in held:
        with contextlib.suppress(PlaywrightError):  # aborted by the page: fine
            route.continue_()
    page.wait_for_load_state("networkidle")

    expect(check).to_contain_text("Eligible for Food basket.", timeout=2_000)


# ------------------------------------------------------------------ manager controls


def test_manager_restocks_and_voids(page, live_server, portal):
    log_in(page, live_server, "manager")
    page.get_by_role("link", name="Inventory", exact=True).first.click()
    page.get_by_role("link", name="Restock").click()
    page.select_option("#id_package", label="Food basket (Food)")
    page.fill("#id_quantity", "10")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".alert-success")).to_contain_text("Added 10 × Food basket; 29 on hand.")
    row = page.locator('#stock-table tr[data-package="Food basket"] .on-hand')
    expect(row).to_have_text("29")

    page.goto(f"{live_server.url}{reverse('distribution:log')}")
    page.locator(f'a[href="{reverse("distribution:void", args=[portal.log.pk])}"]').click()
    page.fill("#id_reason", "Recorded for the wrong family")
    page.get_by_role("button", name="Void distribution").click()

    expect(page.locator(".alert-success")).to_contain_text(f"Distribution #{portal.log.pk} voided")
    assert DistributionLog.objects.filter(voided_log=portal.log).exists()
    page.goto(f"{live_server.url}{reverse('inventory:stock')}")
    expect(row).to_have_text("30")


def test_volunteer_sees_no_manager_controls_and_cannot_post_them(page, live_server, portal):
    log_in(page, live_server, "volunteer")
    page.goto(f"{live_server.url}{reverse('inventory:stock')}")
    expect(page.locator("#stock-table")).to_be_visible()
    expect(page.get_by_role("link", name="Restock")).to_have_count(0)
    expect(page.get_by_role("link", name="Adjust")).to_have_count(0)
    page.goto(f"{live_server.url}{reverse('distribution:log')}")
    expect(page.get_by_role("link", name="Void")).to_have_count(0)

    restock = post_as_page(
        page,
        f"{live_server.url}{reverse('inventory:restock', args=[portal.center.pk])}",
        {"package": str(portal.package.pk), "quantity": "10"},
    )
    void = post_as_page(
        page,
        f"{live_server.url}{reverse('distribution:void', args=[portal.log.pk])}",
        {"reason": "not allowed"},
    )

    assert restock.status == 403
    assert "Only a manager of this center or an admin can change its stock." in restock.text()
    assert void.status == 403
    assert "Only a manager of this center or an admin can void" in void.text()
    portal.inventory.refresh_from_db()
    assert portal.inventory.quantity_on_hand == 19
    assert not DistributionLog.objects.filter(voided_log=portal.log).exists()


# ------------------------------------------------------------- every main page, phone


def main_pages(world):
    """(name, role, path) of every main page; role None is signed out."""
    refused = f"{reverse('distribution:new')}?household={world.served.pk}"
    return [
        ("login", None, reverse("login")),
        ("dashboard", "manager", reverse("home")),
        ("households", "manager", f"{reverse('households:list')}?q=a"),
        ("household-detail", "manager", reverse("households:detail", args=[world.served.pk])),
        ("household-register", "manager", reverse("households:create")),
        ("household-edit", "manager", reverse("households:edit", args=[world.household.pk])),
        ("distribute", "worker", reverse("distribution:new")),
        ("distribute-chosen", "worker", refused),
        ("receipt", "worker", reverse("distribution:receipt", args=[world.log.pk])),
        ("log", "manager", reverse("distribution:log")),
        ("void", "manager", reverse("distribution:void", args=[world.log.pk])),
        ("inventory", "manager", reverse("inventory:stock")),
        ("restock", "manager", reverse("inventory:restock", args=[world.center.pk])),
        ("adjust", "manager", reverse("inventory:adjust", args=[world.inventory.pk])),
        ("centers", "manager", reverse("centers:list")),
        ("center-detail", "manager", reverse("centers:detail", args=[world.center.pk])),
        ("packages", "manager", reverse("inventory:packages")),
        ("package-detail", "manager", reverse("inventory:package_detail", args=[world.package.pk])),
        ("password-change", "worker", reverse("password_change")),
        ("admin-dashboard", "admin", reverse("home")),
        ("forbidden-403", "volunteer", reverse("inventory:restock", args=[world.center.pk])),
        ("not-found-404", "worker", "/households/2000000000/"),
        ("admin-site", "manager", reverse("admin:index")),
    ]


def visit_main_pages(browser, live_server, world, width, height):
    """Yield (name, page) for every main page, signed in as its role, at the given size."""
    pages = {}
    try:
        for name, role, path in main_pages(world):
            if role not in pages:
                context = browser.new_context(viewport={"width": width, "height": height})
                pages[role] = context.new_page()
                pages[role].set_default_timeout(15_000)
                if role is not None:
                    log_in(pages[role], live_server, world.staff[role].user.username)
            page = pages[role]
            page.goto(f"{live_server.url}{path}")
            if name.startswith("distribute"):
                wait_for_live_checks(page)  # the htmx checks fill in part of the page
            yield name, page
    finally:
        for page in pages.values():
            page.context.close()


OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if ((x === 'auto' || x === 'scroll') && p !== document.documentElement
          && p !== document.body) return true;
    }
    return false;
  };
  const clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    // checkVisibility: a closed <details> menu keeps its boxes but shows nothing.
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    if (box.width && box.right > width + 1 && !scrolls(el)) {
      const classes = typeof el.className === 'string' && el.className
        ? '.' + el.className.split(' ').join('.') : '';
      clipped.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes
        + ' right=' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, clipped: clipped.slice(0, 5)};
}"""


def test_main_pages_fit_a_360px_screen(browser, live_server, portal):
    """No sideways scrolling and nothing cut off at the right edge of a 360 px phone.

    static/css/portal.css sets `overflow-x: hidden` on html and body, which clamps
    document.documentElement.scrollWidth to the viewport: it can hide overflow rather
    than show it. So the test also looks for elements that reach past the right edge
    outside a scrolling container (wide tables scroll inside .table-responsive).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide, clipped = {}, {}
    for name, page in visit_main_pages(browser, live_server, portal, PHONE_WIDTH, 780):
        page.screenshot(path=SCREENSHOTS / f"{name}-{PHONE_WIDTH}.png", full_page=True)
        measured = page.evaluate(OVERFLOW_SCRIPT)
        if measured["scrollWidth"] > PHONE_WIDTH:
            too_wide[name] = measured["scrollWidth"]
        if measured["clipped"]:
            clipped[name] = measured["clipped"]

    assert too_wide == {}, "pages scroll sideways at 360 px"
    assert clipped == {}, "content is cut off at the right edge at 360 px"


def test_screenshot_every_main_page_on_a_desktop(browser, live_server, portal):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    names = []
    for name, page in visit_main_pages(browser, live_server, portal, 1280, 800):
        path = SCREENSHOTS / f"{name}-1280.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 0
        names.append(name)
    assert len(names) == len(main_pages(portal))


SMALL_TARGETS_SCRIPT = """(minimum) => {
  const small = [];
  for (const el of document.querySelectorAll(
      'main button, main input:not([type=hidden]), main select, main textarea, main a.btn')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.height < minimum) {
      small.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + ' ' + Math.round(box.height) + 'px');
    }
  }
  return small;
}"""


def test_form_controls_are_large_tap_targets_on_a_phone(browser, live_server, portal):
    small = {}
    for name, page in visit_main_pages(browser, live_server, portal, PHONE_WIDTH, 780):
        found = page.evaluate(SMALL_TARGETS_SCRIPT, 44)
        if found:
            small[name] = found
    assert small == {}
