"""Which assessment and revision the review page shows, and its heading."""

from __future__ import annotations

import streamlit as st

from dtac_app.results import Assessment
from dtac_app.store.errors import StoreError
from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import session
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import labelled, select

STATUS_TEXT = {
    "in_review": "In review",
    "signed_off": "Signed off",
    "changed_after_sign_off": "Changed after sign-off",
}


def pick_assessment(user: UserView) -> AssessmentView | None:
    wf = session.workflow()
    products = wf.list_products(user)
    if not products:
        st.info("No products yet.")
        return None
    pid = session.query_int("product")
    ids = [p.id for p in products]
    # A product not listed either does not exist or belongs to another organisation: the service
    # decides and says so.
    if pid is not None and pid not in ids and session.fetch(lambda: wf.get_product(user, pid)) is None:
        return None
    names = {p.id: f"{p.name} ({p.organisation_name})" for p in products}
    chosen = select("Product", ids, prefer=pid, format_func=labelled(names), key="rv_product")
    if chosen != pid:
        st.query_params["product"] = str(chosen)
        st.query_params.pop("assessment", None)
    detail = session.fetch(lambda: wf.get_product(user, chosen))
    if detail is None:
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
        prefer=want,
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


def header(view: AssessmentView) -> None:
    st.header(f"{md(view.product_name)} {md(view.version)}", anchor=False)
    st.caption(
        f"{md(view.organisation_name)} · assessment #{view.id}, revision {view.revision} of {view.current_revision} · "
        f"{md(STATUS_TEXT.get(view.status, view.status))} · criteria {md(view.criteria_set)} "
        f"(SHA-256 {md(criteria_file_hash(view.result)[:16])}…) · profile {md(view.profile)}"
    )
    if view.open_clarifications:
        st.warning(f"{view.open_clarifications} clarification request(s) open.", icon=":material/help:")
