"""Save conflicts: edits made on an earlier revision that another assessor's save overtook,
shown beside what changed, to re-apply on the new revision or discard."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dtac_app.results import OUTCOME_LABELS, Override, Verification
from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import session
from dtac_app.ui.review.questions import PendingEdits


@dataclass(frozen=True)
class Unsaved:
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


def unsaved_edits(user: UserView, view: AssessmentView) -> Unsaved | None:
    """Unsaved edits on an earlier revision of this assessment, if any (stale ones are dropped).

    The click on "Save" that finds a newer revision carries the last typed values of widgets this
    run does not draw any more; they are folded in here so nothing typed is lost.
    """
    ss = st.session_state
    found: Unsaved | None = None
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
        edits = PendingEdits(user, key, saved_o, saved_v, pending_o, pending_v)
        for qid, w in widgets.items():
            if "ovsel" in w:
                edits.take_override(qid, str(w["ovsel"]), str(w.get("ovwhy", "")))
            if "vchk" in w:
                edits.take_verification(qid, bool(w["vchk"]), str(w.get("vwhat", "")))
        u = Unsaved(
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


def conflict(user: UserView, view: AssessmentView, u: Unsaved) -> None:
    """Your unsaved edits beside what the other save changed; re-apply them on the new revision or discard them."""
    wf = session.workflow()
    base = session.fetch(lambda: wf.get_assessment(user, view.id, revision=u.revision))
    if base is None:
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
