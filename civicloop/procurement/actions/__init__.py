# SPDX-License-Identifier: MPL-2.0
"""Every procurement write: one function per transition, each audited and recorded as an event."""

from civicloop.procurement.actions.awards import (
    APPROVAL_THRESHOLD_YEN,
    award_directly,
    award_tender,
    decide_approval,
    record_contract,
    record_direct_contract,
)
from civicloop.procurement.actions.bids import open_bids, refuse_early_opening, submit_bid, withdraw_bid
from civicloop.procurement.actions.evaluation import (
    assign_evaluator,
    complete_evaluation,
    declare_conflict,
    moderate_score,
    save_scores,
    submit_scores,
)
from civicloop.procurement.actions.suppliers import (
    SECURITY_FIELDS,
    add_qualification,
    add_supplier_document,
    declare_service,
    delete_supplier_document,
    register_supplier,
    update_security_declaration,
    verify,
)
from civicloop.procurement.actions.tenders import (
    answer_question,
    ask_question,
    cancel_tender,
    create_tender,
    publication_problems,
    publish_tender,
)

__all__ = [
    "APPROVAL_THRESHOLD_YEN",
    "SECURITY_FIELDS",
    "add_qualification",
    "add_supplier_document",
    "answer_question",
    "ask_question",
    "assign_evaluator",
    "award_directly",
    "award_tender",
    "cancel_tender",
    "complete_evaluation",
    "create_tender",
    "decide_approval",
    "declare_conflict",
    "declare_service",
    "delete_supplier_document",
    "moderate_score",
    "open_bids",
    "publication_problems",
    "publish_tender",
    "record_contract",
    "record_direct_contract",
    "refuse_early_opening",
    "register_supplier",
    "save_scores",
    "submit_bid",
    "submit_scores",
    "update_security_declaration",
    "verify",
    "withdraw_bid",
]
