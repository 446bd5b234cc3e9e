"""The gallery in a real browser: headless Chromium (the OS's package) driven by Selenium opens a clip page
from a signed link, plays the video to its end, follows the lineage to the parent clip, and saves a
screenshot. `.ci/run` installs chromium and chromium-driver; elsewhere this test skips and says why.

Set REELBOT_SCREENSHOT_DIR=docs to refresh the screenshot README shows (docs/gallery-clip.png)."""
from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from PIL import Image

from bot.gallery.app import create_app
from gallery_fixtures import ALICE, BOB, GUILD, links, make_clip, studio

__all__ = ["links", "studio"]  # fixtures

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium", reason="selenium is in the test extra: pip install -e '.[test]'")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Chromium and its driver from the OS: apt-get install chromium chromium-driver (.ci/run does)",
)
WINDOW = (1280, 900)
# Seconds the browser gets to load, play and navigate; the clip itself lasts 2 s.
WAIT_S = 30


PHONE = (390, 844)


def open_browser(window: tuple[int, int] = WINDOW, *, phone: bool = False):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required", f"--window-size={window[0]},{window[1]}"):
        options.add_argument(flag)
    if phone:
        # Chromium's windows are never narrower than ~500 px; a phone is emulated (as DevTools' device mode).
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": window[0], "height": window[1], "pixelRatio": 1.0}}
        )
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def watch_and_follow(base: str, clip_url: str, parent_id: int, screenshot: Path) -> dict:
    """The browser's part (blocking): returns what it saw."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser = open_browser()
    try:
        browser.get(base + clip_url)
        wait = WebDriverWait(browser, WAIT_S)
        video = browser.find_element(By.ID, "player")
        wait.until(lambda _: browser.execute_script("return arguments[0].readyState >= 1", video))
        duration = browser.execute_script("return arguments[0].duration", video)
        # play() returns a promise; a rejected one (no codec, autoplay refused) is reported, not hung on.
        error = browser.execute_async_script(
            "const [v, done] = arguments; v.muted = true;"
            "v.play().then(() => done(null), e => done(String(e)));",
            video,
        )
        wait.until(lambda _: browser.execute_script("return arguments[0].ended || !!arguments[0].error", video))
        seen = browser.execute_script(
            "const v = arguments[0];"
            "return {ended: v.ended, time: v.currentTime, error: v.error && v.error.message,"
            " width: v.videoWidth, height: v.videoHeight}",
            video,
        )
        browser.save_screenshot(str(screenshot))
        title = browser.find_element(By.TAG_NAME, "h1").text
        browser.find_element(By.CSS_SELECTOR, f'a.lineage-link[data-clip="{parent_id}"]').click()
        wait.until(lambda _: f"/clip/{parent_id}?" in browser.current_url)
        return {
            "duration": duration, "play_error": error, **seen, "title": title,
            "parent_title": browser.find_element(By.TAG_NAME, "h1").text,
            "parent_current": browser.find_element(By.CSS_SELECTOR, "[aria-current=page]").text,
            "console": [entry["message"] for entry in browser.get_log("browser")],
        }
    finally:
        browser.quit()


async def test_a_member_watches_a_clip_to_the_end_and_follows_its_lineage(studio, links, tmp_path):
    parent = await make_clip(studio, ALICE, title="A lighthouse keeper's cat", seconds=2)
    remix = await make_clip(studio, BOB, title="A lighthouse keeper's cat, in noir", parent=parent, seconds=2)
    server = TestServer(create_app(studio, links.signer), host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        shot = tmp_path / "gallery-clip.png"
        seen = await asyncio.to_thread(watch_and_follow, base, links.clip(GUILD, remix.id), parent.id, shot)
    finally:
        await server.close()

    assert seen["play_error"] is None and seen["error"] is None, seen
    assert seen["ended"] and seen["duration"] == pytest.approx(2.0, abs=0.2), seen
    assert seen["time"] == pytest.approx(seen["duration"], abs=0.05) and (seen["width"], seen["height"]) == (160, 96)
    assert seen["title"] == "A lighthouse keeper's cat, in noir"
    assert seen["parent_title"] == "A lighthouse keeper's cat" and seen["parent_current"] == f"#{parent.id} alice"
    # The strict Content-Security-Policy blocked nothing the page itself needs.
    assert not [line for line in seen["console"] if "Content Security Policy" in line], seen["console"]
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.size[0] == WINDOW[0]
    if os.environ.get("REELBOT_SCREENSHOT_DIR"):
        target = Path(os.environ["REELBOT_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target / shot.name)


def phone_pages(base: str, urls: dict[str, str], out_dir: Path) -> dict[str, dict]:
    """The browser's part at a phone's width (blocking): per page, how wide it lays out, which elements
    stick out past the screen's right edge, whether its images loaded; a full-page screenshot each."""
    from selenium.webdriver.common.by import By

    browser = open_browser(PHONE, phone=True)
    seen = {}
    try:
        for name, url in urls.items():
            browser.get(base + url)
            browser.find_element(By.TAG_NAME, "h1")
            # Lazy images below the fold load once scrolled to.
            browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
            browser.execute_async_script(
                "const done = arguments[0];"
                "Promise.all([...document.images].map(i => i.decode().catch(() => null))).then(() => done(null));"
            )
            seen[name] = browser.execute_script(
                "const width = document.documentElement.clientWidth;"
                "return {width, scroll: document.documentElement.scrollWidth,"
                " wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > width + 1)"
                "   .map(e => e.tagName + '.' + e.className).slice(0, 5),"
                " broken: [...document.images].filter(i => !i.naturalWidth).map(i => i.src)};"
            )
            height = browser.execute_script("return document.documentElement.scrollHeight")
            # The whole page in one picture: the emulated screen made as tall as the page.
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": PHONE[0], "height": min(height, 4000), "deviceScaleFactor": 1, "mobile": True})
            browser.save_screenshot(str(out_dir / f"phone-{name}.png"))
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
    finally:
        browser.quit()
    return seen


async def test_pages_fit_a_phone_screen_with_their_previews(studio, links, tmp_path):
    from studio.challenges import ChallengeService

    parent = await make_clip(studio, ALICE, title="A lighthouse keeper's cat, at dawn, walking along the harbour wall",
                             seconds=2)
    remix = await make_clip(studio, BOB, title="A lighthouse keeper's cat, in noir", parent=parent, seconds=2)
    service = ChallengeService(studio)
    admin = dataclasses.replace(ALICE, id=9, name="admin", can_moderate=True)
    challenge = (await service.start(admin, "Cats at work", "1h")).challenge
    await service.submit(ALICE, parent.id, challenge.id)
    await service.submit(BOB, remix.id, challenge.id)
    await service.vote(dataclasses.replace(BOB, id=4, name="carol"), challenge.id, remix.id)
    await service.close(admin, challenge.id)
    urls = {"clip": links.clip(GUILD, remix.id), "latest": links.server(GUILD),
            "challenge": links.challenge(GUILD, challenge.id), "member": links.member(GUILD, ALICE.id)}
    server = TestServer(create_app(studio, links.signer), host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        seen = await asyncio.to_thread(phone_pages, base, urls, tmp_path)
    finally:
        await server.close()

    for name, page in seen.items():
        assert page["width"] == PHONE[0] and page["scroll"] <= PHONE[0], (name, page)
        assert not page["wide"] and not page["broken"], (name, page)
    for name in urls:
        with Image.open(tmp_path / f"phone-{name}.png") as image:
            assert image.size[0] == PHONE[0]
            pixels = image.convert("L")
            assert pixels.getextrema()[1] - pixels.getextrema()[0] > 100  # text and pictures, not a blank page
    if os.environ.get("REELBOT_SCREENSHOT_DIR"):
        target = Path(os.environ["REELBOT_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        for name in urls:
            shutil.copyfile(tmp_path / f"phone-{name}.png", target / f"gallery-phone-{name}.png")
