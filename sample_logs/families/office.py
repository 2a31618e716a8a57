"""Three office families: Excel rows into a web form, a web form filled by typing, and a
web record copied into the next row of a sheet.

Each ``draw_*`` function turns a seed's RNG into a routine design (apps, file and site
names, which fields and how many, their order, which are optional, copied or typed), so
two seeds of one family are different routines.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sample_logs.families import events as ui
from sample_logs.families.fields import FieldDesign, design_fields
from sample_logs.families.routine import Habits, Step, slug

EXCEL_THEMES = {
    "student record": (
        ("students_2026.xlsx", "Applicants.xlsx", "enrolment_list.xlsx"),
        ("portal.uni-example.edu/admissions/new", "campus.example.ac.uk/students/register"),
        ["first_name", "last_name", "birth_date", "person_id", "email", "phone", "programme",
         "street", "zip", "city", "country"],
    ),
    "customer": (
        ("new_customers.xlsx", "leads_export.xlsx", "Kunden.xlsx"),
        ("crm.example.com/accounts/create", "shop-admin.example.net/customers/new"),
        ["company", "first_name", "last_name", "email", "phone", "street", "zip", "city",
         "country", "department"],
    ),
    "purchase order": (
        ("orders_to_enter.xlsx", "Bestellungen.xlsx", "PO_list.xlsx"),
        ("procure.example.com/po/new", "erp-web.example.org/purchasing/create"),
        ["order_no", "company", "material", "quantity", "amount", "currency", "start_date",
         "project", "notes"],
    ),
}  # fmt: skip
SHEETS = ("Sheet1", "Data", "Tabelle1", "Export", "List")
SUBMIT_LABELS = ("Submit", "Save", "Create", "Register", "Send")


@dataclass(frozen=True)
class ExcelToWeb:
    """Copy the cells of row r (A2, B2, … then A3, B3, …) into a web form and submit."""

    name: str
    workbook: str
    sheet: str
    url: str
    fields: list[FieldDesign]
    columns: dict[str, str]  # field key → sheet column letter
    typed: dict[str, float]  # field key → chance it is typed instead of pasted
    open_form: str  # navigate, link or none
    select_row: float
    submit: str
    confirm: bool
    mark_done: str | None  # column letter of a status cell set after submitting
    habits: Habits
    family: str = "excel_to_web"

    def setup(self) -> Step:
        return [ui.excel(self.workbook, self.sheet, "openWorkbook", "load"), ui.navigate(self.url)]

    def perform(self, rng: Random, n: int) -> list[Step]:
        row = n + 2  # the header is row 1
        start: Step = []
        if rng.random() < 0.15:  # the form is still open from the last submission
            pass
        elif self.open_form == "navigate":
            start.append(ui.navigate(self.url))
        elif self.open_form == "link":
            start.append(ui.link(self.url.rsplit("/", 1)[0], "New", self.url))
        if rng.random() < self.select_row:
            last = max(self.columns.values(), key=lambda c: (len(c), c))
            start.append(ui.cell(self.workbook, self.sheet, "getRange", f"A{row}:{last}{row}"))
        fields = [self._field(rng, f, row) for f in self.fields if rng.random() >= f.optional]
        end = ui.button(self.url, self.submit, f"btn-{slug(self.submit)}", submit=True)
        if self.confirm:
            end.append(ui.navigate(self.url.rsplit("/", 1)[0] + f"/confirmation?id={row}"))
        steps = [start, *self.habits.reorder(rng, fields), end]
        if self.mark_done:
            ref = f"{self.mark_done}{row}"
            steps.append([ui.cell(self.workbook, self.sheet, "editCell", ref, "done")])
        if rng.random() < 0.08:
            steps.append([ui.excel(self.workbook, self.sheet, "saveWorkbook")])
        return [s for s in steps if s]

    def _field(self, rng: Random, field: FieldDesign, row: int) -> Step:
        ref = f"{self.columns[field.key]}{row}"
        value = field.value(rng)
        if field.kind == "select":
            read = ui.cell(self.workbook, self.sheet, "getCell", ref, value)
            return [read, *ui.select_option(self.url, field.field, value)]
        if rng.random() < self.typed[field.key]:
            read = ui.cell(self.workbook, self.sheet, "getCell", ref, value)
            return [read, *ui.type_into(rng, self.url, field.field, value, self.habits.typo_rate)]
        copy = ui.cell(self.workbook, self.sheet, "copyCell", ref, value, content=value)
        return [copy, *ui.paste_into(self.url, field.field, value)]


def draw_excel_to_web(rng: Random) -> ExcelToWeb:
    theme = rng.choice(sorted(EXCEL_THEMES))
    workbooks, sites, keys = EXCEL_THEMES[theme]
    chosen = rng.sample(keys, rng.randint(4, min(9, len(keys))))
    fields = design_fields(rng, chosen, optional_share=0.2)
    sheet_order = rng.sample(chosen, len(chosen)) if rng.random() < 0.4 else chosen
    columns = {key: ui.column_letter(i) for i, key in enumerate(sheet_order)}
    typed_share = rng.choice((0.0, 0.2, 0.5))
    typed = {k: rng.choice((0.0, 0.1, 0.9)) if rng.random() < typed_share else 0.0 for k in chosen}
    workbook = rng.choice(workbooks)
    return ExcelToWeb(
        name=f"excel_to_web: {theme} from {workbook}",
        workbook=workbook,
        sheet=rng.choice(SHEETS),
        url="https://" + rng.choice(sites),
        fields=fields,
        columns=columns,
        typed=typed,
        open_form=rng.choice(("navigate", "link", "none")),
        select_row=rng.choice((0.0, 0.5, 1.0)),
        submit=rng.choice(SUBMIT_LABELS),
        confirm=rng.random() < 0.5,
        mark_done=ui.column_letter(len(chosen)) if rng.random() < 0.3 else None,
        habits=Habits.draw(rng),
    )


FORM_THEMES = {
    "reimbursement": (
        ("expenses.example.com/claims", "intranet.example.org/hr/reimbursement"),
        ["person_id", "first_name", "last_name", "department", "project", "purpose", "notes"],
        ["expense_date", "expense_type", "merchant", "amount", "currency"],
    ),
    "travel request": (
        ("travel.example.com/requests", "intranet.example.org/travel"),
        ["person_id", "destination", "start_date", "end_date", "travel_mode", "purpose",
         "project", "amount", "notes"],
        ["expense_type", "amount"],
    ),
}  # fmt: skip


@dataclass(frozen=True)
class WebForm:
    """A request form filled by typing: header fields, repeated lines, attachments, submit."""

    name: str
    url: str
    header: list[FieldDesign]
    line: list[FieldDesign]  # one repeated section (an expense line); may be empty
    lines: tuple[int, int]  # how many lines an instance has, at least and at most
    section: list[FieldDesign]  # an optional section, opened by ticking a checkbox
    section_rate: float
    radios: bool  # drop-downs shown as radio buttons
    attach: float  # chance of attaching a file
    agree: bool  # a confirmation checkbox before submitting
    confirm_page: float
    habits: Habits
    family: str = "web_form"

    def setup(self) -> Step:
        login = self.url.rsplit("/", 1)[0] + "/login"
        user = ui.WebField("username", "User name", "username")
        typed = ui.type_into(Random(0), login, user, "jdoe", 0.0)
        sign_in = ui.button(login, "Sign in", "btn-login", submit=True)
        return [ui.web("", "newTab", "load"), ui.navigate(login), *typed, *sign_in]

    def perform(self, rng: Random, n: int) -> list[Step]:
        new = f"{self.url}/new"
        start = [ui.navigate(self.url), *ui.button(self.url, "New request", "btn-new")]
        header = [self._fill(rng, f, new) for f in self.header if rng.random() >= f.optional]
        steps = [start, *self.habits.reorder(rng, header)]
        for _ in range(rng.randint(*self.lines) if self.line else 0):
            steps.append(ui.button(new, "Add line", "btn-add-line"))
            steps += [self._fill(rng, f, new) for f in self.line if rng.random() >= f.optional]
        if self.section and rng.random() < self.section_rate:
            opener = ui.WebField("section-toggle", "Accommodation / advance needed", "chk-section")
            steps.append([ui.tick(new, opener, True)])
            steps += [self._fill(rng, f, new) for f in self.section]
        if rng.random() < self.attach:
            upload = ui.WebField("attachment", "Attachment", "file-upload", input_type="file")
            path = f"C:\\fakepath\\receipt_{rng.randrange(1000, 9999)}.pdf"
            steps.append([*ui.button(new, "Attach", "btn-attach"), *_change(new, upload, path)])
        if self.agree:
            box = ui.WebField("confirm", "I confirm the information is correct", "chk-confirm")
            steps.append([ui.tick(new, box, True)])
        end = ui.button(new, "Submit", "btn-submit", submit=True)
        if rng.random() < self.confirm_page:
            done = f"{self.url}/submitted?ref={rng.randrange(10**5, 10**6)}"
            end += [ui.navigate(done), ui.link(done, "Back to overview", self.url)]
        return [*steps, end]

    def _fill(self, rng: Random, field: FieldDesign, url: str) -> Step:
        value = field.value(rng)
        if field.kind == "select" and self.radios:
            choice = ui.WebField(field.field.name, value, f"{field.field.element_id}-{slug(value)}")
            return [ui.tick(url, choice, True, radio=True)]
        if field.kind == "select":
            return ui.select_option(url, field.field, value)
        if field.kind == "date" and rng.random() < 0.4:  # the date picker instead of typing
            pick = ui.WebField(f"{field.field.name}-day", value[:2], "datepicker-day")
            return [ui.web(url, "clickTextField", name=field.field.name), *_click(url, pick)]
        return ui.type_into(rng, url, field.field, value, self.habits.typo_rate)


def _change(url: str, field: ui.WebField, value: str) -> Step:
    return [
        ui.web(
            url,
            "changeField",
            name=field.name,
            element_id=field.element_id,
            input_type=field.input_type,
            tag="INPUT",
            value=value,
        )
    ]


def _click(url: str, field: ui.WebField) -> Step:
    return [ui.web(url, "clickButton", element_id=field.element_id, text=field.label, tag="TD")]


def draw_web_form(rng: Random) -> WebForm:
    theme = rng.choice(sorted(FORM_THEMES))
    sites, header_keys, line_keys = FORM_THEMES[theme]
    header = rng.sample(header_keys, rng.randint(3, len(header_keys)))
    repeated = rng.random() < 0.7
    line = design_fields(rng, line_keys, 0.2, prefix="line-") if repeated else []
    section_keys = ["merchant", "start_date", "end_date", "amount"][: rng.randint(0, 4)]
    return WebForm(
        name=f"web_form: {theme}",
        url="https://" + rng.choice(sites),
        header=design_fields(rng, header, optional_share=0.35),
        line=line,
        lines=(1, rng.randint(1, 4)),
        section=design_fields(rng, section_keys, 0.0, prefix="extra-"),
        section_rate=rng.uniform(0.2, 0.6),
        radios=rng.random() < 0.3,
        attach=rng.choice((0.0, 0.5, 0.9)),
        agree=rng.random() < 0.5,
        confirm_page=rng.choice((0.0, 0.5, 1.0)),
        habits=Habits.draw(rng),
    )


RECORD_THEMES = {
    "account": (
        "crm.example.com/accounts",
        ["company", "phone", "email", "city", "country", "department"],
    ),
    "order": (
        "shop-admin.example.net/orders",
        ["order_no", "company", "amount", "currency", "start_date", "quantity"],
    ),
    "employee": (
        "hr.example.org/people",
        ["person_id", "first_name", "last_name", "department", "email", "phone"],
    ),
}


@dataclass(frozen=True)
class FormToSpreadsheet:
    """Open a record on a web page, copy its values into the next row of a sheet."""

    name: str
    url: str
    workbook: str
    sheet: str
    fields: list[FieldDesign]
    typed: float  # chance a value is typed into the cell instead of pasted
    search: bool  # the record is found by a search box, else picked from a list
    save_every: int
    habits: Habits
    family: str = "form_to_spreadsheet"

    def setup(self) -> Step:
        return [ui.excel(self.workbook, self.sheet, "openWorkbook", "load"), ui.navigate(self.url)]

    def perform(self, rng: Random, n: int) -> list[Step]:
        record_id = f"{rng.randrange(10**4, 10**5)}"
        record = f"{self.url}/{record_id}"
        if self.search:
            box = ui.WebField("q", "Search", "search-input", input_type="search")
            open_record = [
                *ui.type_into(rng, self.url, box, record_id, 0.0),
                *ui.button(self.url, "Search", "btn-search"),
                ui.link(self.url, record_id, record),
            ]
        else:
            open_record = [ui.navigate(self.url), ui.link(self.url, record_id, record)]
        row = n + 2
        cells = [self._cell(rng, f, record, i, row) for i, f in enumerate(self.fields)]
        steps = [open_record, *[c for c in cells if c]]
        if (n + 1) % self.save_every == 0:
            steps.append([ui.excel(self.workbook, self.sheet, "saveWorkbook")])
        return steps

    def _cell(self, rng: Random, field: FieldDesign, record: str, col: int, row: int) -> Step:
        if rng.random() < field.optional:
            return []
        value = field.value(rng)
        ref = f"{ui.column_letter(col)}{row}"
        if rng.random() < self.typed:
            return [ui.cell(self.workbook, self.sheet, "editCell", ref, value)]
        shown = ui.WebField(field.field.name, field.field.label, field.field.element_id, tag="SPAN")
        return [
            ui.copy_text(record, value, shown),
            ui.cell(self.workbook, self.sheet, "pasteIntoCell", ref, value, content=value),
        ]


def draw_form_to_spreadsheet(rng: Random) -> FormToSpreadsheet:
    theme = rng.choice(sorted(RECORD_THEMES))
    site, keys = RECORD_THEMES[theme]
    chosen = rng.sample(keys, rng.randint(3, len(keys)))
    workbook = rng.choice(
        (f"{theme}_list.xlsx", f"{theme.title()}s_{rng.randrange(1, 13):02d}.xlsx")
    )
    return FormToSpreadsheet(
        name=f"form_to_spreadsheet: {theme} records into {workbook}",
        url="https://" + site,
        workbook=workbook,
        sheet=rng.choice(SHEETS),
        fields=design_fields(rng, chosen, optional_share=0.15),
        typed=rng.choice((0.0, 0.1, 0.4)),
        search=rng.random() < 0.5,
        save_every=rng.randint(3, 12),
        habits=Habits.draw(rng),
    )
