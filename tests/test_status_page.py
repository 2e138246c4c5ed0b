"""``dsprod status --html`` and ``dsprod yank`` through the real CLI; the page in a real browser.

The page is loaded by Debian's Chromium, headless: a screenshot is kept as a
test artefact (its path is printed, and recorded as the test's ``screenshot``
property in pytest's JUnit XML), and the text the browser renders must
show every package and version. .ci/test.sh installs chromium and sets
DSPROD_TEST_BROWSER=required, so in CI the browser test runs: a missing
browser fails it there, and skips it only on a developer's machine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact
from dsprod.pipeline.status_page import Build, render
from dsprod.store.local import LocalStore
from tests.packages import test_report, write_package
from tests.projects import dsprod
from tests.store_checks import assert_consistent

COMMIT = "c0ffee" * 6 + "abcd"
HOSTILE = '<script>alert("x")</script> & "quotes"'


def a_build(**changed: object) -> Build:
    values: dict[str, object] = {
        "channel": "stable",
        "name": "adm-alpha",
        "version": "1.0",
        "build": "g0",
        "subdir": "noarch",
        "filename": "adm-alpha-1.0-g0.conda",
        "sha256": "a" * 64,
        "commit": "c" * 40,
        "tests_passed": True,
        "tests_summary": "3 passed",
        "junit_link": "junit/" + "a" * 64 + ".xml",
        "entered_by": "ci@runner",
        "entered_at": "2026-01-01T00:00:00+00:00",
        "entered_how": "promote from testing",
    }
    return Build(**{**values, **changed})  # type: ignore[arg-type]


class Text(HTMLParser):
    """The page's text and its tags, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_everything_a_package_brings_is_escaped_data() -> None:
    hostile = a_build(tests_summary=HOSTILE, entered_how=f"yank from stable: {HOSTILE}")
    page = render("local store at /s", [("stable", "stable")], [hostile], "now")
    parsed = Text()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert HOSTILE in "".join(parsed.text)  # shown as text, exactly
    assert '<a href="junit/' + "a" * 64 + '.xml">JUnit XML</a>' in page


def test_the_overview_lists_each_name_by_channel_with_its_versions() -> None:
    builds = [
        a_build(channel="testing", version="1.0"),
        a_build(channel="testing", version="1.1rc1", filename="adm-alpha-1.1rc1-g1.conda"),
        a_build(channel="stable"),
    ]
    channels = [("unstable", "unstable"), ("testing", "testing"), ("stable", "stable")]
    page = render("s", channels, builds, "now")
    overview = page[page.index('id="overview"') : page.index("</table>")]
    assert '<th>adm-alpha</th><td class="none">-</td><td>1.0, 1.1rc1</td><td>1.0</td>' in overview


def browser() -> str:
    """Chromium's path; where a browser is required (.ci/test.sh), its absence is a failure."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("DSPROD_TEST_BROWSER") == "required":
            pytest.fail("chromium is missing: .ci/test.sh installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def headless(chromium: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.e2e
def test_yank_then_the_status_page_in_a_real_browser(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    chromium = browser()
    store = LocalStore(tmp_path / "store")
    folder = tmp_path / "admin"
    folder.mkdir()
    (folder / "channels.yaml").write_text(f"store: {{kind: local, path: {store.root}}}\n")
    for name, version in (("adm-alpha", "1.0"), ("adm-alpha", "1.1"), ("adm-beta", "2.0")):
        artifact = read_artifact(write_package(tmp_path / "pkgs", name, version))
        asyncio.run(store.publish(artifact, "unstable"))
    for package in asyncio.run(store.packages("unstable")):
        junit = tmp_path / f"{package.name}.xml"
        junit.write_text('<testsuite tests="1"><testcase name="t"/></testsuite>')
        store.ledger.save_report(test_report(package, commit=COMMIT), junit)
        if package.name == "adm-alpha":
            code, result, stderr = dsprod(
                folder, "promote", package.filename, "--to", "stable", "--force"
            )
            assert code == 0, stderr

    code, result, stderr = dsprod(
        folder, "yank", "adm-alpha==1.0", "--from", "stable", "--reason", "adm: <b>crashes</b>"
    )
    assert code == 0, stderr
    assert result["yanked"] == ["adm-alpha-1.0-0.conda"] and result["to"] == "broken"
    code, again, stderr = dsprod(
        folder, "yank", "adm-alpha==1.0", "--from", "stable", "--reason", "adm: again"
    )
    assert (code, again["yanked"], again["already_in_broken"]) == (
        0,
        [],
        ["adm-alpha-1.0-0.conda"],
    )
    assert_consistent(store)

    page_folder = tmp_path / "page"
    code, result, stderr = dsprod(folder, "status", "--html", str(page_folder))
    assert code == 0, stderr
    page = Path(result["page"])
    assert page == page_folder / "index.html"
    assert len(list((page_folder / "junit").glob("*.xml"))) == 3

    screenshot = tmp_path / "status-page.png"
    headless(chromium, f"--screenshot={screenshot}", "--window-size=1400,1000", page.as_uri())
    assert screenshot.stat().st_size > 10_000
    print(f"status page screenshot: {screenshot}")  # shown with -s or -rP
    record_property("screenshot", str(screenshot))  # in the JUnit XML CI keeps
    dom = headless(chromium, "--dump-dom", page.as_uri()).stdout
    parsed = Text()
    parsed.feed(dom)
    text = " ".join(parsed.text)
    for shown in ("adm-alpha", "adm-beta", "1.0", "1.1", "2.0", "broken", "1 passed", COMMIT):
        assert shown in text, shown
    assert "yank from stable: adm: <b>crashes</b>" in text  # the reason, as text
    assert "b" not in parsed.tags
