"""The records' tables: grade scales, results and credit records, programme requirements,
the audit log and issued documents. One module per entity group keeps each file small."""

from lms.records.models.audit import AuditLog
from lms.records.models.credits import CreditRecord, FinalResult
from lms.records.models.documents import DocumentRevocation, IssuedDocument
from lms.records.models.programmes import ProgramStudent, Requirement, StudentNumber
from lms.records.models.scales import GradeBand, GradeScale

__all__ = [
    "AuditLog", "CreditRecord", "DocumentRevocation", "FinalResult", "GradeBand",
    "GradeScale", "IssuedDocument", "ProgramStudent", "Requirement", "StudentNumber",
]
