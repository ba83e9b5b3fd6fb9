"""A household visit in a real browser on a phone-sized screen: scan a card, serve a basket.

Chromium's fake camera plays a video the test makes from the card's own QR code, so
the page's camera path (BarcodeDetector where the browser has it, jsQR otherwise)
reads a real image. The keyboard-scanner path types the code and Enter.
"""

import os

import pytest
import segno
from django.urls import reverse
from playwright.sync_api import expect

from distribution.models import DistributionLog, Visit
from households.services import issue_card
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .test_flows import PHONE_WIDTH, SCREENSHOTS, log_in

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

WIDTH, HEIGHT = 640, 480


def qr_video(code, path, *, frames=3):
    """Write a Y4M video (Chromium's fake camera format) showing the QR code of `code`."""
    matrix = segno.make_qr(code, error="m").matrix
    modules = len(matrix) + 8  # a quiet zone of four modules on each side
    scale = min(WIDTH, HEIGHT) * 8 // 10 // modules
    left, top = (WIDTH - modules * scale) // 2, (HEIGHT - modules * scale) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if not dark:
                continue
            x0, y0 = left + (column + 4) * scale, top + (row + 4) * scale
            for y in range(y0, y0 + scale):
                luma[y * WIDTH + x0 : y * WIDTH + x0 + scale] = b"\x00" * scale
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


@pytest.fixture
def visit_world(portal, admin_staff):
    """The portal's household with a card, and a third package stocked at its center."""
    water = AidPackageFactory(package_name="Water kit", category="hygiene")
    restock(center=portal.center, package=water, quantity=9, staff=admin_staff)
    card = issue_card(household=portal.household, staff=portal.staff["worker"])
    return portal, card


@pytest.fixture
def camera_page(launch_browser, visit_world, tmp_path):
    _, card = visit_world
    video = tmp_path / "card.y4m"
    qr_video(card.code, video)
    browser = launch_browser(
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
    )
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 740})
    context.grant_permissions(["camera"])
    page = context.new_page()
    yield page
    context.close()
    browser.close()


def serve_three_and_check_the_receipt(page, world):
    expect(page.locator("#visit-household")).to_contain_text("Okafor")
    lines = page.locator("#basket .visit-line")
    expect(lines).to_have_count(3)
    page.fill("#id_collected_by", "Ngozi Okafor")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "visit-360.png", full_page=True)
    page.click("#serve-visit")
    expect(page.locator("h1")).to_contain_text("Visit receipt")
    expect(page.locator("#visit-lines tbody tr")).to_have_count(3)
    expect(page.locator("#visit-lines")).not_to_contain_text("Failed")
    page.screenshot(path=SCREENSHOTS / "visit-receipt-360.png", full_page=True)
    visit = Visit.objects.get(household=world.household)
    assert visit.collected_by == "Ngozi Okafor"
    assert [log.transaction_status for log in visit.logs] == ["success"] * 3
    assert DistributionLog.objects.filter(visit=visit).count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_phone_camera_scans_the_card_and_serves_a_basket_of_three(
    camera_page, live_server, visit_world
):
    world, _ = visit_world
    page = camera_page
    log_in(page, live_server, "worker")
    page.goto(f"{live_server.url}{reverse('distribution:new')}")
    page.click("#scan-camera")
    page.wait_for_url(f"**{reverse('distribution:visit', args=[world.household.pk])}")
    serve_three_and_check_the_receipt(page, world)


def test_a_keyboard_scanner_types_the_code_and_enter(page, live_server, visit_world):
    world, card = visit_world
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    log_in(page, live_server, "worker")
    page.goto(f"{live_server.url}{reverse('distribution:new')}")
    expect(page.locator("#scan-code")).to_be_focused()
    page.keyboard.type(card.display_code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('distribution:visit', args=[world.household.pk])}")
    serve_three_and_check_the_receipt(page, world)


def test_a_revoked_card_is_refused_with_its_date(page, live_server, visit_world):
    world, old = visit_world
    issue_card(household=world.household, staff=world.staff["worker"])
    log_in(page, live_server, "worker")
    page.goto(f"{live_server.url}{reverse('distribution:new')}")
    page.fill("#scan-code", old.code)
    page.press("#scan-code", "Enter")
    expect(page.locator(".alert-danger")).to_contain_text("This card was revoked on")
