"""The Questions tab: each question's answer, outcome and evidence, with the assessor's
override and verification widgets and the save."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st
from pydantic import ValidationError

from dtac_app.results import OUTCOME_LABELS, Override, Verification
from dtac_app.store.errors import ConcurrentChangeError, StoreError
from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import common, session
from dtac_app.ui.safe import md

OUTCOMES = list(OUTCOME_LABELS)


def question_review(user: UserView, view: AssessmentView, can_edit: bool) -> None:
    a = view.result
    key = f"rv_{view.id}_{view.revision}"
    pending_o: dict[str, Override] = st.session_state.setdefault(key + "_ov", dict(view.overrides))
    pending_v: dict[str, Verification] = st.session_state.setdefault(key + "_ver", dict(view.verifications))
    if can_edit:
        # What this revision held when editing started: a later conflict is shown against it.
        st.session_state.setdefault(key + "_base", (dict(view.overrides), dict(view.verifications)))
    edits = PendingEdits(user, key, view.overrides, view.verifications, pending_o, pending_v)
    show = st.segmented_control(
        "Show",
        ["Needs attention", "All asked", "Not asked"],
        default="Needs attention",
        required=True,
        key=key + "_filter",
    )
    evidence = {e.index: e for e in a.evidence}
    sections = [s for s in a.sections if s.role != "context"]
    listed = 0
    for s in sections:
        qs = [q for q in a.questions if q.section == s.id]
        if show == "Needs attention":
            qs = [
                q for q in qs if q.asked and (q.outcome in ("fail", "missing") or q.condition or q.override)
            ]
        elif show == "All asked":
            qs = [q for q in qs if q.asked]
        else:
            qs = [q for q in qs if not q.asked]
        if not qs:
            continue
        listed += len(qs)
        st.subheader(f"{md(s.id)} {md(s.title)} — {common.SECTION_LABELS[s.status]}", anchor=False)
        for q in qs:
            tag = (
                OUTCOME_LABELS[q.outcome]
                + (" · override" if q.override else "")
                + (" · verified" if q.provenance == "verified" else "")
            )
            with st.expander(
                f"{md(q.id)} {md(q.short)} — {md(tag)}", expanded=q.outcome in ("fail", "missing")
            ):
                st.markdown("**Answer**")
                st.text(q.answer if q.answer else "(not answered)")
                st.markdown(f"**Outcome:** {OUTCOME_LABELS[q.outcome]} — {md(q.reason)}")
                if q.condition:
                    st.markdown(f"**Condition:** {md(q.condition)}")
                if q.engine_outcome:
                    st.caption(f"Engine outcome before override: {OUTCOME_LABELS[q.engine_outcome]}")
                for i in q.evidence:
                    e = evidence.get(i)
                    if e is None:
                        continue
                    st.markdown(
                        f"- Evidence: **{md(e.label)}** {md(e.reference or '')} — {md(e.state.replace('_', ' '))} ({md(e.provenance)}): "
                        f"{md(e.detail)}  \n  File {md(e.file or 'not attached')} · SHA-256 {md((e.sha256 or '—')[:16])}… · "
                        f"issued {md(e.issued or '—')} · expires {md(e.expires or '—')}"
                    )
                if q.verification:
                    st.caption(
                        f"Verified by {md(q.verification.by or 'assessor')}: {md(q.verification.checked)}"
                    )
                if can_edit and q.asked:
                    c1, c2 = st.columns(2)
                    with c1:
                        current = pending_o.get(q.id)
                        choice = st.selectbox(
                            f"Override the outcome of {q.id}",
                            ["(no override)", *OUTCOMES],
                            index=0 if current is None else OUTCOMES.index(current.outcome) + 1,
                            format_func=lambda o: OUTCOME_LABELS.get(o, o),
                            key=f"{key}_{q.id}_ovsel",
                        )
                        rationale = st.text_area(
                            f"Rationale for overriding {q.id} (required for an override)",
                            value=current.rationale if current else "",
                            key=f"{key}_{q.id}_ovwhy",
                            max_chars=20_000,
                        )
                        if not edits.take_override(q.id, choice, rationale):
                            st.error("Write a rationale of at least 10 characters to override this outcome.")
                    with c2:
                        ver = pending_v.get(q.id)
                        verified = st.checkbox(
                            f"I verified {q.id}", value=ver is not None, key=f"{key}_{q.id}_vchk"
                        )
                        checked = st.text_input(
                            f"What you checked for {q.id} (register, certificate number, date)",
                            value=ver.checked if ver else "",
                            key=f"{key}_{q.id}_vwhat",
                            max_chars=5_000,
                        )
                        if not edits.take_verification(q.id, verified, checked):
                            st.error("Say what you checked (at least 3 characters) to mark it verified.")
    if not listed:
        st.caption(
            {
                "Needs attention": "No question needs attention: every question asked is met, with no condition "
                "or override. Choose “All asked” to review them.",
                "All asked": "No question was asked.",
                "Not asked": "Every question was asked.",
            }[show]
        )
    if not can_edit:
        return
    changed = (pending_o != dict(view.overrides)) or (pending_v != dict(view.verifications))
    st.divider()
    errors = [k for k in st.session_state if k.startswith(key) and k.endswith("_overr")]
    comment = st.text_input("Note for this revision (optional)", key=key + "_comment", max_chars=2000)
    if st.button(
        "Save review as a new revision",
        type="primary",
        disabled=not changed,
        key=key + "_save",
        help="Saves every override and verification above; earlier revisions stay readable.",
    ):
        if errors:
            st.error("Some overrides have no rationale; fix them first.")
            return
        try:
            new = session.workflow().save_review(
                user, view.id, view.revision, overrides=pending_o, verifications=pending_v, comment=comment
            )
        except ConcurrentChangeError:
            st.rerun()  # the next run finds the newer revision and shows the edits beside it
        except StoreError as e:
            session.show_store_error(e)
        else:
            for part in ("_ov", "_ver", "_base"):
                st.session_state.pop(key + part, None)
            st.toast(f"Saved revision {new.revision}: {new.result.decision_label}")
            st.rerun()
    elif changed:
        st.caption("Unsaved changes.")


@dataclass(frozen=True)
class PendingEdits:
    """One revision's review edits while they are made: what that revision saved, what is pending
    (the pending dicts live in the session state and are changed in place), and who is editing."""

    user: UserView
    key: str
    saved_o: Mapping[str, Override]
    saved_v: Mapping[str, Verification]
    overrides: dict[str, Override]
    verifications: dict[str, Verification]

    def take_override(self, qid: str, choice: str, rationale: str) -> bool:
        """Fold one question's override widgets in; False when the rationale is too short."""
        error_key = f"{self.key}_{qid}_overr"
        if choice == "(no override)":
            self.overrides.pop(qid, None)
            st.session_state.pop(error_key, None)
            return True
        old = self.saved_o.get(qid)
        try:
            # Unchanged keeps who overrode it and when (else a fresh run would look like an edit).
            self.overrides[qid] = (
                old
                if old is not None and (old.outcome, old.rationale) == (choice, rationale)
                else Override(outcome=choice, rationale=rationale, by=self.user.label, on=common.today())
            )
        except ValidationError:
            self.overrides.pop(qid, None)
            st.session_state[error_key] = True
            return False
        st.session_state.pop(error_key, None)
        return True

    def take_verification(self, qid: str, verified: bool, checked: str) -> bool:
        """Fold one question's verification widgets in; False when it says too little."""
        if not verified:
            self.verifications.pop(qid, None)
            return True
        old = self.saved_v.get(qid)
        try:
            self.verifications[qid] = (
                old
                if old is not None and old.checked == checked.strip()
                else Verification(checked=checked, by=self.user.label, on=common.today())
            )
        except ValidationError:
            self.verifications.pop(qid, None)
            return False
        return True
