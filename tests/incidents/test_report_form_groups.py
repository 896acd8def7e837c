"""The report form's principles: the reporter's own organisation's first, under plain-words headings."""

from __future__ import annotations

import pytest

from incidents.forms import REPORTERS_ORGANISATION, ReportForm
from policies.models import Principle, PrincipleTheme
from policies.services import principles_for_reporting

pytestmark = pytest.mark.django_db


def test_the_reporters_own_policies_come_first_grouped_by_theme(reporter, policy_register) -> None:
    groups = ReportForm(reporter=reporter).principle_groups()
    organisations = [group.organisation for group in groups]
    assert organisations[0] == REPORTERS_ORGANISATION
    assert len(set(organisations)) > 1  # another employer's guidance is there too, after
    own = [group.own for group in groups]
    assert own == sorted(own, reverse=True)  # every own policy before every other
    # Every principle offered appears exactly once, under its policy and its theme's heading.
    listed = [
        option.principle.pk
        for group in groups
        for theme in group.themes
        for option in theme.options
    ]
    assert sorted(listed) == sorted(p.pk for p in principles_for_reporting())
    labels = {label for _, label in PrincipleTheme.choices}
    for group in groups:
        assert {theme.label for theme in group.themes} <= labels
        for theme in group.themes:
            assert {option.principle.get_theme_display() for option in theme.options} == {
                theme.label
            }


def test_the_register_gives_every_principle_a_heading_of_its_own(policy_register) -> None:
    # "Anything else" is for the odd one out: most principles sit under a named heading.
    themes = list(Principle.objects.values_list("theme", flat=True))
    assert themes.count(PrincipleTheme.OTHER) <= len(themes) // 5
    assert Principle.objects.filter(title="Protect patient confidentiality").get().theme == (
        PrincipleTheme.PATIENTS
    )


def test_a_ticked_principle_marks_its_policy_group(reporter, policy_register) -> None:
    principle = principles_for_reporting().get(title="Respect others")
    form = ReportForm(data={"principles": [principle.pk]}, reporter=reporter)
    [group] = [g for g in form.principle_groups() if g.checked]
    assert principle.pk in [option.principle.pk for option in group.options if option.checked]
