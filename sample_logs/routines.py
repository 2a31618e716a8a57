"""The routines the simulated employees perform: the ground truth a miner should recover.

Each `Routine` is a step tree (see `steps`) plus a function that draws the values of one
execution (invoice number, customer, amounts…). ``per_day`` is the mean number of
executions per user-day; together with the time each execution takes it says how many
hours a bot would save, by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from sample_logs import fakes
from sample_logs.steps import (
    Node,
    any_order,
    at,
    click,
    copy_from,
    double_click,
    either,
    fill,
    key,
    maybe,
    pick,
    read,
    scroll,
    seq,
    transfer,
)

DataFn = Callable[[Random, date], dict[str, str]]

#: A habit (see `steps.expand`): some clerks post invoices with MIRO, others with FB60.
USES_MIRO = "posts invoices with MIRO (rather than FB60)"


@dataclass(frozen=True, slots=True)
class Routine:
    name: str
    description: str
    per_day: float
    data: DataFn
    body: Node
    interrupts: bool = False  # short enough to be done in the middle of another routine


def _sap_transaction(code: str) -> Node:
    return at(
        "sap.home",
        either((0.8, fill("Transaction", f"/n{code}")), (0.2, fill("Transaction", code))),
        key("enter", "Transaction"),
    )


# -- 1. invoice entry from an e-mail attachment into SAP ------------------------------------


def _invoice_data(rng: Random, day: date) -> dict[str, str]:
    vendor = fakes.company(rng)
    invoice_no = fakes.invoice_number(rng, day.year)
    return {
        "vendor": vendor,
        "vendor_id": f"10{fakes.digits(rng, 4)}",
        "invoice_no": invoice_no,
        "inv_date": fakes.german(fakes.day_before(rng, day, 30)),
        "amount": fakes.amount(rng, 1200),
        "po": f"45000{fakes.digits(rng, 5)}",
        "subject": rng.choice(
            ("Invoice {} from {}", "{1}: invoice {0}", "Rechnung {} - {}")
        ).format(invoice_no, vendor),
        "pdf_name": f"Invoice_{invoice_no.strip('#').replace('/', '-')}.pdf",
        "sap_doc": f"51056{fakes.digits(rng, 5)}",
    }


def _invoice_form(form: str, code: str, reference: tuple[str, str]) -> Node:
    return seq(
        _sap_transaction(code),
        any_order(
            transfer("pdf.invoice", "Invoice date", form, "Invoice date", "{inv_date}"),
            transfer("pdf.invoice", "Invoice number", form, "Reference", "{invoice_no}"),
            transfer("pdf.invoice", "Total amount", form, "Amount", "{amount}"),
            transfer("pdf.invoice", *reference),
        ),
        at(
            form,
            maybe(0.5, pick("Tax code", "V1 (19% input tax)")),
            maybe(0.6, click("Simulate")),
            click("Post", think=1.5),
        ),
    )


INVOICE_ENTRY = Routine(
    "invoice_entry",
    "Key a vendor invoice received as a PDF e-mail attachment into SAP (MIRO or FB60)",
    10.0,
    _invoice_data,
    seq(
        at("mail.inbox", click("Message list", "listitem", "{subject}")),
        at("mail.message", maybe(0.5, read("Message body", think=2.0))),
        at("mail.message", double_click("Attachment", "listitem", "{pdf_name}")),
        at("pdf.invoice", read("Invoice document", think=3.0)),
        either(
            (
                0.7,
                _invoice_form(
                    "sap.miro", "MIRO", ("Purchase order", "sap.miro", "Purchase order", "{po}")
                ),
            ),
            (
                0.3,
                _invoice_form(
                    "sap.fb60", "FB60", ("Vendor number", "sap.fb60", "Vendor", "{vendor_id}")
                ),
            ),
            habit=USES_MIRO,
        ),
        at("sap.posted", maybe(0.4, copy_from("Status bar", "{sap_doc}", "statusbar"))),
        maybe(0.7, at("mail.message", click("Move", "button"), click("Processed", "menuitem"))),
    ),
)

# -- 2. customer lookup in Salesforce, copied into an Excel worklist -------------------------


def _customer_data(rng: Random, day: date) -> dict[str, str]:
    first, last = fakes.person(rng)
    return {
        "customer": fakes.company(rng),
        "account_id": f"001{rng.randrange(16**12):012x}",
        "phone": f"+49 40 {fakes.digits(rng, 4)} {fakes.digits(rng, 3)}",
        "owner": f"{first} {last}",
        "credit_limit": fakes.amount(rng, 25000, 0.6),
    }


CUSTOMER_LOOKUP = Routine(
    "customer_lookup",
    "Look a customer up in Salesforce and copy phone, owner and credit limit into Excel",
    8.0,
    _customer_data,
    seq(
        transfer("excel.worklist", "Customer", "sf.accounts", "Search accounts", "{customer}"),
        at("sf.accounts", key("enter", "Search accounts"), click("Result", "link", "{customer}")),
        at("sf.account", maybe(0.4, read("Account details", think=1.0))),
        any_order(
            transfer("sf.account", "Phone", "excel.worklist", "Phone", "{phone}"),
            transfer("sf.account", "Account Owner", "excel.worklist", "Account owner", "{owner}"),
            maybe(
                0.6,
                transfer(
                    "sf.account", "Credit Limit", "excel.worklist", "Credit limit", "{credit_limit}"
                ),
            ),
        ),
        maybe(0.3, at("excel.worklist", fill("Checked", "x", "cell"))),
    ),
    interrupts=True,
)

# -- 3. expense reimbursement in SAP Concur --------------------------------------------------


def _expense_data(rng: Random, day: date) -> dict[str, str]:
    merchant = rng.choice(fakes.MERCHANTS)
    spent = fakes.day_before(rng, day, 20)
    city = rng.choice(fakes.CITIES)
    return {
        "expense_type": rng.choice(fakes.EXPENSE_TYPES),
        "merchant": merchant,
        "exp_date": fakes.iso(spent),
        "amount": fakes.amount(rng, 85, 0.7),
        "currency": rng.choice(fakes.CURRENCIES),
        "purpose": rng.choice(
            ("Customer visit {}", "Trade fair {}", "Team offsite {}", "Training in {}")
        ).format(rng.choice((fakes.company(rng), city))),
        "report_id": f"{rng.randrange(16**10):010X}",
        "report_name": f"Trip {city} {spent:%b %Y}",
        "receipt": f"Receipt_{merchant.split()[0]}_{spent:%Y%m%d}.pdf",
    }


EXPENSE_REIMBURSEMENT = Routine(
    "expense_reimbursement",
    "File an expense with its receipt in SAP Concur from the personal expenses sheet",
    2.5,
    _expense_data,
    seq(
        at(
            "excel.expenses",
            click("Row", "cell", "{merchant}"),
            maybe(0.4, scroll("Sheet", "table")),
        ),
        either(
            (0.6, at("concur.home", click("Open report", "link", "{report_name}"))),
            (
                0.4,
                at(
                    "concur.home",
                    click("Create New Report"),
                    fill("Report Name", "{report_name}"),
                    click("Create Report"),
                ),
            ),
        ),
        at("concur.report", click("Add Expense"), click("New Expense", "link")),
        at("concur.expense", pick("Expense Type", "{expense_type}")),
        any_order(
            transfer("excel.expenses", "Date", "concur.expense", "Transaction Date", "{exp_date}"),
            transfer("excel.expenses", "Amount", "concur.expense", "Amount", "{amount}"),
            at("concur.expense", fill("Vendor", "{merchant}")),
            at("concur.expense", fill("Business Purpose", "{purpose}")),
            maybe(0.4, at("concur.expense", pick("Currency", "{currency}"))),
        ),
        maybe(
            0.7,
            at("concur.expense", click("Attach Receipt")),
            at("dialog.upload", fill("File name", "{receipt}"), click("Open")),
        ),
        at("concur.expense", click("Save Expense", think=1.5)),
        maybe(0.3, at("concur.report", click("Submit Report"), click("Accept & Submit"))),
    ),
)

# -- 4. new-employee account creation in Salesforce (and Entra ID) ---------------------------


def _new_employee_data(rng: Random, day: date) -> dict[str, str]:
    new_first, new_last = fakes.person(rng)
    sender_first, _ = fakes.person(rng)
    dept = rng.choice(fakes.DEPARTMENTS)
    starts = fakes.german(day + timedelta(days=rng.randrange(3, 21)))
    email = fakes.email_of(new_first, new_last, fakes.MAIL_DOMAIN)
    return {
        "new_first": new_first,
        "new_last": new_last,
        "new_email": email,
        "job_title": rng.choice(fakes.JOB_TITLES),
        "dept": dept,
        "employee_id": f"E{fakes.digits(rng, 5)}",
        "user_sfid": f"005{rng.randrange(16**12):012x}",
        "sf_role": f"{dept} User",
        "sender_first": sender_first,
        "subject": f"New starter: {new_first} {new_last} ({dept}) - starts {starts}",
        "reply_text": f"Hi {sender_first}, the accounts for {new_first} {new_last} are set up "
        f"({email}). Initial password goes out on the start date. Regards",
    }


NEW_EMPLOYEE_ACCOUNT = Routine(
    "new_employee_account",
    "Create a CRM user (and directory account) for a new starter announced by HR e-mail",
    1.0,
    _new_employee_data,
    seq(
        at("mail.inbox", click("Message list", "listitem", "{subject}")),
        at("mail.message", read("Message body", think=3.0)),
        at("sf.users", click("New User")),
        any_order(
            transfer("mail.message", "Message body", "sf.new_user", "First Name", "{new_first}"),
            transfer("mail.message", "Message body", "sf.new_user", "Last Name", "{new_last}"),
            at("sf.new_user", fill("Email", "{new_email}")),
            transfer("mail.message", "Message body", "sf.new_user", "Title", "{job_title}"),
            at("sf.new_user", fill("Department", "{dept}")),
            transfer(
                "mail.message", "Message body", "sf.new_user", "Employee Number", "{employee_id}"
            ),
        ),
        at(
            "sf.new_user",
            pick("Role", "{sf_role}"),
            pick("Profile", "Standard User"),
            maybe(0.5, click("Generate new password and notify user", "checkbox")),
            click("Save", think=1.5),
        ),
        maybe(0.4, at("sf.user", read("User detail", think=1.0))),
        maybe(
            0.5,
            at(
                "entra.new_user",
                fill("User principal name", "{new_email}"),
                fill("Display name", "{new_first} {new_last}"),
                click("Create"),
            ),
        ),
        at("mail.message", click("Reply")),
        at("mail.reply", fill("Message body", "{reply_text}"), click("Send")),
    ),
)

# -- 5. order status reply e-mail -----------------------------------------------------------


def _order_data(rng: Random, day: date) -> dict[str, str]:
    first, last = fakes.person(rng)
    order_no = f"41{fakes.digits(rng, 5)}"
    status = rng.choice(fakes.ORDER_STATUSES)
    shipped = fakes.german(fakes.day_before(rng, day, 6))
    tracking = f"1Z{rng.randrange(36**10):X}"[:12]
    return {
        "order_no": order_no,
        "tracking": tracking,
        "subject": rng.choice(
            ("Where is my order {}?", "Order {} status", "Delivery of order {}")
        ).format(order_no),
        "reply_text": f"Dear {first} {last},\nthank you for your message. Your order {order_no} "
        f"is {status.lower()} (shipped {shipped}). Tracking number: ",
    }


def _order_reply(lookup: Node, source: str) -> Node:
    return seq(
        lookup,
        at("mail.message", click("Reply")),
        at("mail.reply", fill("Message body", "{reply_text}")),
        transfer(source, "Tracking number", "mail.reply", "Message body", "{tracking}"),
        at("mail.reply", click("Send")),
    )


ORDER_STATUS_REPLY = Routine(
    "order_status_reply",
    "Answer a customer's 'where is my order' e-mail with status and tracking from SAP or the shop",
    8.0,
    _order_data,
    seq(
        at("mail.inbox", click("Message list", "listitem", "{subject}")),
        at("mail.message", read("Message body", think=1.5)),
        either(
            (
                0.65,
                _order_reply(
                    seq(
                        _sap_transaction("VA03"),
                        transfer("mail.message", "Message body", "sap.va03", "Order", "{order_no}"),
                        at("sap.va03", key("enter", "Order")),
                        at(
                            "sap.order",
                            click("Status", "tab"),
                            maybe(0.5, read("Status overview", think=1.0)),
                        ),
                    ),
                    "sap.order",
                ),
            ),
            (
                0.35,
                _order_reply(
                    seq(
                        transfer(
                            "mail.message",
                            "Message body",
                            "shop.orders",
                            "Search orders",
                            "{order_no}",
                        ),
                        at(
                            "shop.orders",
                            key("enter", "Search orders"),
                            click("Order", "link", "{order_no}"),
                        ),
                        at("shop.order", maybe(0.5, read("Fulfillment", think=1.0))),
                    ),
                    "shop.order",
                ),
            ),
        ),
    ),
    interrupts=True,
)

# -- 6. monthly report consolidation in Excel ----------------------------------------------


def _report_data(rng: Random, day: date) -> dict[str, str]:
    manager_first, manager_last = fakes.person(rng)
    regions = rng.sample(fakes.REGIONS, 4)
    data = {
        "folder": f"Reports > {day:%Y-%m}",
        "manager_email": fakes.email_of(manager_first, manager_last, fakes.MAIL_DOMAIN),
        "compose_subject": f"Monthly sales report {day:%B %Y}",
        "mail_text": f"Hi {manager_first}, attached is the consolidated sales report for {day:%B}.",
    }
    for i, region in enumerate(regions, 1):
        data[f"region{i}"] = region
        data[f"revenue{i}"] = fakes.amount(rng, 180000, 0.4)
        data[f"units{i}"] = str(rng.randrange(200, 5000))
    return data


def _region_block(i: int) -> Node:
    screen = f"excel.region{i}"
    return seq(
        at(
            "explorer.folder",
            double_click("File", "listitem", f"Sales_{{region{i}}}_{{month_tag}}.xlsx"),
        ),
        at(screen, click("Summary", "tab"), maybe(0.4, scroll("Sheet", "table", 1.0))),
        transfer(
            screen, "Total revenue", "excel.consolidated", f"Revenue row {i}", f"{{revenue{i}}}"
        ),
        transfer(screen, "Units sold", "excel.consolidated", f"Units row {i}", f"{{units{i}}}"),
        maybe(0.6, at(screen, key("ctrl+w"))),
    )


REPORT_CONSOLIDATION = Routine(
    "report_consolidation",
    "Consolidate the regional sales workbooks into the monthly report and mail it",
    0.45,
    _report_data,
    seq(
        at(
            "explorer.folder",
            double_click("File", "listitem", "Consolidated_Report_{month_tag}.xlsx"),
        ),
        any_order(*(_region_block(i) for i in range(1, 5))),
        at(
            "excel.consolidated",
            fill("Total row", "=SUM(B2:B5)", "cell"),
            key("enter", "Total row"),
            key("ctrl+s"),
        ),
        maybe(
            0.8,
            at("mail.inbox", click("New Email")),
            at("mail.compose", fill("To", "{manager_email}"), fill("Subject", "{compose_subject}")),
            at("mail.compose", fill("Message body", "{mail_text}"), click("Attach File")),
            at(
                "dialog.attach",
                fill("File name", "Consolidated_Report_{month_tag}.xlsx"),
                click("Open"),
            ),
            at("mail.compose", click("Send")),
        ),
    ),
)

# -- 7. IT ticket triage in ServiceNow ------------------------------------------------------


def _ticket_data(rng: Random, day: date) -> dict[str, str]:
    return {
        "ticket": f"INC00{fakes.digits(rng, 5)}",
        "ticket_sysid": f"{rng.randrange(16**32):032x}",
        "category": rng.choice(fakes.TICKET_CATEGORIES),
        "group": rng.choice(fakes.ASSIGNMENT_GROUPS),
        "priority": rng.choice(("2 - High", "3 - Moderate", "3 - Moderate", "4 - Low")),
        "note": rng.choice(
            (
                "Routed to {}.",
                "Caller contacted, assigning to {}.",
                "Known issue, see KB; {} to check.",
            )
        ).format(rng.choice(fakes.ASSIGNMENT_GROUPS)),
    }


TICKET_TRIAGE = Routine(
    "ticket_triage",
    "Categorise, prioritise and assign a new incident in ServiceNow",
    4.0,
    _ticket_data,
    seq(
        at(
            "snow.queue",
            maybe(0.4, click("Unassigned", "link")),
            click("Incident", "link", "{ticket}"),
        ),
        at("snow.incident", read("Description", "text", 2.5)),
        at(
            "snow.incident",
            any_order(
                pick("Category", "{category}"),
                pick("Priority", "{priority}"),
                seq(
                    fill("Assignment group", "{group}"),
                    maybe(0.7, click("Suggestion", "option", "{group}")),
                ),
            ),
            maybe(0.6, fill("Work notes", "{note}", "textarea")),
            click("Update", think=1.2),
        ),
    ),
    interrupts=True,
)

ROUTINES: tuple[Routine, ...] = (
    INVOICE_ENTRY,
    CUSTOMER_LOOKUP,
    EXPENSE_REIMBURSEMENT,
    NEW_EMPLOYEE_ACCOUNT,
    ORDER_STATUS_REPLY,
    REPORT_CONSOLIDATION,
    TICKET_TRIAGE,
)
