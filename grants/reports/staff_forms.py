"""Forms for the conversation, themes, quotes, the most significant change selection and the staff list's filter.
They read what was typed; the rules are in staff_services.py, whose messages land next to the field they name."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SelectMultipleField, SubmitField

from grants.forms_fields import ButtonForm as ButtonForm
from grants.forms_fields import GetForm, line_text, long_text, posted_id, reason_field
from grants.models import Report, Theme
from grants.reports import staff_services as services


class MessageForm(FlaskForm):
    text = long_text("Your message", limit=services.MAX_MESSAGE, too_long=services.MESSAGE_TOO_LONG)
    submit = SubmitField("Send the message", widget=GovSubmitInput())


class ThemesForm(FlaskForm):
    themes = SelectMultipleField(
        "Themes",
        widget=GovCheckboxesInput(),
        coerce=int,
        choices=[],
        validate_choice=False,  # checked by the service, with a message for people
    )
    new_theme = line_text(
        "Add a new theme (optional)",
        what="The theme",
        limit=services.MAX_THEME_NAME,
        too_long=services.THEME_TOO_LONG,
        description="For example: Loneliness, Young people, Food",
    )
    submit = SubmitField("Save the themes", widget=GovSubmitInput())

    def set_choices(self, themes: Sequence[Theme]) -> ThemesForm:
        self.themes.choices = [(t.id, t.name) for t in themes]
        return self


class QuoteForm(FlaskForm):
    quote = long_text(
        "Quote",
        limit=services.MAX_QUOTE,
        too_long=services.QUOTE_TOO_LONG,
        description="Copy the group's words exactly from one of their answers",
    )
    submit = SubmitField("Keep this quote", widget=GovSubmitInput())


class ReopenSelectionForm(FlaskForm):
    reason = reason_field(
        "Why are you reopening the selection?",
        "The picks were fixed when it closed. Your reason is logged for auditors.",
        limit=services.MAX_REOPEN_REASON,
    )
    submit = SubmitField("Reopen the selection", widget=GovSubmitInput())


class ThemeFilterForm(GetForm):
    """The list's theme filter. Sent by GET, so it works without JavaScript."""

    theme = SelectField("Theme", widget=GovSelect(), choices=[], validate_choice=False)
    submit = SubmitField("Filter", widget=GovSubmitInput())

    def set_choices(self, themes: Sequence[Theme]) -> ThemeFilterForm:
        self.theme.choices = [("", "All themes"), *[(str(t.id), t.name) for t in themes]]
        return self

    def theme_id(self) -> int | None:
        return posted_id(self.theme.data)


class StoryChoiceForm(FlaskForm):
    """The stories ticked and a reason for each. The reasons are fields named reason_<report id>, added per
    round by `story_choice_form`."""

    story = SelectMultipleField("Most significant stories", coerce=int, choices=[], validate_choice=False)
    submit = SubmitField("Save my choices", widget=GovSubmitInput())

    def picks(self) -> dict[int, str]:
        """Report id -> reason, for each story ticked (the service checks the ids and reasons)."""
        found: dict[int, str] = {}
        for report_id in self.story.data or []:
            field = self._fields.get(f"reason_{report_id}")
            found[report_id] = (field.data or "") if field is not None else ""
        return found


def story_choice_form(reports: Sequence[Report], **kwargs: object) -> StoryChoiceForm:
    """A StoryChoiceForm with a reason field for each of the round's stories."""

    class _Form(StoryChoiceForm):
        pass

    for report in reports:
        setattr(
            _Form,
            f"reason_{report.id}",
            long_text(
                "Why is this story most significant to you?",
                limit=services.MAX_REASON,
                too_long=services.REASON_TOO_LONG,
            ),
        )
    form = _Form(**kwargs)
    form.story.choices = [(r.id, r.award.bid.group.name) for r in reports]
    return form
