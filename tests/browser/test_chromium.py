"""The system Chromium is one these tests are known to drive."""

#: Debian Chromium majors known to work with the pinned Playwright (1.65) and the launch flags in
#: conftest.py (150: the whole browser suite and Lighthouse passed with it, 6 Dec 2026). A new major
#: may still work: run the browser tests, then add it here.
KNOWN_GOOD_MAJORS = {150, 156}


def test_the_system_chromium_is_a_version_these_tests_know(browser):
    major = int(browser.version.split(".")[0])
    assert major in KNOWN_GOOD_MAJORS, (
        f"Chromium {browser.version} is not among the versions known to work with this Playwright "
        f"({sorted(KNOWN_GOOD_MAJORS)}); if the browser tests pass, add {major} to KNOWN_GOOD_MAJORS."
    )
