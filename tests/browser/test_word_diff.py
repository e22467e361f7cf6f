"""The correction editor's word diff, run in Chromium on the script the page ships."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parent.parent.parent / "static" / "review.js"


@pytest.fixture
def diff_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>diff</title>")
    page.add_script_tag(path=str(SCRIPT))
    yield page
    context.close()


def show(page, original: str, corrected: str) -> str:
    """The diff as text: [-removed][+added]."""
    return page.evaluate(
        """([a, b]) => {
            const D = window.RoundsDiff;
            return D.diffRuns(D.diffTokens(D.tokenize(a), D.tokenize(b)))
              .map((r) => (r.op === "=" ? r.text : `[${r.op}${r.text}]`)).join("");
        }""",
        [original, corrected],
    )


def test_a_changed_phrase_reads_as_removed_then_added(diff_page):
    assert show(diff_page, "Take 5 mg daily with food.", "Take 10 mg twice daily with food.") == (
        "Take [-5][+10] mg [+twice ]daily with food."
    )
    assert show(diff_page, "Call emergency services now.", "Call 911 now.") == (
        "Call [-emergency services][+911] now."
    )


def test_unchanged_and_empty_texts(diff_page):
    assert show(diff_page, "Same words.", "Same words.") == "Same words."
    assert show(diff_page, "", "All new.") == "[+All new.]"
    assert show(diff_page, "All gone.", "") == "[-All gone.]"


def test_the_diff_always_rebuilds_both_texts(diff_page):
    failures = diff_page.evaluate(
        """() => {
            const D = window.RoundsDiff;
            const words = ["aspirin", "ECG", "now", "call", " ", "\\n", "911"];
            let seed = 7;
            const rand = (n) => (seed = (seed * 48271) % 2147483647) % n;
            const text = () =>
                Array.from({length: rand(14)}, () => words[rand(words.length)]).join("");
            const bad = [];
            for (let t = 0; t < 2000; t++) {
                const a = text(), b = text();
                const runs = D.diffRuns(D.diffTokens(D.tokenize(a), D.tokenize(b)));
                const left = runs.filter((r) => r.op !== "+").map((r) => r.text).join("");
                const right = runs.filter((r) => r.op !== "-").map((r) => r.text).join("");
                if (left !== a || right !== b) bad.push([a, b]);
            }
            return bad;
        }"""
    )
    assert failures == []


def test_a_long_answer_diffs_quickly(diff_page):
    elapsed = diff_page.evaluate(
        """() => {
            const D = window.RoundsDiff;
            const a = Array.from({length: 1500}, (_, i) => "word" + (i % 97)).join(" ");
            const b = a.split(" ").map((w, i) => (i % 25 === 0 ? "changed" : w)).join(" ");
            const t0 = performance.now();
            D.diffRuns(D.diffTokens(D.tokenize(a), D.tokenize(b)));
            return performance.now() - t0;
        }"""
    )
    assert elapsed < 500
