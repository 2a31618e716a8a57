"""Blind family ``request_wizard``: a travel, expense or training request over several pages.

Designed apart from `office.WebForm` from what such self-service portals look like: a
request is created from the portal's home (a tile, a direct link, or "Create another" on
the previous request's confirmation page), then filled page by page with Next and Back.
Pages: general data (some fields typed, drop-downs, dates typed or picked in a calendar),
repeated items entered in a modal dialog (an expense with a receipt uploaded through the
OS file dialog, a travel leg), sometimes an approver found by type-ahead, a review page
with a confirmation box, and a confirmation page with the request number, which some
people copy into a personal tracking sheet. The person forgets a required field now and
then, is stopped by the validation message and fills it; goes back a page to fix a date;
saves a request as draft and finishes it later, after other work. Depending on the
portal the URL carries the page and the request id, only a hash route, or never changes
(a JSF page that posts back to itself); element ids may be framework-generated
(``mat-input-12``) and so differ between designs but not between instances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from sample_logs import fakes
from sample_logs.families.entry import Typist, press, select, tick, upload
from sample_logs.families.events import UiEvent, WebField, cell, web
from sample_logs.families.routine import Step
from sample_logs.families.work import Work, single

#: theme → general fields, item fields, the item dialog's button label, receipts?
#: A field is (key, label, kind): kind text, select or date; the value comes from `_value`.
THEMES = {
    "travel request": (
        [
            ("destination", "Destination", "text"),
            ("purpose", "Purpose of travel", "text"),
            ("cost_centre", "Cost centre", "select"),
            ("departure", "Departure", "date"),
            ("return", "Return", "date"),
            ("advance", "Cash advance", "text"),
        ],
        [
            ("from", "From", "text"),
            ("to", "To", "text"),
            ("mode", "Transport", "select"),
            ("leg_date", "Date", "date"),
            ("estimate", "Estimated cost", "text"),
        ],
        "Add leg",
        False,
    ),
    "expense report": (
        [
            ("report_name", "Report name", "text"),
            ("cost_centre", "Cost centre", "select"),
            ("trip", "Business purpose", "text"),
            ("project", "Project", "text"),
        ],
        [
            ("expense_type", "Expense type", "select"),
            ("receipt_date", "Receipt date", "date"),
            ("amount", "Amount", "text"),
            ("currency", "Currency", "select"),
            ("vendor", "Vendor", "text"),
        ],
        "Add expense",
        True,
    ),
    "training request": (
        [
            ("course", "Course title", "text"),
            ("provider", "Provider", "text"),
            ("course_start", "Start date", "date"),
            ("course_end", "End date", "date"),
            ("fee", "Course fee", "text"),
            ("cost_centre", "Cost centre", "select"),
        ],
        [("participant", "Participant", "text"), ("role", "Role", "select")],
        "Add participant",
        False,
    ),
}
HOSTS = (
    "https://selfservice.example-corp.com",
    "https://travel.intra.example.net",
    "https://hr-portal.example.org",
    "https://expenses.example.eu",
)
SELECTS = {
    "cost_centre": ("CC-1000 Finance", "CC-2100 Sales DACH", "CC-3300 IT Ops", "CC-4100 R&D"),
    "mode": ("Train", "Flight", "Rental car", "Own car"),
    "expense_type": ("Hotel", "Meals", "Taxi", "Train ticket", "Parking", "Conference fee"),
    "currency": ("EUR", "EUR", "USD", "GBP", "CHF"),
    "role": ("Attendee", "Speaker", "Organiser"),
}
DATE_FORMATS = ("%d.%m.%Y", "%m/%d/%Y", "%Y-%m-%d", "%d/%m/%Y")


def _value(rng: Random, key: str) -> str:
    if key in SELECTS:
        return rng.choice(SELECTS[key])
    if key in ("destination", "from", "to"):
        return rng.choice(fakes.CITIES)
    if key in ("advance", "estimate", "amount", "fee"):
        return fakes.amount(rng, rng.choice((40, 120, 600)))
    if key in ("project",):
        return f"PRJ-{fakes.digits(rng, 5)}"
    if key in ("participant",):
        return " ".join(fakes.person(rng))
    if key in ("vendor", "provider"):
        return rng.choice(fakes.MERCHANTS + tuple(fakes.company(rng) for _ in range(2)))
    if key == "course":
        return rng.choice(("Advanced Excel", "GDPR basics", "Negotiation", "Python for analysts"))
    return rng.choice(("Customer workshop", "Kick-off", "Q3 review", "Audit", "Trade fair"))


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str
    web: WebField
    optional: float  # chance a person leaves it empty
    forgotten: float  # chance a required field is left out and the page refuses to go on


@dataclass(frozen=True)
class RequestWizard:
    """A request entered page by page in a self-service portal (see the module docstring)."""

    name: str
    host: str
    url_style: str  # path, hash or static
    general: list[Field]
    item: list[Field]
    item_button: str
    items: tuple[int, int]
    receipts: float  # chance an item gets a receipt uploaded
    approver: bool  # an approver page with type-ahead search
    agree: bool
    start: str  # tile, link or another
    back_rate: float
    draft_rate: float
    copy_ref: float  # chance the request number is copied into a tracking sheet
    date_format: str
    first_id: int
    typist: Typist
    family: str = "request_wizard"

    def needs_smartrpa(self) -> bool:
        return False

    def setup(self, rng: Random) -> Step:
        login = f"{self.host}/login"
        user = WebField("username", "User", "username")
        return [
            web("", "newTab", "load"),
            web(login, "navigateTo", "load"),
            *self.typist.fill(rng, login, user, "j.doe"),
            press(login, "Sign in", "login-submit"),
            web(f"{self.host}/home", "navigateTo", "load"),
        ]

    def distraction(self, rng: Random) -> Step:
        """Checking the status of earlier requests in the portal."""
        mine = f"{self.host}/requests?filter=mine"
        events = [web(mine, "navigateTo", "load")]
        for _ in range(rng.randint(1, 3)):
            rid = self.first_id + rng.randrange(200)
            events.append(
                web(mine, "clickLink", "look", tag="A", text=f"#{rid}", href=self._url(rid, "view"))
            )
        return events

    def work(self, rng: Random, n: int, most: int) -> Work:
        rid = self._id(n)
        steps: list[Step] = [self._open(rng, n, rid)]
        leave_after = None
        for page_no, page in enumerate(self.pages):
            steps += self._page(rng, page, rid)
            if leave_after is None and page_no == self._left_on(n):
                steps.append([press(self._url(rid, page), "Save draft", "btn-draft")])
                leave_after = len(steps) - 1
                steps.append(self._reopen(rid, page))
            if page_no < len(self.pages) - 1:
                steps.append(self._next(page_no, rid))
                if page_no == 1 and rng.random() < self.back_rate:
                    steps += self._back_and_fix(rng, rid)
        steps.append(self._submit(rng, rid))
        return single(steps, leave_after)

    @property
    def pages(self) -> list[str]:
        return ["general", "items"] + (["approver"] if self.approver else []) + ["review"]

    def _id(self, n: int) -> int:
        return self.first_id + 3 * n + (7 * n) % 3

    def _url(self, rid: int, page: str) -> str:
        if self.url_style == "path":
            return f"{self.host}/requests/{rid}/{page}"
        if self.url_style == "hash":
            return f"{self.host}/app/index.html#/request/{rid}/{page}"
        return f"{self.host}/faces/request.xhtml"

    def _left_on(self, n: int) -> int | None:
        """The page (0 or 1) instance n is saved as draft on, if it is; fixed per n so that
        the next instance knows it cannot start from this one's confirmation page."""
        draw = Random(f"{self.name}/{self.first_id}/draft/{n}")
        return draw.randrange(2) if draw.random() < self.draft_rate else None

    def _open(self, rng: Random, n: int, rid: int) -> Step:
        first = self._url(rid, "general")
        after_submit = n > 0 and self._left_on(n - 1) is None
        if self.start == "another" and after_submit and rng.random() < 0.8:
            done = self._url(self._id(n - 1), "confirmation")
            return [press(done, "Create another", "btn-another"), web(first, "navigateTo", "load")]
        home = f"{self.host}/home"
        if self.start == "tile" or rng.random() < 0.2:
            return [
                web(home, "navigateTo", "load"),
                press(home, f"New {self.name.split(': ')[1]}", "tile-new", tag="DIV"),
                web(first, "navigateTo", "load"),
            ]
        return [
            web(f"{self.host}/requests/new", "navigateTo", "load"),
            web(first, "navigateTo", "load"),
        ]

    def _page(self, rng: Random, page: str, rid: int) -> list[Step]:
        url = self._url(rid, page)
        if page == "general":
            return self._general(rng, url)
        if page == "items":
            return self._items(rng, url)
        if page == "approver":
            box = WebField("approver", "Approver", "approver-search", input_type="search")
            name = " ".join(fakes.person(rng))
            prefix = name[: rng.randint(3, 6)]
            return [
                [
                    *self.typist.fill(rng, url, box, prefix)[:-1],
                    press(url, name, "typeahead-option-0", "look", tag="LI"),
                ]
            ]
        events: Step = []
        if self.agree:
            events.append(
                tick(url, WebField("agree", "I confirm", "chk-agree", input_type="checkbox"))
            )
        if rng.random() < 0.2:
            note = WebField(
                "comment", "Comment to approver", "comment", tag="TEXTAREA", input_type=""
            )
            events += self.typist.fill(
                rng, url, note, rng.choice(("thanks", "urgent, see mail", "as agreed"))
            )
        return [events]

    def _general(self, rng: Random, url: str) -> list[Step]:
        steps, forgotten = [], None
        for field in self.general:
            if rng.random() < field.optional:
                continue
            if forgotten is None and rng.random() < field.forgotten:
                forgotten = field
                continue
            steps.append(self._fill(rng, url, field))
        if forgotten is not None:  # Next is refused; the message links to the field
            steps.append([press(url, "Next", "btn-next")])
            fix = [press(url, f"{forgotten.label} is required", "error-summary-0", "look", tag="A")]
            steps.append(fix[: rng.randint(0, 1)] + self._fill(rng, url, forgotten))
        return steps

    def _items(self, rng: Random, url: str) -> list[Step]:
        steps = []
        for i in range(rng.randint(*self.items)):
            dialog = [press(url, self.item_button, "btn-add-item")]
            fields = [self._fill(rng, url, f) for f in self.item if rng.random() >= f.optional]
            if self.receipts and rng.random() < self.receipts:
                file_input = WebField("receipt", "Receipt", "receipt-file", input_type="file")
                name = (
                    rng.choice(("scan", "IMG", "receipt", "Beleg")) + f"_{rng.randrange(10**4):04d}"
                )
                fields.append(
                    upload(url, "Upload receipt", file_input, name + rng.choice((".pdf", ".jpg")))
                )
            save = [press(url, "Save", "dialog-save")]
            steps += [dialog, *fields, save]
            if rng.random() < 0.05:  # item deleted again and re-entered differently
                steps.append(
                    [press(url, "Delete", f"item-{i}-delete"), press(url, "OK", "confirm-ok")]
                )
        return steps

    def _fill(self, rng: Random, url: str, field: Field) -> Step:
        value = _value(rng, field.key)
        if field.kind == "select":
            return [select(url, field.web, value)]
        if field.kind == "date":
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(330))
            return self.typist.date(rng, url, field.web, day, self.date_format)
        return self.typist.fill(rng, url, field.web, value)

    def _next(self, page_no: int, rid: int) -> Step:
        return [
            press(self._url(rid, self.pages[page_no]), "Next", "btn-next"),
            web(self._url(rid, self.pages[page_no + 1]), "navigateTo", "load"),
        ]

    def _back_and_fix(self, rng: Random, rid: int) -> list[Step]:
        """Back to the general page to correct a date, then forward again."""
        here = self._url(rid, self.pages[2])
        general = self._url(rid, "general")
        dates = [f for f in self.general if f.kind == "date"] or self.general[:1]
        fix = self._fill(rng, general, rng.choice(dates))
        back = [
            press(here, "Back", "btn-back"),
            web(self._url(rid, "items"), "navigateTo", "load"),
            press(self._url(rid, "items"), "Back", "btn-back"),
            web(general, "navigateTo", "load"),
        ]
        return [back, fix, self._next(0, rid), self._next(1, rid)]

    def _reopen(self, rid: int, page: str) -> Step:
        """Finding the draft again: the list of drafts, the request, the page it was left on."""
        drafts = f"{self.host}/requests?filter=drafts"
        return [
            web(drafts, "navigateTo", "load"),
            web(drafts, "clickLink", "look", tag="A", text=f"#{rid}", href=self._url(rid, page)),
            web(self._url(rid, page), "navigateTo", "load"),
        ]

    def _submit(self, rng: Random, rid: int) -> Step:
        review, done = self._url(rid, "review"), self._url(rid, "confirmation")
        ref = f"{self.name.split(': ')[1][:2].upper()}-2026-{rid:06d}"
        events: list[UiEvent] = [
            press(review, "Submit", "btn-submit"),
            web(review, "submit", tag="FORM", element_id="request-form"),
            web(done, "navigateTo", "load"),
        ]
        if rng.random() < self.copy_ref:
            events += [
                web(done, "copy", "look", content=ref, tag="STRONG", text=ref),
                cell(
                    "my_requests.xlsx",
                    "2026",
                    "pasteIntoCell",
                    f"A{rid % 500 + 2}",
                    ref,
                    content=ref,
                ),
            ]
        elif self.start != "another" and rng.random() < 0.4:
            events.append(
                web(done, "clickLink", tag="A", text="Back to home", href=f"{self.host}/home")
            )
        return events


def draw_request_wizard(rng: Random) -> RequestWizard:
    theme = rng.choice(sorted(THEMES))
    general, item, button, receipts = THEMES[theme]
    naming = rng.choice(("plain", "generated", "jsf"))
    counter = iter(range(rng.randrange(2, 40), 10**4))

    def fields(specs: list[tuple[str, str, str]], optional: float) -> list[Field]:
        out = []
        for key, label, kind in specs:
            element_id = {
                "plain": key.replace("_", "-"),
                "generated": f"mat-input-{next(counter)}",
                "jsf": f"requestForm:j_idt{next(counter)}:{key}",
            }[naming]
            tag = "SELECT" if kind == "select" else "INPUT"
            input_type = "select-one" if kind == "select" else "text"
            field = WebField(key, label, element_id, tag=tag, input_type=input_type)
            skip = rng.uniform(0.1, 0.4) if rng.random() < optional else 0.0
            out.append(
                Field(key, label, kind, field, skip, 0.0 if skip else rng.choice((0.0, 0.05, 0.15)))
            )
        return out

    chosen = [f for f in general if rng.random() < 0.8] or general[:3]
    return RequestWizard(
        name=f"request_wizard: {theme}",
        host=rng.choice(HOSTS),
        url_style=rng.choice(("path", "hash", "static")),
        general=fields(chosen, 0.3),
        item=fields(item, 0.2),
        item_button=button,
        items=(1, rng.randint(1, 5)),
        receipts=rng.choice((0.6, 0.9)) if receipts else 0.0,
        approver=rng.random() < 0.4,
        agree=rng.random() < 0.6,
        start=rng.choice(("tile", "link", "another")),
        back_rate=rng.choice((0.0, 0.05, 0.15)),
        draft_rate=rng.choice((0.0, 0.05, 0.12)),
        copy_ref=rng.choice((0.0, 0.0, 0.5, 0.9)),
        date_format=rng.choice(DATE_FORMATS),
        first_id=rng.randrange(10_000, 90_000),
        typist=Typist.draw(rng),
    )
