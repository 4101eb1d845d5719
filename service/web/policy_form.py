"""The policy form: a tier's rules as the form shows them, and the form read back into the
API's own input type.

What was typed is converted to `PolicyRules` with the type's own constraints (not strict:
a form sends text, so "60" is the number 60), so a value the PUT refuses is refused here,
naming the same field (`required_trials[1].window_days`). A blank number is left out, as
an absent JSON field is; an empty required-trials row asks nothing.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import msgspec
from litestar.datastructures import FormMultiDict

from scoring.eligibility import PolicyRules
from service.errors import field_from_msgspec

MAX_TRIAL_ROWS = 32  # PolicyRules.required_trials holds at most 32
TRIAL_FIELDS = ("skill", "min_count", "min_score", "window_days")
NUMBER_FIELDS = ("min_score", "min_lower_bound", "min_evidence")
FLAG_FIELDS = ("no_open_disputes", "allow_prior")
LABELS = {
    "min_score": "Minimum score",
    "min_lower_bound": "Minimum lower end of the interval",
    "min_evidence": "Minimum pieces of evidence",
    "skill": "Skill",
    "min_count": "Trials needed",
    "window_days": "Within (days)",
    "organization": "Candidates of",
}
TRIAL_LABELS = {**LABELS, "min_score": "Minimum trial score"}
TRIAL_FIELD = re.compile(r"\Arequired_trials\[(\d+)\]\.(\w+)\Z")


class TrialRow(msgspec.Struct, frozen=True, kw_only=True):
    """One required-trials row of the form, as typed."""

    skill: str = ""
    min_count: str = ""
    min_score: str = ""
    window_days: str = ""


class DraftForm(msgspec.Struct, frozen=True, kw_only=True):
    """The form's values as shown: a stored version's rules, or what was typed."""

    min_score: str
    min_lower_bound: str
    min_evidence: str
    required_trials: list[TrialRow]
    no_open_disputes: bool
    allow_prior: bool
    organization: str = ""  # the what-if's choice; "" for every organization


class FormProblem(msgspec.Struct, frozen=True, kw_only=True):
    field: str  # as the API names it: `min_score`, `required_trials[1].window_days`
    message: str


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def form_of(rules: PolicyRules) -> DraftForm:
    return DraftForm(
        min_score=_number(rules.min_score),
        min_lower_bound=_number(rules.min_lower_bound),
        min_evidence=str(rules.min_evidence),
        required_trials=[
            TrialRow(
                skill=t.skill,
                min_count=str(t.min_count),
                min_score=_number(t.min_score),
                window_days=_number(t.window_days),
            )
            for t in rules.required_trials
        ],
        no_open_disputes=rules.no_open_disputes,
        allow_prior=rules.allow_prior,
    )


def typed(form: FormMultiDict) -> DraftForm:
    def text(name: str) -> str:
        return str(form.get(name) or "").strip()

    rows = []
    for i in range(MAX_TRIAL_ROWS + 1):  # one past the limit: the type refuses the 33rd
        row = TrialRow(**{f: text(f"required_trials[{i}].{f}") for f in TRIAL_FIELDS})
        if row != TrialRow():  # an empty row asks nothing: it is how a requirement is removed
            rows.append(row)
    return DraftForm(
        min_score=text("min_score"),
        min_lower_bound=text("min_lower_bound"),
        min_evidence=text("min_evidence"),
        required_trials=rows,
        # a checkbox is sent only when ticked
        no_open_disputes="no_open_disputes" in form,
        allow_prior="allow_prior" in form,
        organization=text("organization"),
    )


def rules_of(draft: DraftForm) -> PolicyRules | FormProblem:
    """The draft as the PUT's body; a blank number is left out, as an absent JSON field is."""
    body: dict[str, Any] = {f: getattr(draft, f) for f in FLAG_FIELDS}
    body.update({f: getattr(draft, f) for f in NUMBER_FIELDS if getattr(draft, f)})
    body["required_trials"] = [
        {"skill": row.skill} | {f: getattr(row, f) for f in TRIAL_FIELDS[1:] if getattr(row, f)}
        for row in draft.required_trials
    ]
    try:
        return msgspec.convert(body, PolicyRules, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        return FormProblem(field=field_from_msgspec(message) or "body", message=_wording(message))


def _wording(message: str) -> str:
    text = message.split(" - at `", 1)[0]
    text = re.sub(r"Expected `(float|int)`, got `\w+`", "Enter a number", text)
    text = re.sub(
        r"Expected `str` matching regex .*", "Use one line, without control characters", text
    )
    text = text.replace("Expected `str` of length >= 1", "Must not be empty")
    text = re.sub(r"Expected `str` of length", "Must have a length", text)
    text = re.sub(r"Expected `array` of length <= (\d+)", r"At most \1 rows", text)
    return re.sub(r"Expected `(float|int)` ", "Must be ", text)


def label(field: str) -> str:
    if found := TRIAL_FIELD.match(field):
        row, name = int(found.group(1)) + 1, found.group(2)
        return f"Required trials, row {row}: {TRIAL_LABELS.get(name, name)}"
    return LABELS.get(field, "Required trials" if field == "required_trials" else field)


def organization_of(draft: DraftForm) -> UUID | FormProblem | None:
    if not draft.organization:
        return None
    try:
        return UUID(draft.organization)
    except ValueError:
        return FormProblem(field="organization", message="Choose an organization from the list")
