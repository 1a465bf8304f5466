"""One product's assessment: question by question review, overrides, verification, clarifications,
sign-off, history and audit trail. Vendors see the same page read-only and can reply to clarifications."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from dtac_app.provenance import DOCUMENT_STATE_LABELS
from dtac_app.results import OUTCOME_LABELS, Assessment, Override, Verification
from dtac_app.store.errors import ConcurrentChangeError, StoreError
from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import common, evidence_viewer, session
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import labelled, select
from dtac_app.vocabulary import decision_label
from dtac_app.workbench.sign_off import MIN_REASON, open_items

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


def criteria_file_hash(a: Assessment) -> str:
    """The content hash of the DTAC criteria file the assessment used: the one the criteria page lists
    for that set and the dossier prints on its cover (not the digest over every file)."""
    return a.criteria.hashes.get(a.criteria.set, "")


def _header(view: AssessmentView) -> None:
    st.header(f"{md(view.product_name)} {md(view.version)}", anchor=False)
    st.caption(
        f"{md(view.organisation_name)} · assessment #{view.id}, revision {view.revision} of {view.current_revision} · "
        f"{md(STATUS_TEXT.get(view.status, view.status))} · criteria {md(view.criteria_set)} "
        f"(SHA-256 {md(criteria_file_hash(view.result)[:16])}…) · profile {md(view.profile)}"
    )
    if view.open_clarifications:
        st.warning(f"{view.open_clarifications} clarification request(s) open.", icon=":material/help:")


def _question_review(user: UserView, view: AssessmentView, can_edit: bool) -> None:
    a = view.result
    key = f"rv_{view.id}_{view.revision}"
    pending_o: dict[str, Override] = st.session_state.setdefault(key + "_ov", dict(view.overrides))
    pending_v: dict[str, Verification] = st.session_state.setdefault(key + "_ver", dict(view.verifications))
    if can_edit:
        # What this revision held when editing started: a later conflict is shown against it.
        st.session_state.setdefault(key + "_base", (dict(view.overrides), dict(view.verifications)))
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
                        if not _take_override(user, view.overrides, pending_o, key, q.id, choice, rationale):
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
                        if not _take_verification(
                            user, view.verifications, pending_v, q.id, verified, checked
                        ):
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


def _take_override(
    user: UserView,
    saved: dict[str, Override],
    pending: dict[str, Override],
    key: str,
    qid: str,
    choice: str,
    rationale: str,
) -> bool:
    """Fold one question's override widgets into the pending edits; False when the rationale is too short."""
    if choice == "(no override)":
        pending.pop(qid, None)
        st.session_state.pop(f"{key}_{qid}_overr", None)
        return True
    old = saved.get(qid)
    try:
        # Unchanged keeps who overrode it and when (else a fresh run would look like an edit).
        pending[qid] = (
            old
            if old is not None and (old.outcome, old.rationale) == (choice, rationale)
            else Override(outcome=choice, rationale=rationale, by=user.label, on=common.today())
        )
    except ValidationError:
        pending.pop(qid, None)
        st.session_state[f"{key}_{qid}_overr"] = True
        return False
    st.session_state.pop(f"{key}_{qid}_overr", None)
    return True


def _take_verification(
    user: UserView,
    saved: dict[str, Verification],
    pending: dict[str, Verification],
    qid: str,
    verified: bool,
    checked: str,
) -> bool:
    """Fold one question's verification widgets into the pending edits; False when it says too little."""
    if not verified:
        pending.pop(qid, None)
        return True
    old = saved.get(qid)
    try:
        pending[qid] = (
            old
            if old is not None and old.checked == checked.strip()
            else Verification(checked=checked, by=user.label, on=common.today())
        )
    except ValidationError:
        pending.pop(qid, None)
        return False
    return True


# ---------------------------------------------------------------------------------- save conflicts


@dataclass(frozen=True)
class _Unsaved:
    """Edits made on an earlier revision that were never saved (another assessor saved first)."""

    revision: int
    saved_o: dict[str, Override]
    saved_v: dict[str, Verification]
    overrides: dict[str, Override]
    verifications: dict[str, Verification]
    comment: str

    def changed_o(self) -> list[str]:
        qs = set(self.saved_o) | set(self.overrides)
        return sorted(q for q in qs if self.saved_o.get(q) != self.overrides.get(q))

    def changed_v(self) -> list[str]:
        qs = set(self.saved_v) | set(self.verifications)
        return sorted(q for q in qs if self.saved_v.get(q) != self.verifications.get(q))


_WIDGET = re.compile(r"^(?P<q>.+)_(?P<w>ovsel|ovwhy|vchk|vwhat)$")


def _unsaved(user: UserView, view: AssessmentView) -> _Unsaved | None:
    """Unsaved edits on an earlier revision of this assessment, if any (stale ones are dropped).

    The click on "Save" that finds a newer revision carries the last typed values of widgets this
    run does not draw any more; they are folded in here so nothing typed is lost.
    """
    ss = st.session_state
    found: _Unsaved | None = None
    for name in [
        k for k in ss if isinstance(k, str) and k.startswith(f"rv_{view.id}_") and k.endswith("_base")
    ]:
        rev_text = name[len(f"rv_{view.id}_") : -len("_base")]
        if not rev_text.isdigit() or int(rev_text) >= view.current_revision:
            continue
        key = f"rv_{view.id}_{rev_text}"
        saved_o, saved_v = ss[name]
        pending_o: dict[str, Override] = dict(ss.get(key + "_ov", saved_o))
        pending_v: dict[str, Verification] = dict(ss.get(key + "_ver", saved_v))
        widgets: dict[str, dict[str, object]] = {}
        for k in list(ss):
            if isinstance(k, str) and k.startswith(key + "_") and (m := _WIDGET.match(k[len(key) + 1 :])):
                widgets.setdefault(m["q"], {})[m["w"]] = ss[k]
        for qid, w in widgets.items():
            if "ovsel" in w:
                _take_override(user, saved_o, pending_o, key, qid, str(w["ovsel"]), str(w.get("ovwhy", "")))
            if "vchk" in w:
                _take_verification(user, saved_v, pending_v, qid, bool(w["vchk"]), str(w.get("vwhat", "")))
        u = _Unsaved(
            int(rev_text), saved_o, saved_v, pending_o, pending_v, str(ss.get(key + "_comment", "") or "")
        )
        if u.changed_o() or u.changed_v():
            ss[key + "_ov"], ss[key + "_ver"] = pending_o, pending_v  # keep them past this run
            found = u if found is None or u.revision > found.revision else found
        else:
            _forget(key)
    return found


def _forget(key: str) -> None:
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(key + "_")]:
        del st.session_state[k]


def _override_words(o: Override | None) -> str:
    return "No override" if o is None else f"Override: {OUTCOME_LABELS[o.outcome]} (by {o.by or 'assessor'})"


def _verification_words(v: Verification | None) -> str:
    return "Not verified" if v is None else f"Verified by {v.by or 'assessor'}"


def _conflict(user: UserView, view: AssessmentView, u: _Unsaved) -> None:
    """Your unsaved edits beside what the other save changed; re-apply them on the new revision or discard them."""
    wf = session.workflow()
    try:
        base = wf.get_assessment(user, view.id, revision=u.revision)
    except StoreError as e:
        session.show_store_error(e)
        return
    st.error(
        f"Not saved: {view.created_by} saved revision {view.revision} of this assessment while you were editing "
        f"revision {u.revision}. Your edits are kept below, beside what changed. Re-apply them on revision "
        f"{view.revision}, or discard them.",
        icon=":material/sync_problem:",
    )
    mine_rows = [
        {
            "Question": q,
            "Your edit": _override_words(u.overrides.get(q)),
            "Rationale or what you checked": (o.rationale if (o := u.overrides.get(q)) else ""),
        }
        for q in u.changed_o()
    ] + [
        {
            "Question": q,
            "Your edit": _verification_words(u.verifications.get(q)),
            "Rationale or what you checked": (v.checked if (v := u.verifications.get(q)) else ""),
        }
        for q in u.changed_v()
    ]
    theirs_o = sorted(
        q for q in set(base.overrides) | set(view.overrides) if base.overrides.get(q) != view.overrides.get(q)
    )
    theirs_v = sorted(
        q
        for q in set(base.verifications) | set(view.verifications)
        if base.verifications.get(q) != view.verifications.get(q)
    )
    their_rows = [
        {
            "Question": q,
            f"Revision {u.revision}": _override_words(base.overrides.get(q)),
            f"Revision {view.revision}": _override_words(view.overrides.get(q)),
            "Rationale or what was checked": (o.rationale if (o := view.overrides.get(q)) else ""),
        }
        for q in theirs_o
    ] + [
        {
            "Question": q,
            f"Revision {u.revision}": _verification_words(base.verifications.get(q)),
            f"Revision {view.revision}": _verification_words(view.verifications.get(q)),
            "Rationale or what was checked": (v.checked if (v := view.verifications.get(q)) else ""),
        }
        for q in theirs_v
    ]
    mine, theirs = st.columns(2, border=True)
    with mine:
        st.subheader(f"Your unsaved edits (on revision {u.revision})", anchor=False)
        st.dataframe(pd.DataFrame(mine_rows), hide_index=True, key=f"rv_cf_mine_{view.id}")
        for row in mine_rows:  # in full: the table clips long texts
            if row["Rationale or what you checked"]:
                st.text(f"{row['Question']}: {row['Rationale or what you checked']}")
        if u.comment:
            st.text(f"Your note: {u.comment}")
    with theirs:
        st.subheader(f"What {view.created_by} changed (revision {view.revision})", anchor=False)
        st.text(f"Decision: {base.result.decision_label} → {view.result.decision_label}")
        if their_rows:
            st.dataframe(pd.DataFrame(their_rows), hide_index=True, key=f"rv_cf_theirs_{view.id}")
            for row in their_rows:
                if row["Rationale or what was checked"]:
                    st.text(f"{row['Question']}: {row['Rationale or what was checked']}")
        if view.comment:
            st.text(f"Their note: {view.comment}")
    both = sorted((set(u.changed_o()) & set(theirs_o)) | (set(u.changed_v()) & set(theirs_v)))
    if both:
        st.warning(
            f"You both changed {', '.join(both)}: re-applying puts your version in place of theirs.",
            icon=":material/warning:",
        )
    b1, b2 = st.columns(2)
    if b1.button(
        f"Re-apply my edits on revision {view.revision}", type="primary", key=f"rv_cf_apply_{view.id}"
    ):
        overrides, verifications = dict(view.overrides), dict(view.verifications)
        for q in u.changed_o():
            if q in u.overrides:
                overrides[q] = u.overrides[q]
            else:
                overrides.pop(q, None)
        for q in u.changed_v():
            if q in u.verifications:
                verifications[q] = u.verifications[q]
            else:
                verifications.pop(q, None)
        key = f"rv_{view.id}_{view.revision}"
        _forget(key)  # the new revision's editor starts from the merged edits, not stale widgets
        _forget(f"rv_{view.id}_{u.revision}")
        st.session_state[key + "_ov"], st.session_state[key + "_ver"] = overrides, verifications
        st.session_state[key + "_base"] = (dict(view.overrides), dict(view.verifications))
        st.session_state[key + "_comment"] = u.comment
        st.session_state[f"rv_tab_{view.id}"] = "Questions"
        st.rerun()
    if b2.button("Discard my edits", key=f"rv_cf_discard_{view.id}"):
        _forget(f"rv_{view.id}_{u.revision}")
        st.rerun()


def _evidence(user: UserView, view: AssessmentView, can_edit: bool) -> None:
    """The submission's evidence: each document's state and file facts, and the viewer."""
    wf = session.workflow()
    try:
        docs = wf.list_evidence(user, view.submission_id)
    except StoreError as e:
        session.show_store_error(e)
        return
    if not docs:
        st.info("The submission lists no evidence.")
        return
    labels = {e.index: e.label for e in view.result.evidence}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Ref": f"E{d.index + 1}",
                    "Question": d.question,
                    "Document": labels.get(d.index, d.kind),
                    "State": DOCUMENT_STATE_LABELS[d.state],
                    "File": d.path or "",
                    "SHA-256": d.sha256 or (f"{d.claimed_sha256} (claimed)" if d.claimed_sha256 else ""),
                    "Size": evidence_viewer.size_text(d.size),
                    "Type": d.media_type or "",
                    "Sent by": d.sent_by,
                    "Received": f"{d.received_at:%Y-%m-%d %H:%M}" if d.received_at else "",
                }
                for d in docs
            ]
        ),
        hide_index=True,
        key=f"rv_evidence_{view.submission_id}",
    )
    pick = st.selectbox(
        "Open a document",
        [d.index for d in docs],
        index=None,
        format_func=lambda i: (
            f"E{i + 1} {labels.get(i, docs[i].kind)} — {DOCUMENT_STATE_LABELS[docs[i].state]}"
            + (f" — {docs[i].path}" if docs[i].path else "")
        ),
        placeholder="Choose a document",
        key=f"rv_ev_pick_{view.submission_id}",
    )
    if pick is None:
        return
    doc = docs[pick]
    if doc.has_file:
        try:
            doc, content = wf.evidence_file(user, view.submission_id, pick)
        except StoreError as e:
            session.show_store_error(e)
        else:
            evidence_viewer.show_document(doc, content, key=f"rv_ev_{view.submission_id}_{pick}")
    else:
        evidence_viewer.show_facts(doc)
        st.info(
            "No file was received for this document: it is asserted, and the SHA-256 shown (if any) is the "
            "supplier's claim. It counts once the file arrives or an assessor verifies it.",
            icon=":material/description:",
        )
    if not can_edit:
        return
    with st.form(key=f"rv_ev_check_{view.id}_{view.revision}_{pick}"):
        st.markdown("**Record a check of this document**")
        state = st.radio(
            "Result",
            ["verified", "problem"],
            format_func={"verified": "Verified", "problem": "Problem (wrong, unreadable, out of date)"}.get,
            horizontal=True,
            key=f"rv_ev_state_{pick}",
        )
        checked = st.text_area(
            "What did you check? (register entry, certificate number, the document itself, and the result)",
            key=f"rv_ev_what_{pick}",
            max_chars=5000,
        )
        if st.form_submit_button("Record the check", type="primary"):
            try:
                new = wf.check_evidence(
                    user,
                    view.id,
                    view.revision,
                    pick,
                    state="problem" if state == "problem" else "verified",
                    checked=checked,
                )
            except StoreError as e:
                session.show_store_error(e)
            else:
                st.success(
                    f"Recorded. Revision {new.revision}: {new.result.decision_label}.",
                    icon=":material/check_circle:",
                )
                st.rerun()


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
                "Signed off by": so.signer if so else "",
                "Role": so.role if so else "",
                "Organisation": so.organisation if so else "",
                "When": f"{so.at:%Y-%m-%d %H:%M}" if so else "",
                "Note": so.note if so else "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"so_tbl_{view.id}_{view.revision}")
    whole = view.signed_off
    if whole:
        st.success(
            f"Revision {view.revision} is signed off: {view.result.decision_label}.",
            icon=":material/verified:",
        )
        # Names and reasons are typed by people: shown as text, never as markup.
        st.text(
            f"Signed off by {whole.signer}"
            + "".join(f", {x}" for x in (whole.role, whole.organisation) if x)
            + f" on {whole.at:%Y-%m-%d %H:%M}"
        )
        if whole.note:
            st.text(f"Note: {whole.note}")
        if whole.open_items:
            st.text(f"Signed with items open: {whole.open_items}")
        return
    if user.role == "vendor" or not view.is_current:
        return
    k = f"{view.id}_{view.revision}"
    unsigned = [s for s in view.sections_to_sign if s not in view.section_sign_offs]
    note = st.text_input("Sign-off note (optional)", key=f"so_note_{k}", max_chars=2000)
    role = st.text_input("Your role", value="Assessor", key=f"so_role_{k}", max_chars=200)
    organisation = st.text_input(
        "Your organisation", value=user.organisation_name or "", key=f"so_org_{k}", max_chars=300
    )
    if unsigned:
        sec = st.selectbox("Section to sign off", unsigned, key=f"so_sec_{k}")
        if st.button(f"Sign off {sec}", key=f"so_btn_{k}"):
            try:
                wf.sign_off_section(
                    user, view.id, view.revision, sec, note=note, role=role, organisation=organisation
                )
                st.rerun()
            except StoreError as e:
                session.show_store_error(e)
        st.caption("Every section must be signed off before the whole assessment.")
        return
    st.subheader("Sign off the whole assessment", anchor=False)
    label = view.result.decision_label
    st.info(f"The decision you are signing off: {label} (revision {view.revision}).", icon=":material/gavel:")
    still_open = open_items(view.result, view.open_clarifications)
    reason = ""
    if still_open:
        st.warning(
            "Still open: " + "; ".join(still_open) + ". Answer or close them first, or record why you are "
            "signing off now.",
            icon=":material/warning:",
        )
        reason = st.text_area(
            "Why sign off with these open (required, at least 10 characters)",
            key=f"so_why_{k}",
            max_chars=5000,
        )
    confirmed = st.checkbox(
        f"I confirm the decision “{label}” for this product, revision {view.revision}. A sign-off cannot be undone.",
        key=f"so_confirm_{k}",
    )
    ready = confirmed and (not still_open or len(reason.strip()) >= MIN_REASON)
    if st.button(
        "Sign off the whole assessment",
        type="primary",
        disabled=not ready,
        key=f"so_all_{k}",
        help=None
        if ready
        else "Tick the confirmation" + (" and say why items are open." if still_open else "."),
    ):
        try:
            wf.sign_off(
                user,
                view.id,
                view.revision,
                decision=view.result.decision,
                note=note,
                role=role,
                organisation=organisation,
                open_items_reason=reason,
            )
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
    can_edit = user.role in ("assessor", "admin") and view.is_current
    unsaved = _unsaved(user, view) if can_edit else None
    if unsaved is not None:
        _conflict(user, view, unsaved)  # nothing else until the edits are re-applied or discarded
        return
    common.show_assessment(view.result, key=f"rv_{view.id}_{view.revision}", show_fixes=True)
    tab = st.segmented_control(
        "Part",
        ["Questions", "Evidence", "Clarifications", "Sign-off", "History"],
        default="Questions",
        required=True,
        key=f"rv_tab_{view.id}",
    )
    if tab == "Questions":
        if user.role in ("assessor", "admin") and not view.is_current:
            st.info("This is an earlier revision: read-only.")
        _question_review(user, view, can_edit)
    elif tab == "Evidence":
        _evidence(user, view, can_edit)
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
