"""All repositories over one session (``Repos``). Each lives in the module of its concern:
``accounts_repo`` (organisations, users, sign-in throttle), ``assessments_repo`` (products,
submissions, assessments, clarifications), ``audit_repo`` (append and read only), ``evidence``
(evidence files and checks); their base is ``repository.Repository``. No access checks here (the
workbench does them); no commits here (the caller's unit of work does)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .accounts_repo import Organisations, Throttles, Users, slugify
from .assessments_repo import Assessments, Clarifications, Products, Submissions
from .audit_repo import Audit
from .repository import ATTEMPTS, Repository, saved_in_savepoint

__all__ = [
    "ATTEMPTS",
    "Assessments",
    "Audit",
    "Clarifications",
    "Organisations",
    "Products",
    "Repos",
    "Repository",
    "Submissions",
    "Throttles",
    "Users",
    "saved_in_savepoint",
    "slugify",
]


class Repos:
    """All repositories over one session: ``r = Repos(session); r.users.get(1)``."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.orgs = Organisations(s)
        self.users = Users(s)
        self.throttles = Throttles(s)
        self.products = Products(s)
        self.submissions = Submissions(s)
        self.assessments = Assessments(s)
        self.clarifications = Clarifications(s)
        self.audit = Audit(s)
