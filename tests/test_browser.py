"""The app in real Chromium (Debian's /usr/bin/chromium) driven by Playwright, as a visitor uses it.

The fixtures `browser`, `page` and `screenshots` are in conftest.py, shared by every browser test module."""


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(500)


def test_data_tab_shows_labelled_cifar_images(page, screenshots):
    open_tab(page, "Data")   # the page opens on the Lessons tab
    page.get_by_text("CIFAR-10 ready").wait_for(timeout=30_000)
    thumbnails = page.locator("#data-gallery img")   # one HTML grid of inline PNGs
    thumbnails.first.wait_for(timeout=30_000)
    assert thumbnails.count() >= 32
    page.get_by_label("Class").click()
    page.get_by_role("option", name="ship").click()
    page.get_by_text("ship").first.wait_for()
    page.screenshot(path=screenshots / "data.png", full_page=True)
    assert page.errors == []


def test_every_tab_opens_and_the_tab_bar_keeps_its_labels(page, screenshots):
    labels = page.get_by_role("tab").all_inner_texts()
    assert len(labels) >= 7 and len(set(labels)) == len(labels)
    for name in labels:
        open_tab(page, name)
        assert page.get_by_role("tab").all_inner_texts() == labels, f"after opening {name}"
        assert page.get_by_role("tab", name=name, exact=True).get_attribute("aria-selected") == "true"
        page.screenshot(path=screenshots / f"tab-{name.lower().replace(' ', '-').replace('&', 'and')}.png")
    assert page.errors == []


def test_explorer_redraws_when_a_conv2d_parameter_changes(page, screenshots):
    open_tab(page, "Layer explorer")
    page.get_by_text("output (64, 6, 32, 32)").first.wait_for(timeout=30_000)   # Conv2d(3, 6, 3) at start
    assert page.locator(".block", has=page.get_by_text("Output batch", exact=True)).count() >= 1
    output = "() => document.querySelector('#explorer-output img')?.src"   # inline: replaced at each update
    page.wait_for_function(output, timeout=30_000)
    before = page.evaluate(output)
    box = page.get_by_label("number input for out_channels")
    box.fill("12")
    box.press("Tab")   # typing already redraws; leaving the box sends nothing stale
    page.get_by_text("output (64, 12, 32, 32)").first.wait_for(timeout=30_000)
    page.wait_for_function(f"old => ({output})() !== old", arg=before, timeout=30_000)
    assert page.get_by_text("Conv2d(3, 12, kernel_size=3, padding=1)").count() >= 1
    page.screenshot(path=screenshots / "explorer-12-channels.png", full_page=True)
    assert page.errors == []
