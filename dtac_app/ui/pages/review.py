"""One product's assessment: question by question review, overrides, verification, clarifications,
sign-off, history and audit trail. Vendors see the same page read-only and can reply to clarifications."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from dtac_app.results import OUTCOME_LABELS, Override, Verification
from dtac_app.store.errors import ConcurrentChangeError, StoreError
from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import common, session
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import labelled, select
from dtac_app.vocabulary import decision_label

OUTCOMES = list(OUTCOME_LABELS)
STATUS_TEXT = {
    "in_review": "In review",
    "signed_off": "Signed off",
    "changed_after_sign_off": "Changed after sign-off",
}


def _pick_assessment(user: UserView) -> AssessmentView | None:
    wf = session.workflow()
    products = wf.list_products(user)
    if not products:
        st.info("No products yet.")
        return None
    pid = session.query_int("product")
    ids = [p.id for p in products]
    if pid is not None and pid not in ids:
        # Either it does not exist or belongs to another organisation: the service decides and says so.
        try:
            wf.get_product(user, pid)
        except StoreError as e:
            session.show_store_error(e)
            return None
    names = {p.id: f"{p.name} ({p.organisation_name})" for p in products}
    chosen = select(
        "Product",
        ids,
        index=ids.index(pid) if pid in ids else 0,
        format_func=labelled(names),
        key="rv_product",
    )
    if chosen != pid:
        st.query_params["product"] = str(chosen)
        st.query_params.pop("assessment", None)
    try:
        detail = wf.get_product(user, chosen)
    except StoreError as e:
        session.show_store_error(e)
        return None
    options = []
    for v in detail.version_details:
        for sub in v.submissions:
            for a in sub.assessments:
                options.append(
                    (
                        a.id,
                        f"Version {v.version} · {sub.filename} · assessment #{a.id} as of {a.as_of} · {a.decision_label}",
                    )
                )
    if not options:
        st.info("This product has no assessment yet.")
        return None
    options.sort(key=lambda o: -o[0])
    want = session.query_int("assessment")
    ids_a = [o[0] for o in options]
    aid = select(
        "Assessment",
        ids_a,
        index=ids_a.index(want) if want in ids_a else 0,
        format_func=labelled(dict(options)),
        key=session.options_key(f"rv_assessment_{chosen}", options),
    )
    if want is not None and want not in ids_a:
        st.warning(f"Assessment {want} is not part of this product; showing the latest instead.")
    if aid != want:
        st.query_params["assessment"] = str(aid)  # the address names what is shown, and a new picker keeps it
    try:
        latest = wf.get_assessment(user, aid)
        revs = list(range(latest.current_revision, 0, -1))
        # Keyed by the current revision: when a save adds one, the picker starts again at the new current one.
        rev = select(
            "Revision",
            revs,
            index=0,
            key=f"rv_rev_{aid}_{latest.current_revision}",
            format_func=lambda n: (
                f"Revision {n}" + (" (current)" if n == latest.current_revision else " (read-only)")
            ),
        )
        return latest if rev == latest.current_revision else wf.get_assessment(user, aid, revision=rev)
    except StoreError as e:
        session.show_store_error(e)
        return None


def _header(view: AssessmentView) -> None:
    st.header(f"{md(view.product_name)} {md(view.version)}", anchor=False)
    st.caption(
        f"{md(view.organisation_name)} · assessment #{view.id}, revision {view.revision} of {view.current_revision} · "
        f"{md(STATUS_TEXT.get(view.status, view.status))} · criteria {md(view.criteria_set)} "
        f"(SHA-256 {md(view.criteria_hash[:12])}…) · profile {md(view.profile)}"
    )
    if view.open_clarifications:
        st.warning(f"{view.open_clarifications} clarification request(s) open.", icon=":material/help:")


def _question_review(user: UserView, view: AssessmentView, can_edit: bool) -> None:
    a = view.result
    key = f"rv_{view.id}_{view.revision}"
    pending_o: dict[str, Override] = st.session_state.setdefault(key + "_ov", dict(view.overrides))
    pending_v: dict[str, Verification] = st.session_state.setdefault(key + "_ver", dict(view.verifications))
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
                        f"- Evidence: **{md(e.label)}** {md(e.reference or '')} — {md(e.state.replace('_', ' '))}: "
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
                        if choice == "(no override)":
                            pending_o.pop(q.id, None)
                            st.session_state.pop(f"{key}_{q.id}_overr", None)
                        else:
                            saved = view.overrides.get(q.id)
                            try:
                                # Unchanged keeps who overrode it and when (else a fresh run would look like an edit).
                                pending_o[q.id] = (
                                    saved
                                    if saved is not None
                                    and (saved.outcome, saved.rationale) == (choice, rationale)
                                    else Override(
                                        outcome=choice, rationale=rationale, by=user.label, on=common.today()
                                    )
                                )
                                st.session_state.pop(f"{key}_{q.id}_overr", None)
                            except ValidationError:
                                pending_o.pop(q.id, None)
                                st.session_state[f"{key}_{q.id}_overr"] = True
                                st.error(
                                    "Write a rationale of at least 10 characters to override this outcome."
                                )
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
                        if verified:
                            saved_v = view.verifications.get(q.id)
                            try:
                                pending_v[q.id] = (
                                    saved_v
                                    if saved_v is not None and saved_v.checked == checked.strip()
                                    else Verification(checked=checked, by=user.label, on=common.today())
                                )
                            except ValidationError:
                                pending_v.pop(q.id, None)
                                st.error("Say what you checked (at least 3 characters) to mark it verified.")
                        else:
                            pending_v.pop(q.id, None)
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
        except ConcurrentChangeError as e:
            st.error(
                f"{md(e.message)} Your edits are still on screen: reload the latest revision, then re-apply them.",
                icon=":material/sync_problem:",
            )
        except StoreError as e:
            session.show_store_error(e)
        else:
            st.session_state.pop(key + "_ov", None)
            st.session_state.pop(key + "_ver", None)
            st.toast(f"Saved revision {new.revision}: {new.result.decision_label}")
            st.rerun()
    elif changed:
        st.caption("Unsaved changes.")


def _clarifications(user: UserView, view: AssessmentView) -> None:
    wf = session.workflow()
    try:
        items = wf.list_clarifications(user, view.id)
    except StoreError as e:
        session.show_store_error(e)
        return
    if not items:
        st.caption("No clarification requests.")
    for c in items:
        with st.container(border=True):
            st.markdown(
                f"**{md(c.question_id or 'General')}** — {md(c.status)} · asked by {md(c.asked_by)} "
                f"on {c.asked_at:%Y-%m-%d %H:%M}"
            )
            st.text(c.text)
            for r in c.replies:
                st.markdown(f"↳ **{md(r.by)}** ({r.at:%Y-%m-%d %H:%M})")
                st.text(r.text)
            if c.status != "closed":
                reply = st.text_area("Reply", key=f"cl_reply_{c.id}", max_chars=20_000)
                b1, b2 = st.columns(2)
                if b1.button("Send reply", key=f"cl_send_{c.id}", disabled=not reply.strip()):
                    try:
                        wf.reply_clarification(user, c.id, reply)
                        st.rerun()
                    except StoreError as e:
                        session.show_store_error(e)
                if user.role != "vendor" and b2.button("Close request", key=f"cl_close_{c.id}"):
                    try:
                        wf.close_clarification(user, c.id)
                        st.rerun()
                    except StoreError as e:
                        session.show_store_error(e)
    if user.role != "vendor":
        with st.form(f"cl_new_{view.id}", clear_on_submit=True):
            st.markdown("**Ask the vendor**")
            qids = [q.id for q in view.result.questions if q.asked]
            qid = st.selectbox("About question (optional)", qids, index=None, key=f"cl_q_{view.id}")
            text = st.text_area("Your question", key=f"cl_text_{view.id}", max_chars=20_000)
            if st.form_submit_button("Send request"):
                if not text.strip():
                    st.error("Write the question for the vendor.")
                else:
                    try:
                        wf.request_clarification(user, view.id, text, question_id=qid)
                        st.rerun()
                    except StoreError as e:
                        session.show_store_error(e)


def _sign_off(user: UserView, view: AssessmentView) -> None:
    wf = session.workflow()
    st.caption(
        "Sign off each section, then the whole revision. A signed-off revision never changes; "
        "a later save makes a new revision that needs its own sign-off."
    )
    rows = []
    for sec in view.sections_to_sign:
        so = view.section_sign_offs.get(sec)
        rows.append(
            {
                "Section": sec,
                "Signed off by": so.by if so else "",
                "When": f"{so.at:%Y-%m-%d %H:%M}" if so else "",
                "Note": so.note if so else "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"so_tbl_{view.id}_{view.revision}")
    if view.signed_off:
        st.success(
            f"Revision {view.revision} signed off by {md(view.signed_off.by)} on {view.signed_off.at:%Y-%m-%d %H:%M}.",
            icon=":material/verified:",
        )
        return
    if user.role == "vendor" or not view.is_current:
        return
    unsigned = [s for s in view.sections_to_sign if s not in view.section_sign_offs]
    note = st.text_input("Sign-off note (optional)", key=f"so_note_{view.id}_{view.revision}", max_chars=2000)
    if unsigned:
        sec = st.selectbox("Section to sign off", unsigned, key=f"so_sec_{view.id}_{view.revision}")
        if st.button(f"Sign off {sec}", key=f"so_btn_{view.id}_{view.revision}"):
            try:
                wf.sign_off_section(user, view.id, view.revision, sec, note=note)
                st.rerun()
            except StoreError as e:
                session.show_store_error(e)
    if st.button(
        "Sign off the whole assessment",
        type="primary",
        disabled=bool(unsigned),
        key=f"so_all_{view.id}_{view.revision}",
        help="Every section must be signed off first." if unsigned else None,
    ):
        try:
            wf.sign_off(user, view.id, view.revision, note=note)
            st.rerun()
        except StoreError as e:
            session.show_store_error(e)


def _history(user: UserView, view: AssessmentView) -> None:
    wf = session.workflow()
    try:
        revs = wf.list_revisions(user, view.id)
        trail = wf.history(user, view.product_id)
    except StoreError as e:
        session.show_store_error(e)
        return
    st.markdown("**Revisions**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Revision": r.number,
                    "Saved": f"{r.created_at:%Y-%m-%d %H:%M}",
                    "By": r.created_by,
                    "Decision": decision_label(r.decision),
                    "Valid until": r.valid_until,
                    "Overrides": r.overrides,
                    "Verified": r.verified,
                    "Signed off": f"{r.signed_off.by} {r.signed_off.at:%Y-%m-%d}" if r.signed_off else "",
                    "Note": r.comment,
                }
                for r in revs
            ]
        ),
        hide_index=True,
        key=f"hist_revs_{view.id}",
    )
    st.markdown("**Audit trail** (append-only)")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": f"{e.at:%Y-%m-%d %H:%M:%S}",
                    "Who": e.actor,
                    "What": e.action,
                    "Detail": e.detail,
                    "Before": "" if e.before is None else str(e.before)[:300],
                    "After": "" if e.after is None else str(e.after)[:300],
                }
                for e in reversed(trail)
            ]
        ),
        hide_index=True,
        key=f"hist_audit_{view.id}",
    )


def page() -> None:
    user = session.require_user()
    st.title("Assessment")
    view = _pick_assessment(user)
    if view is None:
        return
    _header(view)
    common.show_assessment(view.result, key=f"rv_{view.id}_{view.revision}", show_fixes=True)
    can_edit = user.role in ("assessor", "admin") and view.is_current
    tab = st.segmented_control(
        "Part",
        ["Questions", "Clarifications", "Sign-off", "History"],
        default="Questions",
        required=True,
        key=f"rv_tab_{view.id}",
    )
    if tab == "Questions":
        if user.role in ("assessor", "admin") and not view.is_current:
            st.info("This is an earlier revision: read-only.")
        _question_review(user, view, can_edit)
    elif tab == "Clarifications":
        _clarifications(user, view)
    elif tab == "Sign-off":
        _sign_off(user, view)
    else:
        _history(user, view)
    st.page_link(
        "dtac_app/ui/pages/dossier.py",
        label="Build the dossier for this assessment",
        icon=":material/description:",
        query_params={"product": str(view.product_id), "assessment": str(view.id)},
    )


page()
