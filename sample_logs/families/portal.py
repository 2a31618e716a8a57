"""Blind family ``sheet_to_portal``: workbook rows keyed into a web portal, the way people mix it.

Designed apart from `office.ExcelToWeb`. The workbook has a header in row 1, columns the
portal does not need, and a status column; the form asks for the fields in its own
order. Per row a person either copies the whole row and pastes it into the portal's
quick-entry box, then corrects what the parser got wrong; or copies cell by cell (short
values typed rather than pasted); or reads cells and types. Some check first, in a second
browser tab, whether the record already exists (search by name, then back to the form's
tab). The portal rejects some submissions (an invalid IBAN, a postcode) and the person
corrects the field. Afterwards the new record's number is pasted into the status column,
or "done" typed there; a person who batches does that for several rows at once after
entering them (see `work` for what the truth says then). Rows marked "on hold" are looked
at and skipped (noise); after some rows the person continues on the next month's sheet,
where rows start again at 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sample_logs import fakes
from sample_logs.families.entry import Typist, press, select
from sample_logs.families.events import UiEvent, WebField, at, cell, column_letter, excel, web
from sample_logs.families.routine import Step
from sample_logs.families.work import Work

#: theme → portal path, record prefix, columns (key, header, kind); kind text/select/date
THEMES = {
    "supplier onboarding": (
        "suppliers",
        "SUP",
        [
            ("supplier", "Supplier name", "text"),
            ("vat", "VAT ID", "text"),
            ("iban", "IBAN", "text"),
            ("street", "Street", "text"),
            ("postcode", "Postcode", "text"),
            ("city", "City", "text"),
            ("country", "Country", "select"),
            ("contact", "Contact person", "text"),
            ("email", "E-mail", "text"),
            ("terms", "Payment terms", "select"),
        ],
    ),
    "insurance claims": (
        "claims",
        "CLM",
        [
            ("policy", "Policy no.", "text"),
            ("claimant", "Claimant", "text"),
            ("loss_date", "Date of loss", "date"),
            ("claim_type", "Claim type", "select"),
            ("amount", "Claimed amount", "text"),
            ("iban", "IBAN", "text"),
            ("description", "Description", "text"),
        ],
    ),
    "course enrolment": (
        "enrolments",
        "ENR",
        [
            ("matric", "Matriculation no.", "text"),
            ("first", "First name", "text"),
            ("last", "Last name", "text"),
            ("course", "Course code", "text"),
            ("semester", "Semester", "select"),
            ("birth", "Date of birth", "date"),
            ("email", "E-mail", "text"),
        ],
    ),
}
EXTRA_COLUMNS = ("Owner", "Comment", "Received", "Priority")
OPTIONS = {
    "country": ("Germany", "Austria", "France", "Netherlands", "Poland"),
    "terms": ("30 days net", "14 days 2%", "Immediate"),
    "claim_type": ("Water damage", "Theft", "Glass", "Storm"),
    "semester": ("WS 2026/27", "SS 2027"),
}
HOSTS = (
    "https://portal.example-insure.com",
    "https://vendors.example.org",
    "https://campus-admin.example.edu",
    "https://mdm.example-group.net",
)
MODE_PROFILES = (
    (0.0, 1.0, 0.0),
    (0.3, 0.5, 0.2),
    (0.0, 0.4, 0.6),
    (0.6, 0.3, 0.1),
    (0.0, 0.0, 1.0),
)


def _value(rng: Random, key: str) -> str:
    if key in OPTIONS:
        return rng.choice(OPTIONS[key])
    first, last = fakes.person(rng)
    return {
        "supplier": lambda: fakes.company(rng),
        "vat": lambda: f"DE{fakes.digits(rng, 9)}",
        "iban": lambda: (
            f"DE{fakes.digits(rng, 2)} {fakes.digits(rng, 4)} {fakes.digits(rng, 4)} "
            f"{fakes.digits(rng, 4)} {fakes.digits(rng, 4)} {fakes.digits(rng, 2)}"
        ),
        "street": lambda: f"{rng.choice(fakes.LAST_NAMES)}weg {rng.randrange(1, 90)}",
        "postcode": lambda: fakes.digits(rng, 5),
        "city": lambda: rng.choice(fakes.CITIES),
        "contact": lambda: f"{first} {last}",
        "email": lambda: fakes.email_of(first, last, "example.com"),
        "policy": lambda: f"P{fakes.digits(rng, 8)}",
        "claimant": lambda: f"{last}, {first}",
        "amount": lambda: fakes.amount(rng, 800),
        "description": lambda: rng.choice(("burst pipe", "bike stolen", "window broken", "hail")),
        "matric": lambda: fakes.digits(rng, 7),
        "first": lambda: first,
        "last": lambda: last,
        "course": lambda: f"{rng.choice(('INF', 'MAT', 'ECO'))}-{rng.randrange(100, 400)}",
        "loss_date": lambda: f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.2026",
        "birth": lambda: (
            f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.{rng.randrange(1970, 2007)}"
        ),
    }[key]()


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str
    letter: str
    web: WebField


@dataclass(frozen=True)
class SheetToPortal:
    """Rows of a workbook keyed into a portal form (see the module docstring)."""

    name: str
    workbook: str
    sheets: tuple[str, ...]  # one per month; the person moves on after ``rows_per_sheet``
    rows_per_sheet: int
    host: str
    path: str
    prefix: str
    columns: list[Column]  # in form order
    last_letter: str  # the sheet's last data column (extra columns included)
    status_letter: str
    modes: tuple[float, float, float]  # whole row, cell by cell, typed
    lookup: float  # chance of a duplicate check in the other tab first
    reject: float  # chance the portal refuses the first submit
    open_form: str  # navigate, button or stays (a "Save and new" button)
    write_back: str  # id, done or none
    batch: int  # rows entered before their status cells are written (1: right away)
    on_hold: float  # chance the next row is on hold and skipped
    typist: Typist
    family: str = "sheet_to_portal"

    def needs_smartrpa(self) -> bool:
        return False

    @property
    def form(self) -> str:
        return f"{self.host}/{self.path}/new"

    def setup(self, rng: Random) -> Step:
        sheet = self._sheet(0)
        return [
            excel(self.workbook, sheet, "openWorkbook", "load"),
            excel(self.workbook, sheet, "selectWorksheet"),
            *[
                cell(self.workbook, sheet, "getCell", f"{c.letter}1", c.header)
                for c in self.columns[:2]
            ],
            web(self.form, "navigateTo", "load"),
        ]

    def distraction(self, rng: Random) -> Step:
        """Scrolling through the sheet or the portal's list without entering anything."""
        if rng.random() < 0.5:
            sheet = self._sheet(rng.randrange(200))
            refs = [
                f"{rng.choice(self.columns).letter}{rng.randrange(2, 40)}"
                for _ in range(rng.randint(1, 3))
            ]
            return [cell(self.workbook, sheet, "getCell", ref) for ref in refs]
        listing = f"{self.host}/{self.path}"
        return [
            web(listing, "selectTab", "switch"),
            web(
                listing,
                "clickLink",
                "look",
                tag="A",
                text="Next page",
                href=f"{listing}?page={rng.randint(2, 9)}",
            ),
        ]

    def _sheet(self, n: int) -> str:
        return self.sheets[min(n // self.rows_per_sheet, len(self.sheets) - 1)]

    def _row(self, n: int) -> int:
        """Instance n's row on its sheet; skipped rows (on hold) leave gaps."""
        local = (
            n % self.rows_per_sheet
            if n // self.rows_per_sheet < len(self.sheets) - 1
            else (n - self.rows_per_sheet * (len(self.sheets) - 1))
        )
        gaps = Random(f"{self.name}/{self._sheet(n)}")  # the sheet's rows on hold: fixed
        row = 2
        for _ in range(local + 1):
            while gaps.random() < self.on_hold:
                row += 1
            row += 1
        return row - 1

    def work(self, rng: Random, n: int, most: int) -> Work:
        size = min(most, self.batch if rng.random() < 0.85 else 1)
        steps: list[tuple[int, Step]] = []
        records = []
        for i in range(size):
            held = self._on_hold(n + i)
            steps += [(-1, held)] if held else []  # rows on hold, glanced at: noise
            record, entry = self._enter(rng, n + i)
            records.append(record)
            steps += [(i, s) for s in entry if s]
        if self.write_back != "none":
            for i, record in enumerate(records):
                steps.append((i, self._write_back(rng, n + i, record, size > 1)))
        return Work(size, steps)

    def _enter(self, rng: Random, n: int) -> tuple[str, list[Step]]:
        sheet, row = self._sheet(n), self._row(n)
        values = {c.key: _value(rng, c.key) for c in self.columns}
        start: Step = []
        if n and self._sheet(n - 1) != sheet:
            start.append(excel(self.workbook, sheet, "selectWorksheet"))
        if self.open_form == "navigate" or (self.open_form == "stays" and rng.random() < 0.1):
            start.append(web(self.form, "navigateTo", "load"))
        elif self.open_form == "button":
            listing = f"{self.host}/{self.path}"
            start += [press(listing, "New", "btn-new"), web(self.form, "navigateTo", "load")]
        steps = [start]
        if rng.random() < self.lookup:
            steps.append(self._lookup(sheet, row, values))
        mode = rng.choices(("row", "cell", "typed"), weights=self.modes)[0]
        if mode == "row":
            steps += self._whole_row(rng, sheet, row, values)
        else:
            steps += [self._field(rng, sheet, row, c, values[c.key], mode) for c in self.columns]
        record = f"{self.prefix}-{100000 + 7 * n + rng.randrange(7)}"
        steps.append(self._save(rng, sheet, row, values, record))
        return record, steps

    def _on_hold(self, n: int) -> Step:
        """The status cells of the rows on hold just before instance n's row."""
        sheet, row = self._sheet(n), self._row(n)
        previous = self._row(n - 1) if n and self._sheet(n - 1) == sheet else 1
        return [
            cell(self.workbook, sheet, "getCell", f"{self.status_letter}{held}", "on hold")
            for held in range(previous + 1, row)
        ]

    def _lookup(self, sheet: str, row: int, values: dict[str, str]) -> Step:
        """Does the record exist already? Search its name in the list tab, come back."""
        key = self.columns[0]
        listing = f"{self.host}/{self.path}"
        search = WebField("q", "Search", "list-search", input_type="search")
        return [
            cell(
                self.workbook,
                sheet,
                "copyCell",
                f"{key.letter}{row}",
                values[key.key],
                content=values[key.key],
            ),
            web(listing, "selectTab", "switch"),
            at(listing, search, "paste", content=values[key.key], value=values[key.key]),
            press(listing, "Search", "btn-search"),
            web(self.form, "selectTab", "switch"),
        ]

    def _whole_row(self, rng: Random, sheet: str, row: int, values: dict[str, str]) -> list[Step]:
        content = "\t".join(
            values[c.key] for c in sorted(self.columns, key=lambda c: (len(c.letter), c.letter))
        )
        quick = WebField("quickEntry", "Quick entry", "quick-entry", tag="TEXTAREA", input_type="")
        steps = [
            [
                cell(
                    self.workbook,
                    sheet,
                    "copyRange",
                    f"A{row}:{self.last_letter}{row}",
                    content=content,
                ),
                at(self.form, quick, "paste", "switch", content=content, value=content),
                press(self.form, "Fill form", "btn-parse"),
            ]
        ]
        wrong = [c for c in self.columns if c.kind != "text"]  # the parser trips on these
        for c in rng.sample(wrong, min(len(wrong), rng.randint(0, 2))):
            steps.append(self._field(rng, sheet, row, c, values[c.key], "typed"))
        return steps

    def _field(self, rng: Random, sheet: str, row: int, c: Column, value: str, mode: str) -> Step:
        ref = f"{c.letter}{row}"
        if c.kind == "select":
            return [
                cell(self.workbook, sheet, "getCell", ref, value),
                select(self.form, c.web, value),
            ]
        if mode == "typed" or (len(value) <= 5 and rng.random() < 0.5):
            read = [cell(self.workbook, sheet, "getCell", ref, value)] if rng.random() < 0.7 else []
            return [*read, *self.typist.fill(rng, self.form, c.web, value)]
        clicked = (
            [at(self.form, c.web, "clickTextField", "switch")]
            if rng.random() >= self.typist.tab_rate
            else []
        )
        return [
            cell(self.workbook, sheet, "copyCell", ref, value, content=value),
            *clicked,
            at(self.form, c.web, "paste", content=value, value=value),
            at(self.form, c.web, "changeField", "blur", value=value),
        ]

    def _save(self, rng: Random, sheet: str, row: int, values: dict[str, str], record: str) -> Step:
        label = "Save and new" if self.open_form == "stays" else "Save"
        events: list[UiEvent] = [
            press(self.form, label, "btn-save"),
            web(self.form, "submit", tag="FORM", element_id="record-form"),
        ]
        if rng.random() < self.reject:  # the portal refuses; one field is corrected
            c = rng.choice([c for c in self.columns if c.kind == "text"])
            events.append(
                press(self.form, f"{c.header} is not valid", "alert-0", "look", tag="DIV")
            )
            fixed = _value(rng, c.key) if rng.random() < 0.3 else values[c.key]
            events += (
                [cell(self.workbook, sheet, "getCell", f"{c.letter}{row}", fixed)]
                if rng.random() < 0.6
                else []
            )
            events += self.typist.fill(rng, self.form, c.web, fixed)
            events += [
                press(self.form, label, "btn-save"),
                web(self.form, "submit", tag="FORM", element_id="record-form"),
            ]
        shown = f"{self.host}/{self.path}/{record}"
        if self.open_form != "stays":
            events.append(web(shown, "navigateTo", "load"))
        return events

    def _write_back(self, rng: Random, n: int, record: str, batched: bool) -> Step:
        sheet, ref = self._sheet(n), f"{self.status_letter}{self._row(n)}"
        if self.write_back == "done" or batched:  # a batch's numbers are not on screen any more
            return [cell(self.workbook, sheet, "editCell", ref, "done")]
        shown = f"{self.host}/{self.path}/{record}" if self.open_form != "stays" else self.form
        return [
            web(shown, "copy", "look", content=record, tag="SPAN", text=record),
            cell(self.workbook, sheet, "pasteIntoCell", ref, record, content=record),
        ]


def draw_sheet_to_portal(rng: Random) -> SheetToPortal:
    theme = rng.choice(sorted(THEMES))
    path, prefix, specs = THEMES[theme]
    chosen = [s for s in specs if rng.random() < 0.85] or specs[:4]
    extras = rng.sample(EXTRA_COLUMNS, rng.randint(0, 2))
    sheet_order = [s[1] for s in chosen] + extras
    if rng.random() < 0.3:  # the sheet's column order is its own too
        rng.shuffle(sheet_order)
    letters = {header: column_letter(i) for i, header in enumerate(sheet_order)}
    form_order = list(chosen)
    for i in range(len(form_order) - 1):  # the form groups fields its own way
        if rng.random() < 0.35:
            form_order[i], form_order[i + 1] = form_order[i + 1], form_order[i]
    naming = rng.choice(("camel", "aspnet", "plain"))
    columns = []
    for key, header, kind in form_order:
        element_id = {"camel": key, "aspnet": f"ctl00_cph_{key}Txt", "plain": f"field-{key}"}[
            naming
        ]
        tag, input_type = ("SELECT", "select-one") if kind == "select" else ("INPUT", "text")
        columns.append(
            Column(
                key,
                header,
                kind,
                letters[header],
                WebField(key, header, element_id, tag=tag, input_type=input_type),
            )
        )
    month = rng.randrange(1, 10)
    workbook = rng.choice(
        (f"{path}_to_enter.xlsx", f"{prefix}_batch_{month:02d}.xlsx", "Eingang.xlsx")
    )
    return SheetToPortal(
        name=f"sheet_to_portal: {theme} from {workbook}",
        workbook=workbook,
        sheets=tuple(f"{m:02d}-2026" for m in range(month, month + 3)),
        rows_per_sheet=rng.randint(15, 60),
        host=rng.choice(HOSTS),
        path=path,
        prefix=prefix,
        columns=columns,
        last_letter=column_letter(len(sheet_order) - 1),
        status_letter=column_letter(len(sheet_order)),
        modes=rng.choice(MODE_PROFILES),
        lookup=rng.choice((0.0, 0.0, 0.3, 0.8)),
        reject=rng.choice((0.0, 0.05, 0.15)),
        open_form=rng.choice(("navigate", "button", "stays")),
        write_back=rng.choice(("id", "done", "none")),
        batch=rng.choice((1, 1, rng.randint(3, 6))),
        on_hold=rng.choice((0.0, 0.05, 0.12)),
        typist=Typist.draw(rng),
    )
