"""The compliance audit: pure rules over records (``engine.audit``), the rules table
(``rules.RULES``), and the ledger policy they read (``model.Policy``)."""

from imageledger.audit.engine import audit, audit_view
from imageledger.audit.model import AuditFinding, AuditReport, Policy, Rule
from imageledger.audit.rules import RULES

__all__ = ["RULES", "AuditFinding", "AuditReport", "Policy", "Rule", "audit", "audit_view"]
