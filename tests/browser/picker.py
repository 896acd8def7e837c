"""Choosing a person with the person picker, as someone at a keyboard does."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def pick_person(page: Page, field: str, typed: str, person: str) -> None:
    """Type ``typed`` into the picker labelled ``field``, arrow down to ``person`` and press Enter."""
    box = page.get_by_role("combobox", name=field)
    box.fill(typed)
    options = page.get_by_role("listbox", name=field).get_by_role("option")
    expect(options.filter(has_text=person).first).to_be_visible()
    for _ in range(options.count()):
        box.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        if active and page.locator(f"#{active}").get_by_text(person, exact=True).count():
            break
    else:
        raise AssertionError(f"{person} never became the highlighted option")
    box.press("Enter")
    expect(box).to_have_value(person)
    expect(box).to_have_attribute("aria-expanded", "false")
