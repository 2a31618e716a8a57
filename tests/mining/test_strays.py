"""Which of a routine's actions are noise (`mining.structure.find_strays`), on hand-made
segments: one routine of 30 instances, actions labelled as `label_actions` does
(``kind|app|element|title template|URL template``)."""

from __future__ import annotations

import polars as pl

from mining.config import MiningConfig
from mining.structure import count_strays, find_strays

MAIL = [
    "clickLink|Chrome|Order confirmation||mail.example.com/inbox",
    "copy|Chrome|Body||mail.example.com/inbox/id/<num>",
]
ERP = [
    "clickButton|Chrome|New order||erp.example.com/orders/new",
    "paste|Chrome|Supplier||erp.example.com/orders/new",
    "clickButton|Chrome|Save||erp.example.com/orders/new",
]
CHAT = [
    "clickTextField|Chrome|message||teams.example.com/chat",
    "clickButton|Chrome|send||teams.example.com/chat",
]
SEARCH = [
    "clickTextField|Chrome|q||search.example.com",
    "clickLink|Chrome|result||search.example.com/results",
]
SUBMITTED = ["clickLink|Chrome|Back to overview||erp.example.com/orders/submitted"]
LOOKUP = ["clickLink|Chrome|Supplier record||crm.example.com/suppliers"]
TRAINING = [f"clickTextField|Chrome|{field}||hr.example.org/request" for field in
            ("course", "start", "end", "cost", "approver", "reason")]  # fmt: skip


def strays(instances: list[list[str]], others: list[list[str]] = ()) -> set[str]:
    """The stray actions of a routine whose instances do ``instances`` (and of another
    whose instances do ``others``)."""
    actions = [a for steps in [*instances, *others] for a in steps]
    ids = [k for k, steps in enumerate([*instances, *others]) for _ in steps]
    vocabulary = sorted(set(actions))
    segments = pl.DataFrame(
        {
            "i": range(len(actions)),
            "stretch": [0] * len(actions),
            "routine": [0 if k < len(instances) else 1 for k in ids],
            "id": ids,
            "code": [vocabulary.index(a) for a in actions],
            "action": actions,
        }
    )
    config = MiningConfig()
    found = find_strays([count_strays(segments, config)], config)
    return {vocabulary[c] for c in found.filter("stray")["code"]}


def test_work_on_another_site_after_some_instances_is_noise() -> None:
    # every such tail is entered from the save, as all work after an instance is
    tails = {k: CHAT if k % 8 == 1 else SEARCH for k in range(1, 30, 4)}
    assert strays([MAIL + ERP + tails.get(k, []) for k in range(30)]) == set(CHAT + SEARCH)


def test_a_confirmation_page_on_the_routines_own_site_is_a_step() -> None:
    assert strays([MAIL + ERP + (SUBMITTED if k % 3 == 0 else []) for k in range(30)]) == set()


def test_a_detour_from_one_step_is_a_branch_and_one_from_anywhere_noise() -> None:
    steps = MAIL + ERP
    branch = [steps[:4] + LOOKUP + steps[4:] if k % 4 == 0 else steps for k in range(30)]
    assert strays(branch) == set()
    anywhere = [steps[: 1 + k // 4 % 4] + CHAT + steps[1 + k // 4 % 4 :] if k % 4 == 0 else steps
                for k in range(30)]  # fmt: skip
    assert strays(anywhere) == set(CHAT)


def test_another_routine_taken_for_part_of_this_one_is_no_noise() -> None:
    # a third of the "instances" are a training request on a site of its own: a window
    # most instances do not use, but too much of the work to be an interruption
    instances = [MAIL + ERP] * 20 + [TRAINING] * 10
    assert strays(instances) == set()


def test_pieces_too_short_to_be_instances_leave_the_routines_pages_alone() -> None:
    # another routine ends with the same paste into the same workbook, so each of its
    # instances leaves a one-event piece of this one: more pieces than instances, but
    # noise themselves (shorter than segment_min_events); the review and confirmation
    # pages every real instance passes through are steps, not noise
    request = [f"clickTextField|Chrome|{field}||hr.example.org/requests/<num>/general"
               for field in ("provider", "start", "end", "fee", "cost centre")]  # fmt: skip
    review = ["clickButton|Chrome|submit||hr.example.org/requests/<num>/review"]
    confirmed = ["copy|Chrome|TR-<num>||hr.example.org/requests/<num>/confirmation"]
    paste = ["paste|Microsoft Excel|A<row>|my_requests.xlsx|"]
    instances = [request + review + confirmed + paste] * 30 + [paste] * 35
    assert strays(instances) == set()


def test_a_rare_click_on_no_element_is_noise_where_the_steps_name_theirs() -> None:
    """A recorder in the browser names the element of every click; one that names none
    (known by where it landed alone, "@7") hit no control: a click on an empty spot of
    the page, now and then, noise. Where the recorder names no element at all, a rare
    spot is a rare step (a list's sixth row) and stays."""
    page = "erp.example.com/inbox"
    steps = [f"clickButton|Chrome|{step}||{page}" for step in ("item", "approve", "submit")]
    spots = [f"mouseClick|Chrome|@{k}||{page}" for k in range(12)]
    named = [steps + ([spots[k // 3]] if k % 3 == 0 else []) for k in range(36)]
    assert strays(named) == set(spots)
    bare = [spots[:3] + ([spots[3 + k % 9]] if k % 3 == 0 else []) for k in range(36)]
    assert strays(bare) == set()


def test_a_click_on_no_element_is_noise_in_a_program_whose_steps_name_theirs() -> None:
    """The recorder logs no title for a click on nothing (there is no element to take
    it from) and no page address but the app's route: its window is none of the
    steps'. Whether a recorder names elements is a matter of the program, so in a
    browser whose steps name theirs, the rare click on an empty spot is noise all the
    same, even where it always comes right after the same step. A page with a title
    whose clicks name nothing (a chart, a remote desktop in the browser) is a window
    of its own, and its rare spot is a rare step."""
    page = "erp.example.com/flp#Invoice-approve"
    steps = [f"clickButton|Chrome|{step}|Approve Invoices|{page}"
             for step in ("item", "approve", "submit")]  # fmt: skip
    spots = [f"mouseClick|Chrome|@{k}||#Invoice-approve" for k in range(12)]
    named = [steps[:1] + ([spots[k // 3]] if k % 3 == 0 else []) + steps[1:] for k in range(36)]
    assert strays(named) == set(spots)
    chart = [f"mouseClick|Chrome|@{k}|Spend chart|bi.example.com/chart" for k in range(12)]
    charted = [steps + chart[:1] + ([chart[1 + k % 11]] if k % 3 == 0 else []) for k in range(36)]
    assert strays(charted) == set()


def test_a_routine_of_clicks_on_nothing_is_noise_where_the_window_s_steps_name_theirs() -> None:
    """Launches from the home page, each followed by two clicks on empty spots while the
    app loads: structure made a routine of them, whose clicks name no element, each
    spot clicked once. Where the other routine's steps in that window name their
    elements, they hit nothing all the same; the launches stay."""
    page = "erp.example.com/inbox"
    steps = [f"clickButton|Chrome|{step}||{page}" for step in ("item", "approve", "submit")]
    launch = [f"clickButton|Chrome|{step}||erp.example.com/home" for step in ("logo", "tile")]
    spots = [f"mouseClick|Chrome|@{k}||{page}" for k in range(24)]
    loading = [launch + spots[2 * k : 2 * k + 2] for k in range(12)]
    assert strays([steps] * 30, loading) == set(spots)
