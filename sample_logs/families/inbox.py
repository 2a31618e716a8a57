"""Blind family ``fiori_inbox``: work items approved in a Fiori-like inbox, recorded as clicks.

Designed apart from `systems.Clickstream`. A master list of pending items on the left,
the selected item's detail on the right, a footer with Approve / Reject (and Claim in some
apps), a dialog with an optional note and Submit. What the recorder has of a click is the
screen position, and, depending on the design, an XPath (list entries carry their
position, ``li[3]``, which changes as approved items leave the list and new ones arrive)
or UI5 ids (list entries and dialog buttons get generated ids, ``__item57-…-list-2``,
``__button212``, numbered on as the session creates controls). No window titles, no
URL: what a click recorder outside the browser sees (among several apps of one
launchpad, `blind.blind_fiori_log`, some logs have both: the app's title and the
launchpad's address, whose route names the app). The window is moved or resized now
and then, which shifts every position.

A person mostly takes the top item, sometimes one further down; looks at the attachments
or notes tab of some; rejects a few (a note is then required). Some people batch: they
open several items one after the other to check them, then switch the list to
multi-select, tick them all and approve them with one click (truth: see `work`). Between
items people refresh the list, sort or filter it, click somewhere idle (noise), and now
and then go back to the launchpad and open the app's tile again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from random import Random

from sample_logs.families.events import UiEvent
from sample_logs.families.routine import Step
from sample_logs.families.work import Work

SHELL = "/html/body/div[1]"
LIST = f"{SHELL}/div/div[2]/section/div/div[2]/ul"
DETAIL = f"{SHELL}/div/div[3]"
DIALOG = "/html/body/div[5]"
APPS = {
    "approve purchase requisitions": ("PurchaseRequisition", ("Items", "Attachments", "Notes")),
    "approve leave requests": ("LeaveRequest", ("Calendar", "Notes")),
    "approve supplier invoices": ("SupplierInvoice", ("Invoice", "Attachments", "Workflow")),
    "release sales orders": ("SalesOrder", ("Items", "Credit check")),
}
NOTES = ("ok", "approved", "budget ok", "please check quantity", "see mail", "not in budget")


@dataclass(frozen=True)
class Screen:
    """Where the app's elements are for a window placement: list, footer, dialog."""

    list_x: int
    list_top: int
    row_height: int
    footer_x: int
    footer_y: int
    dialog_x: int
    dialog_y: int


@dataclass(frozen=True)
class FioriInbox:
    """Work items approved in a Fiori inbox (see the module docstring)."""

    name: str
    app: str
    tabs: tuple[str, ...]
    encoding: str  # xy, xpath or css
    tile: tuple[int, int]
    claim: bool  # the item must be claimed before a decision
    pick_lower: float  # chance the person takes an item further down the list
    look_tab: float  # chance of checking a detail tab first
    drill: float  # chance of opening line items one by one first
    reject: float
    note: float  # chance of a note when approving
    batch_rate: float  # chance a unit is a batch approval
    relaunch: float  # chance of starting from the launchpad again
    moves_every: int  # instances between window moves
    id_base: int
    family: str = "fiori_inbox"
    # among several apps of one launchpad (`blind.blind_fiori_log`), the app's place: its
    # views' ids carry its component, its pages sit in a container of their own
    app_index: int | None = None
    # the launchpad's address where the recorder is a browser extension that logs it
    # (the route names the app, "#SalesOrder-approve", or the home page); "" for none
    launchpad: str = ""

    def needs_smartrpa(self) -> bool:
        """Always: a browser extension such as Action Logger would log the URL and title
        this recording lacks; a desktop click recorder logs neither."""
        return True

    def setup(self, rng: Random) -> Step:
        return self._launch(rng)

    def distraction(self, rng: Random) -> Step:
        """Refreshing, sorting or filtering the list, or a click on nothing in particular."""
        screen = self._screen(rng.randrange(300))
        what = rng.choice(("refresh", "sort", "filter", "idle"))
        if what == "idle":
            return [self._click(rng, rng.randint(300, 1300), rng.randint(100, 800), "", "", "")]
        x = screen.list_x + {"refresh": 250, "sort": 210, "filter": 170}[what]
        y = screen.list_top - 50
        button = self._click(
            rng,
            x,
            y,
            f"{DETAIL}/header/div/button[{3 if what == 'refresh' else 2}]",
            f"__xmlview1--{what}Button-inner",
            "sapMBtnInner",
        )
        if what != "filter":
            return [button]
        typed = UiEvent(
            "Chrome",
            "changeField",
            "type",
            value=rng.choice(("PR", "2026", "urgent")),
            **self._where(
                screen.list_x + 80,
                y,
                f"{DETAIL}/header/div/input[1]",
                "__xmlview1--search-I",
                "sapMSFI",
            ),
        )
        return [button, typed]

    def work(self, rng: Random, n: int, most: int) -> Work:
        size = rng.randint(2, 6) if rng.random() < self.batch_rate else 1
        size = min(size, most)
        screen = self._screen(n)
        start: Step = self._launch(rng) if rng.random() < self.relaunch else []
        if size == 1:
            return Work(1, [(0, s) for s in [start, *self._one(rng, n, screen)] if s])
        steps: list[tuple[int, Step]] = [(0, start)] if start else []
        for i in range(size):  # check each item first
            steps.append((i, [self._item(rng, n + i, screen, i + 1)] + self._look(rng, screen)))
        last = size - 1
        steps.append((last, [self._button(rng, screen, "Select")]))
        for i in range(size):
            steps.append((i, [self._checkbox(rng, n + i, screen, i + 1)]))
        steps.append(
            (
                last,
                [
                    self._button(rng, screen, "Approve"),
                    self._dialog(rng, n + last, screen, "Submit"),
                ],
            )
        )
        return Work(size, steps)

    def _one(self, rng: Random, n: int, screen: Screen) -> list[Step]:
        position = 1 if rng.random() >= self.pick_lower else rng.randint(2, 6)
        steps: list[Step] = [[self._item(rng, n, screen, position)], self._look(rng, screen)]
        if self.claim:
            steps.append([self._button(rng, screen, "Claim")])
        rejecting = rng.random() < self.reject
        decision = [self._button(rng, screen, "Reject" if rejecting else "Approve")]
        if rejecting or rng.random() < self.note:
            decision += self._note(rng, screen)
        decision.append(self._dialog(rng, n, screen, "Submit"))
        steps.append(decision)
        return steps

    def _screen(self, n: int) -> Screen:
        """The window's placement for instance n: moved now and then."""
        place = Random(f"{self.name}/window/{n // self.moves_every}")
        dx, dy = (
            place.choice((0, 0, place.randint(-200, 300))),
            place.choice((0, 0, place.randint(-60, 80))),
        )
        height = place.choice((900, 1000, 1040))
        return Screen(
            list_x=40 + dx,
            list_top=190 + dy,
            row_height=place.choice((64, 72, 80)),
            footer_x=1180 + dx,
            footer_y=height - 60 + dy,
            dialog_x=720 + dx,
            dialog_y=height // 2 + dy,
        )

    def _launch(self, rng: Random) -> Step:
        """Home on the launchpad, then the app's tile."""
        home = self._click(
            rng,
            40,
            28,
            f"{SHELL}/header/div[1]/a[1]/img",
            "shell-header-logo",
            "sapUshellShellIco",
        )
        x, y = self.tile
        tile = self._click(
            rng,
            x,
            y,
            f"{SHELL}/div[3]/section[1]/div[2]/div[{1 + x // 200}]/div[1]",
            f"__tile{self.id_base % 50 + 1}",
            "sapMGT",
        )
        # home is pressed in the app, the tile on the launchpad's home page
        return [home, replace(tile, url=self._url("Shell-home"), title=self._title("Home"))]

    def _item(self, rng: Random, n: int, screen: Screen, position: int) -> UiEvent:
        y = screen.list_top + screen.row_height * (position - 1) + screen.row_height // 2
        generated = self.id_base + 4 * n + rng.randrange(3)
        return self._click(
            rng,
            screen.list_x + 150,
            y,
            f"{LIST}/li[{position}]/div/div[2]/div[1]",
            f"__item{generated}-__xmlview1--list-{position - 1}",
            "sapMLIB sapMObjLItem",
        )

    def _checkbox(self, rng: Random, n: int, screen: Screen, position: int) -> UiEvent:
        y = screen.list_top + screen.row_height * (position - 1) + screen.row_height // 2
        generated = self.id_base + 4 * n + 1
        return self._click(
            rng,
            screen.list_x + 18,
            y,
            f"{LIST}/li[{position}]/div[1]/div/input",
            f"__item{generated}-__xmlview1--list-{position - 1}-selectMulti-CbBg",
            "sapMCbBg",
        )

    def _look(self, rng: Random, screen: Screen) -> Step:
        """Checking before deciding: a detail tab, or line items opened one by one."""
        if rng.random() < self.drill:
            return [
                e for line in range(1, rng.randint(2, 4)) for e in self._line(rng, screen, line)
            ]
        if rng.random() >= self.look_tab:
            return []
        i = rng.randrange(len(self.tabs))
        x, y = screen.footer_x - 700 + 120 * i, screen.list_top + 60
        tab = self._click(
            rng,
            x,
            y,
            f"{DETAIL}/section/div[2]/div[1]/div[{i + 1}]",
            f"__xmlview2--iconTab{self.tabs[i].replace(' ', '')}-text",
            "sapMITBText",
        )
        back = self._click(
            rng,
            screen.footer_x - 700,
            y,
            f"{DETAIL}/section/div[2]/div[1]/div[1]",
            f"__xmlview2--iconTab{self.tabs[0].replace(' ', '')}-text",
            "sapMITBText",
        )
        return [tab, back] if i and rng.random() < 0.5 else [tab]

    def _line(self, rng: Random, screen: Screen, line: int) -> Step:
        """Open line item ``line`` of the detail's table, then the back arrow."""
        x, y = screen.footer_x - 500, screen.list_top + 200 + 48 * line
        row = f"{DETAIL}/section/div[3]/table/tbody/tr[{line}]/td[2]"
        opened = self._click(rng, x, y, row, f"__item{self.id_base + 900 + line}-cell1", "sapMText")
        arrow = f"{SHELL}/div/div[4]/header/div/button[1]"
        back = self._click(
            rng,
            screen.list_x + 420,
            screen.list_top - 60,
            arrow,
            "__xmlview3--backBtn-img",
            "sapMBtnIcon",
        )
        return [opened, back]

    def _button(self, rng: Random, screen: Screen, label: str) -> UiEvent:
        """A footer button of the detail (Approve, Reject, Claim) or the list's Select."""
        slot = {"Approve": 1, "Reject": 2, "Claim": 3, "Select": 1}[label]
        where = "header" if label == "Select" else "footer"
        if label == "Select":
            x, y = screen.list_x + 40, screen.list_top - 50
        else:
            x, y = (
                screen.footer_x - {"Approve": 0, "Reject": 110, "Claim": 230}[label],
                screen.footer_y,
            )
        return self._click(
            rng,
            x,
            y,
            f"{DETAIL}/{where}/div/button[{slot}]/span/bdi",
            f"__xmlview1--{label.lower()}Button-BDI-content",
            "sapMBtnContent",
        )

    def _note(self, rng: Random, screen: Screen) -> Step:
        x, y = screen.dialog_x, screen.dialog_y - 60
        where = self._where(
            x,
            y,
            f"{DIALOG}/section/div/textarea",
            f"__area{self.id_base % 9}-inner",
            "sapMTextAreaInner",
        )
        return [
            UiEvent("Chrome", "clickTextField", "click", **where),
            UiEvent("Chrome", "changeField", "type", value=rng.choice(NOTES), **where),
        ]

    def _dialog(self, rng: Random, n: int, screen: Screen, label: str) -> UiEvent:
        return self._click(
            rng,
            screen.dialog_x + 90,
            screen.dialog_y + 70,
            f"{DIALOG}/footer/div/button[1]/span/bdi",
            f"__button{self.id_base + 3 * n + rng.randrange(2)}-BDI-content",
            "sapMBtnContent",
        )

    def _click(self, rng: Random, x: int, y: int, xpath: str, element_id: str, cls: str) -> UiEvent:
        """A click a few pixels off the element's centre, named as the design's recorder does."""
        where = self._where(x + rng.randint(-6, 6), y + rng.randint(-4, 4), xpath, element_id, cls)
        return UiEvent("Chrome", "clickButton", "click", **where)

    def _where(self, x: int, y: int, xpath: str, element_id: str, cls: str) -> dict:
        entity, _ = APPS[self.app]
        if self.app_index is not None:
            if element_id.startswith("__xmlview"):
                element_id = f"application-{entity}-approve-component---{element_id}"
            app_root = f"{SHELL}/div/"
            if xpath.startswith(app_root):
                xpath = f"{app_root}div[{self.app_index + 1}]/{xpath[len(app_root) :]}"
        place: dict = {
            "x": x,
            "y": y,
            "url": self._url(f"{entity}-approve"),
            "title": self._title(self.app.title()),
        }
        if self.encoding == "xpath" and xpath:
            place["xpath"] = xpath
        if self.encoding == "css" and element_id:
            place |= {"element_id": element_id, "element_class": cls, "tag": "SPAN"}
        return place

    def _url(self, route: str) -> str:
        return f"{self.launchpad}#{route}" if self.launchpad else ""

    def _title(self, page: str) -> str:
        """The browser tab's title, where the recorder logs the address."""
        return page if self.launchpad else ""


def draw_fiori_inbox(rng: Random) -> FioriInbox:
    app = rng.choice(sorted(APPS))
    _, tabs = APPS[app]
    return FioriInbox(
        name=f"fiori_inbox: {app}",
        app=app,
        tabs=tabs,
        encoding=rng.choice(("xy", "xpath", "css")),
        tile=(rng.randint(80, 1300), rng.randint(180, 640)),
        claim=rng.random() < 0.3,
        pick_lower=rng.choice((0.0, 0.15, 0.4)),
        look_tab=rng.choice((0.1, 0.4, 0.8)),
        drill=rng.choice((0.0, 0.3, 0.7)),
        reject=rng.uniform(0.03, 0.15),
        note=rng.choice((0.0, 0.2, 0.5)),
        batch_rate=rng.choice((0.0, 0.3, 0.7)),
        relaunch=rng.choice((0.0, 0.1, 0.3)),
        moves_every=rng.randint(12, 60),
        id_base=rng.randrange(20, 400),
    )
