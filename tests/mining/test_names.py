"""Candidate names from consensus steps: what the routine does, from where, into where."""

from __future__ import annotations

import polars as pl

from mining.names import name_process


def steps(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    """Consensus steps from (kind, app, window template, url)."""
    return pl.DataFrame(
        [
            {
                "kind": k,
                "app": app,
                "window_template": window,
                "action": f"{k}|{app}||{window}|{url}",
            }
            for k, app, window, url in rows
        ]
    )


def test_a_spreadsheet_row_copied_into_a_web_form_is_entered_from_the_workbook():
    name = name_process(
        steps(
            ("getCell", "Excel", "StudentRecords.xlsx | Sheet1", ""),
            ("copyCell", "Excel", "StudentRecords.xlsx | Sheet1", ""),
            ("paste", "Chrome", "", "localhost:<num>/students/new"),
            ("clickButton", "Chrome", "", "localhost:<num>/students/new"),
        )
    )
    assert name == "Enter student from StudentRecords into localhost"


def test_values_taken_from_a_page_into_a_sheet_are_copied():
    name = name_process(
        steps(
            ("copy", "chrome.exe", "<*> | Account | Salesforce", "crm.example.com/accounts/<id>"),
            ("paste", "EXCEL.EXE", "Customer_Checks_W<num>.xlsx - Excel", ""),
        )
    )
    assert name == "Copy account from crm into Customer_Checks_W"


def test_an_answer_typed_in_the_mail_app_is_a_reply():
    name = name_process(
        steps(
            ("copy", "saplogon.exe", "Display Sales Order", ""),
            ("type", "OUTLOOK.EXE", "RE: Order status <num> - Message", ""),
        )
    )
    assert name == "Reply to order e-mail"


def test_a_form_filled_by_typing_names_its_system_and_placeholders_never_show():
    name = name_process(
        steps(
            ("changeField", "Chrome", "Reimbursement <num>", "forms.example.com/reimbursement"),
            ("clickButton", "Chrome", "Reimbursement <num>", "forms.example.com/reimbursement"),
        )
    )
    assert name == "Fill in reimbursement in forms"
    assert "<" not in name


def test_an_app_of_a_fiori_launchpad_is_named_by_its_intent():
    """The launchpad's intent ("#SalesOrder-approve") names the app, whether the
    recorder logged the address or only the controls' ids named it."""
    launchpad = "fiori.example.com/sap/bc/ui2/flp"
    with_address = steps(
        ("clickButton", "Chrome", "", f"{launchpad}#Shell-home"),
        ("clickButton", "Chrome", "", f"{launchpad}#PurchaseRequisition-approve"),
        ("changeField", "Chrome", "", f"{launchpad}#PurchaseRequisition-approve"),
        ("clickButton", "Chrome", "", f"{launchpad}#PurchaseRequisition-approve"),
    )
    assert name_process(with_address) == "Approve purchase requisition in fiori"
    from_ids = steps(
        ("clickButton", "Chrome", "", "#WBSElement-displayFactSheet"),
        ("clickButton", "Chrome", "", "#WBSElement-displayFactSheet"),
    )
    assert name_process(from_ids) == "Display fact sheet WBS element"
