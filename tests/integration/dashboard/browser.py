"""Debian's Chromium driven by Selenium through Debian's chromium-driver, headless.

Both come from the project's setup (``make setup`` installs the Debian packages); a test
fails, rather than being skipped, when they are missing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

WAIT = 60.0


class Browser:
    """One headless browser; :meth:`wait` polls until the page shows what a test expects."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    @classmethod
    def open(cls) -> Browser:
        chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
        assert chromium, "install chromium (make setup)"
        assert driver, "install chromium-driver (make setup)"
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000"):  # fmt: skip
            options.add_argument(argument)
        return cls(webdriver.Chrome(service=Service(driver), options=options))

    def close(self) -> None:
        self.driver.quit()

    def get(self, url: str) -> None:
        self.driver.get(url)

    @property
    def url(self) -> str:
        return str(self.driver.current_url)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def text(self, css: str) -> str:
        found = self.all(css)
        return str(found[0].text) if found else ""

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def fetch(self, method: str, path: str, headers: dict[str, str] | None = None) -> int:
        """The status of a request the page's own origin makes (with its cookies)."""
        return int(
            self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "fetch(arguments[1], {method: arguments[0], headers: arguments[2],"
                " body: arguments[0] === 'GET' ? undefined : '{}', credentials: 'same-origin'})"
                ".then(r => done(r.status), () => done(0));",
                method,
                path,
                headers or {},
            )
        )

    def wait(self, check: Callable[[], Any], what: str) -> Any:
        """``check()``'s first truthy value; fail naming ``what`` after :data:`WAIT`."""
        deadline = time.monotonic() + WAIT
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = check()
                if value:
                    return value
            except Exception as e:
                last = e
            time.sleep(0.1)
        raise AssertionError(f"the page never showed {what} ({last}); at {self.url}")

    def click(self, css: str) -> None:
        """Click what ``css`` finds, found again on each try: the page redraws parts of
        itself as events arrive, so an element found a moment ago may be gone."""

        def clicked() -> bool:
            self.find(css).click()
            return True

        self.wait(clicked, f"a clickable {css}")

    def wait_text(self, css: str, expected: str) -> None:
        self.wait(lambda: self.text(css) == expected, f"{expected!r} in {css}")
