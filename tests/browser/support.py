"""What the browser journeys check on every page: accessibility, layout, keyboard reach."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Runs in the page; returns one line per problem. The accessible name is approximated the way
# assistive technology computes it for these elements: aria-labelledby, aria-label, then the
# associated <label>s (controls) or the content, value and title (buttons).
_A11Y_PROBLEMS_JS = r"""
() => {
  const problems = [];
  // Text content as read aloud: images count by their alt text, aria-hidden parts not at all.
  const spoken = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE || node.getAttribute("aria-hidden") === "true") return "";
    if (node.tagName === "IMG") return ` ${node.getAttribute("alt") || ""} `;
    return [...node.childNodes].map(spoken).join("");
  };
  const text = (el) => (el ? spoken(el).replace(/\s+/g, " ").trim() : "");
  const snippet = (el) => el.outerHTML.slice(0, 160);
  const ariaName = (el) => {
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    const labelled = ids.map((id) => text(document.getElementById(id))).join(" ").trim();
    return labelled || (el.getAttribute("aria-label") || "").trim();
  };
  // WCAG contrast of an element's text against its own background (null when transparent).
  const rgb = (value) => (value.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const textContrast = (el) => {
    const style = getComputedStyle(el);
    const background = rgb(style.backgroundColor);
    if (background.length < 3 || background[3] === 0) return null;
    const [light, dark] = [luminance(rgb(style.color)), luminance(background)].sort((a, b) => b - a);
    return (light + 0.05) / (dark + 0.05);
  };
  const lang = (document.documentElement.getAttribute("lang") || "").trim();
  if (!lang) problems.push("<html> has no lang");
  const h1s = document.querySelectorAll("h1");
  if (h1s.length !== 1) {
    problems.push(`${h1s.length} <h1> elements: ${[...h1s].map(text).join(" | ")}`);
  }
  const buttonTypes = ["submit", "button", "reset", "image"];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (type === "hidden" || el.name === "csrfmiddlewaretoken" || buttonTypes.includes(type)) continue;
    const label = ariaName(el) || [...(el.labels || [])].map(text).join(" ").trim();
    if (!label) problems.push(`form control without a label: ${snippet(el)}`);
  }
  const buttons = document.querySelectorAll(
    "button, input[type=submit], input[type=button], input[type=reset], input[type=image], " +
      "[role=button], a.btn"
  );
  for (const el of buttons) {
    const name =
      ariaName(el) || text(el) || (el.value || "").trim() || (el.getAttribute("alt") || "").trim() ||
      (el.getAttribute("title") || "").trim();
    if (!name) problems.push(`button without a name: ${snippet(el)}`);
    const contrast = textContrast(el);
    if (contrast !== null && contrast < 3) {
      problems.push(`button text barely visible (contrast ${contrast.toFixed(2)}:1): ${snippet(el)}`);
    }
  }
  return problems;
}
"""


_BROWSER_ERRORS: WeakKeyDictionary = WeakKeyDictionary()


def watch_for_errors(page: Page) -> None:
    """Collect what the browser reports as errors: scripts that throw, and what the page's
    Content Security Policy refused (an inline style or script that silently does nothing)."""
    errors = _BROWSER_ERRORS.setdefault(page, [])
    page.on(
        "console",
        lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))


def browser_errors(page: Page) -> list[str]:
    """The errors collected since the last call (favicon 404s aside)."""
    errors = _BROWSER_ERRORS.get(page, [])
    found = [error for error in errors if "favicon.ico" not in error and "404 (Not Found)" not in error]
    errors.clear()
    return found


def accessibility_problems(page: Page) -> list[str]:
    return page.evaluate(_A11Y_PROBLEMS_JS)


def assert_accessible(page: Page) -> None:
    """The page has a lang, exactly one h1, a label on every form control and a name on every button
    (whose text stands out from its own background)."""
    problems = accessibility_problems(page)
    assert not problems, f"accessibility problems on {page.url}:\n" + "\n".join(problems)


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def overflowing_elements(page: Page) -> list[str]:
    """The elements reaching past the right edge, to say what scrolls when something does."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 10)
            .map((el) => el.outerHTML.slice(0, 120))"""
    )


def confirm_in_modal(page: Page, button: str) -> None:
    """Press the confirming button of the second step an irreversible action opens."""
    from playwright.sync_api import expect

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=button).click()


def tab_to(page: Page, selector: str, *, max_presses: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (it must be reachable)."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement?.matches(selector) ?? false", selector):
            return
    focused = page.evaluate("() => document.activeElement?.outerHTML.slice(0, 160)")
    raise AssertionError(f"{selector} not reached with {max_presses} Tab presses; focus is on {focused}")


def photo_file(directory: Path, name: str, *, color=(200, 40, 40), size=(640, 480)) -> Path:
    """A real picture written to ``directory`` (JPEG or PNG from the name's extension)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    ImageDraw.Draw(image).rectangle(
        (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(250, 250, 250)
    )
    image_format = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}[name.rsplit(".", 1)[-1].lower()]
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    path = directory / name
    path.write_bytes(buffer.getvalue())
    return path


class Journey:
    """Saves a journey's key pages to ``test-artifacts/screenshots/<journey>/NN-name.png``, each
    after checking that the browser reported no error (CSP refusals included) and that the page
    is accessible."""

    def __init__(self, name: str) -> None:
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def page(self, page: Page, name: str, *, accessible: bool = True) -> None:
        """Call once the test has seen the new page (an ``expect``), so the check reads that page."""
        page.wait_for_load_state()
        errors = browser_errors(page)
        assert not errors, "the browser reported errors:\n" + "\n".join(errors)
        if accessible:
            assert_accessible(page)
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=self.folder / f"{self.count:02d}-{slug}.png", full_page=True)
