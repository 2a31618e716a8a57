"""Form and sheet fields: what they are called, how their values look, how values recur.

A routine design draws its fields from `CATALOGUE` and gives each a label, an HTML name
in one naming convention (``firstName``, ``first_name``, ``ctl00$main$txtFirstName``,
``input_7``), and a habit of values: most are new per instance, some recur (the same
city, the same cost centre, a default the person leaves as it is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from sample_logs import fakes
from sample_logs.families.events import WebField

Draw = Callable[[Random], str]

COUNTRIES = ("Germany", "France", "Italy", "Netherlands", "Spain", "Austria", "Australia")
TRAVEL_MODES = ("Train", "Flight", "Car", "Bus")
PROGRAMMES = ("BSc Informatics", "MSc Data Science", "BA Economics", "MBA", "BSc Physics")
MATERIALS = ("Copy paper A4", "Toner HP 305A", "Safety gloves L", "Pallet wrap", "USB-C dock")


def _day(rng: Random) -> date:
    return date(2026, 1, 5) + timedelta(days=rng.randrange(300))


def _date_text(rng: Random) -> str:
    return _day(rng).strftime(rng.choice(("%d/%m/%Y", "%Y-%m-%d")))


@dataclass(frozen=True)
class FieldSpec:
    key: str
    labels: tuple[str, ...]
    draw: Draw
    kind: str = "text"  # text, date, select, checkbox
    options: tuple[str, ...] = ()


def _pick(options: tuple[str, ...]) -> Draw:
    return lambda rng: rng.choice(options)


def _spec(key: str, labels: tuple[str, ...], draw: Draw, kind: str = "text") -> FieldSpec:
    return FieldSpec(key, labels, draw, kind)


def _select(key: str, labels: tuple[str, ...], options: tuple[str, ...]) -> FieldSpec:
    return FieldSpec(key, labels, _pick(options), "select", options)


def _email(rng: Random) -> str:
    return fakes.email_of(*fakes.person(rng), "example.org")


def _phone(rng: Random) -> str:
    return f"+49 {fakes.digits(rng, 3)} {fakes.digits(rng, 7)}"


def _street(rng: Random) -> str:
    return f"{rng.choice(fakes.LAST_NAMES)}str. {rng.randrange(1, 120)}"


def _birth(rng: Random) -> str:
    return f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(1960, 2005)}"


PURPOSES = ("Customer visit", "Trade fair", "Training", "Project meeting", "Audit")
NOTES = ("", "urgent", "see e-mail", "as agreed", "n/a")

CATALOGUE: dict[str, FieldSpec] = {
    s.key: s
    for s in (
        _spec("first_name", ("First name", "Given name"), lambda r: fakes.person(r)[0]),
        _spec("last_name", ("Last name", "Surname", "Family name"), lambda r: fakes.person(r)[1]),
        _spec("email", ("E-mail", "Email address"), _email),
        _spec("phone", ("Phone", "Telephone", "Mobile"), _phone),
        _spec("street", ("Street", "Address line 1"), _street),
        _spec("zip", ("ZIP", "Postcode", "Postal code"), lambda r: fakes.digits(r, 5)),
        _spec("city", ("City", "Town"), _pick(fakes.CITIES)),
        _select("country", ("Country",), COUNTRIES),
        _spec("birth_date", ("Date of birth", "Birthday"), _birth, "date"),
        _spec("person_id", ("Student ID", "Employee no."), lambda r: fakes.digits(r, 7)),
        _select("department", ("Department", "Cost centre"), fakes.DEPARTMENTS),
        _select("programme", ("Programme", "Course"), PROGRAMMES),
        _spec("company", ("Company", "Organisation", "Customer"), fakes.company),
        _spec("amount", ("Amount", "Total", "Net amount"), lambda r: fakes.amount(r, 180)),
        _select("currency", ("Currency",), fakes.CURRENCIES),
        _spec("start_date", ("Start date", "Departure", "From"), _date_text, "date"),
        _spec("end_date", ("End date", "Return", "To"), _date_text, "date"),
        _spec("destination", ("Destination", "Travel to"), _pick(fakes.CITIES)),
        _select("travel_mode", ("Means of transport", "Travel mode"), TRAVEL_MODES),
        _spec("purpose", ("Purpose", "Reason", "Business purpose"), _pick(PURPOSES)),
        _spec("project", ("Project code", "WBS element"), lambda r: f"P-{fakes.digits(r, 4)}"),
        _spec("order_no", ("Order number", "PO number"), lambda r: f"45{fakes.digits(r, 8)}"),
        _spec(
            "invoice_no", ("Invoice number", "Reference"), lambda r: fakes.invoice_number(r, 2026)
        ),
        _spec("quantity", ("Quantity", "Qty"), lambda r: str(r.randrange(1, 50))),
        _select("material", ("Material", "Item"), MATERIALS),
        _spec("notes", ("Comment", "Notes", "Remarks"), _pick(NOTES)),
        _select("expense_type", ("Expense type", "Category"), fakes.EXPENSE_TYPES),
        _spec("merchant", ("Merchant", "Vendor"), _pick(fakes.MERCHANTS)),
        _spec("expense_date", ("Receipt date", "Date"), _date_text, "date"),
    )
}


@dataclass(frozen=True)
class FieldDesign:
    """One field of one routine design, with its recurring values."""

    key: str
    field: WebField
    kind: str
    draw: Draw
    options: tuple[str, ...]
    recurring: tuple[str, ...]  # values that come back across instances
    recur_rate: float
    optional: float  # probability the field is left out of an instance

    def value(self, rng: Random) -> str:
        if self.recurring and rng.random() < self.recur_rate:
            return rng.choice(self.recurring)
        return self.draw(rng)


def design_fields(
    rng: Random, keys: list[str], optional_share: float = 0.25, prefix: str = ""
) -> list[FieldDesign]:
    """Fields for ``keys`` in one naming convention, some optional, some with recurring values."""
    style = rng.choice(("camel", "snake", "aspnet", "generic", "kebab"))
    designs = []
    for i, key in enumerate(keys):
        spec = CATALOGUE[key]
        label = rng.choice(spec.labels)
        name = _html_name(style, label, i, prefix)
        field = WebField(name=name, label=label, element_id=name.replace("$", "_"))
        recurring = tuple(spec.draw(rng) for _ in range(rng.randint(1, 3)))
        optional = rng.uniform(0.15, 0.5) if rng.random() < optional_share else 0.0
        recur = rng.choice((0.0, 0.0, 0.3, 0.7))
        designs.append(
            FieldDesign(key, field, spec.kind, spec.draw, spec.options, recurring, recur, optional)
        )
    return designs


def _html_name(style: str, label: str, index: int, prefix: str) -> str:
    words = [w for w in "".join(c if c.isalnum() else " " for c in label).split() if w]
    if style == "camel":
        name = words[0].lower() + "".join(w.capitalize() for w in words[1:])
    elif style == "snake":
        name = "_".join(w.lower() for w in words)
    elif style == "kebab":
        name = "-".join(w.lower() for w in words)
    elif style == "aspnet":
        name = "ctl00$MainContent$txt" + "".join(w.capitalize() for w in words)
    else:
        name = f"input_{index + 3}"
    return f"{prefix}{name}"
