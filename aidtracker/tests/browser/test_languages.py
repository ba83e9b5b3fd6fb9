"""Every portal page in every language, on a phone and on a desktop, in a real browser.

For English, French, Spanish and Arabic at 360x800 and 1280x900, every page a demo
role can open (the 200 cells of the permission matrix, each page once, by the least
privileged role that opens it) must carry the right `lang` and `dir`, have no element
wider than the screen (no sideways scrolling, not even inside a scrolling box; Django
admin's change lists excepted, which scroll inside their box by design), and,
in Arabic, no English in its visible text beyond names, codes and the world's own
data. Screenshots land in artifacts/screenshots/languages/ for a person to look at.
Then a worker whose browser speaks each language serves a household on a phone and
prints the receipt.
"""

import os
import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from aidtracker.tests.test_permission_matrix import MATRIX, QUERIES, ROLES, TARGETS
from centers.models import DistributionCenter, StaffMember
from distribution.models import DistributionLog
from households.import_models import HouseholdImport
from households.models import Household
from inventory.models import AidPackage

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
LANGUAGES = [code for code, _ in settings.LANGUAGES]
RIGHT_TO_LEFT = {"ar"}
VIEWPORTS = [(360, 800), (1280, 900)]
SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots" / "languages"
SIGNED_IN_ROLES = ("volunteer", "worker", "manager", "admin")

# Latin words an Arabic page may show besides the world's own data: the product's
# name, file formats and codes people type or read as they are, and the other
# languages' names in the switcher.
ALLOWED_LATIN = {
    "AidTracker", "HXL", "CSV", "XLSX", "HTML", "JSON", "QR", "ID", "kg", "UTC", "UTF",
    "TR",  # transfer numbers, TR-000012
    "E",  # E.164, the international phone number format
    "SQLite", "MariaDB", "MySQL", "InnoDB", "Galera",  # the system status page
    "English", "Français", "Español",
}  # fmt: skip
# Text a person reads or types exactly as it is: codes, column names of the import
# file, and the numbers, phone numbers and codes kept left to right (`|ltr`).
VERBATIM = "code, kbd, samp, bdi.ltr"
VISIBLE_TEXT_SCRIPT = """(verbatim) => {
  const hidden = [...document.querySelectorAll(verbatim)];
  const before = hidden.map((el) => el.style.display);
  hidden.forEach((el) => { el.style.display = 'none'; });
  const text = document.body.innerText;
  hidden.forEach((el, i) => { el.style.display = before[i]; });
  return text;
}"""

# Every element's box against the viewport, scrolling containers included: a list that
# only fits by scrolling sideways inside its box fails too.
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    // checkVisibility: a closed <details> menu keeps its boxes but shows nothing.
    if (!box.width || !el.checkVisibility({visibilityProperty: true})) continue;
    if (box.right > width + 1 || box.left < -1 || el.scrollWidth > el.clientWidth + 1
        && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) {
      const classes = typeof el.className === 'string' && el.className
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes
        + ' [' + Math.round(box.left) + ', ' + Math.round(box.right) + ']');
    }
  }
  return wide.slice(0, 5);
}"""


def pages_to_visit(world):
    """(url name, role, path) for every page some signed-in role opens with a 200."""
    found = []
    for (method, name), outcomes in MATRIX.items():
        if method != "GET":
            continue
        by_role = dict(zip(ROLES, outcomes, strict=True))
        role = next((role for role in SIGNED_IN_ROLES if by_role[role] == 200), None)
        if role is None:
            continue
        path = reverse(name, kwargs=TARGETS.get(name, lambda w: {})(world))
        query = QUERIES.get(name, lambda w: {})(world)
        if query:
            path += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        found.append((name, role, path))
    return found


def world_words():
    """Latin words of the world's own data (names, places, packages): shown as typed."""
    texts = []
    for household in Household.objects.all():
        texts += [household.family_name, household.primary_contact_name, household.city]
        texts += [household.address, household.state, household.email or ""]
    for staff in StaffMember.objects.select_related("user"):
        texts += [staff.first_name, staff.last_name, staff.email]
        texts += [staff.user.username if staff.user else ""]
    for center in DistributionCenter.objects.all():
        texts += [center.center_name, center.city, center.address]
    for package in AidPackage.objects.all():
        texts += [package.package_name, package.description or ""]
    texts += list(Household.objects.values_list("members__full_name", flat=True))
    texts += list(HouseholdImport.objects.values_list("file_name", flat=True))
    return {word for text in texts if text for word in latin_words(text)}


def latin_words(text):
    """Words with a Latin letter in them, whole (Español is one word, not two)."""
    words = re.findall(r"[^\W\d_]+", text)
    return [word for word in words if any("a" <= c.lower() <= "z" for c in word)]


def english_left(text, allowed):
    """Latin words that are not allowed; case-blind (CSS may upper-case a heading)."""
    allowed = {word.lower() for word in allowed}
    return sorted({word for word in latin_words(text) if word.lower() not in allowed})


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}{reverse('home')}")


# url name -> whether it answers a whole HTML page; the same in every language.
HTML_PAGES = {}


def is_html_page(page, name, url):
    """Fragments (htmx answers) and downloads are not pages of their own."""
    if name not in HTML_PAGES:
        response = page.request.get(url, max_redirects=0)
        HTML_PAGES[name] = (
            response.status == 200
            and response.headers.get("content-type", "").startswith("text/html")
            and "<html" in response.text()
        )
    return HTML_PAGES[name]


def settle(page):
    """Wait for the page's own htmx requests (live checks, panels) to answer.

    Not "networkidle": the import page polls its progress every second and never idles.
    """
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_the_language_and_fits_the_screen(
    browser, live_server, portal, language, viewport
):
    width, height = viewport
    folder = SCREENSHOTS / f"{language}-{width}"
    folder.mkdir(parents=True, exist_ok=True)
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    wrong_language, too_wide, english, visited = {}, {}, {}, []
    contexts = {}
    try:
        anonymous = browser.new_context(
            viewport={"width": width, "height": height}, locale=language
        ).new_page()
        contexts[None] = anonymous
        targets = [("login", None, reverse("login")), *pages_to_visit(portal)]
        allowed = ALLOWED_LATIN | world_words()  # after the targets made their objects
        for name, role, path in targets:
            if role not in contexts:
                context = browser.new_context(
                    viewport={"width": width, "height": height}, locale=language
                )
                contexts[role] = context.new_page()
                log_in(contexts[role], live_server, portal.staff[role].user.username)
            page = contexts[role]
            url = f"{live_server.url}{path}"
            if not is_html_page(page, name, url):
                continue
            page.goto(url)
            settle(page)
            visited.append(name)
            page.screenshot(path=folder / f"{name.replace(':', '-')}.png", full_page=True)
            attributes = page.evaluate(
                "() => [document.documentElement.lang, document.documentElement.dir]"
            )
            if attributes != [language, direction]:
                wrong_language[name] = attributes
            # Django's own admin scrolls its change lists inside their box by design;
            # the portal's lists may not.
            wide = [] if name.startswith("admin:") else page.evaluate(OVERFLOW_SCRIPT)
            if wide:
                too_wide[name] = wide
            if language in RIGHT_TO_LEFT:
                text = page.evaluate(VISIBLE_TEXT_SCRIPT, VERBATIM)
                left = english_left(text, allowed)
                if left:
                    english[name] = left
    finally:
        for page in contexts.values():
            page.context.close()

    assert len(visited) > 20, f"only {visited} were pages: the walk is broken"
    assert wrong_language == {}, "pages with the wrong lang/dir"
    assert too_wide == {}, f"elements wider than {width} px"
    assert english == {}, "English left on Arabic pages"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_a_worker_serves_a_household_in_their_language_on_a_phone(
    browser, live_server, portal, language
):
    """The worker's browser speaks `language`: sign in, serve, print the receipt."""
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, "worker")
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.goto(f"{live_server.url}{reverse('distribution:new')}?household={portal.household.pk}")
        settle(page)
        page.select_option("#id_package", value=str(portal.package.pk))
        settle(page)
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator("#receipt-number")).to_be_visible()
        log = DistributionLog.objects.latest("pk")
        assert (log.household, log.transaction_status) == (portal.household, "success")
        expect(page.locator("#receipt-number")).to_contain_text(str(log.pk))
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", "rtl" if language in RIGHT_TO_LEFT else "ltr")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"receipt-{language}-360.png", full_page=True)
        if language in RIGHT_TO_LEFT:
            text = page.evaluate(VISIBLE_TEXT_SCRIPT, VERBATIM)
            left = english_left(text, ALLOWED_LATIN | world_words())
            assert left == [], f"English on the Arabic receipt: {left}"
    finally:
        context.close()
