"""Read the answers out of a completed DTAC form without guessing. Pure: data in, data out.

The structure is worked out from the form itself, not from one layout:

* a table is a question table when a header row names its columns (``Code``, ``Question``,
  ``Options``, ...) or, with no header, when its first column holds question ids;
* a row belongs to the question whose id starts it (in the code column, or leading the question);
  a row with no id and no question continues the row above; empty rows are skipped;
* the answer is looked for in every column the template leaves free: an answer/response column,
  any column the template does not have, the ``Options`` cell (once the printed option list is set
  aside), emphasised text after the question, and last the template's own columns (``Supporting
  information``, ``Scoring criteria``), which are trusted less because they hold the form's words.

Options are matched with ``canon_label`` and the criteria set's option lookup. A choice answer is
taken only when a cell begins with an option, or marks exactly one (bold, highlight, a ticked box,
the others deleted); anything less is left unanswered and reported with the options it could be.

This module works out the form's version and reads the whole form; the steps are modules of their
own: ``tables`` (question rows and the columns' roles), ``choices`` (a choice in one cell),
``answers`` (each question decided from its cells), ``references`` (evidence a vendor stated) and
``result`` (what an import returns).
"""

from __future__ import annotations

import re
from dataclasses import replace

from dtac_app.criteria import Catalogue

from .answers import decide_question
from .choices import prefix_option, tidy
from .raw import RawForm
from .references import extract_evidence
from .result import AssertedEvidence, FormImport, QuestionImport
from .tables import cell_id, collect_candidates, lead_id

# ----------------------------------------------------------------------------- form version


_V1_COVER = re.compile(r"\b(?:version|v)\s*1(?:\.0)?\b|\b2021\b", re.I)
_V2_COVER = re.compile(r"\b(?:version|v)\s*2(?:\.0)?\b|\b2026\b", re.I)


def detect_version(form: RawForm, catalogue: Catalogue) -> tuple[str | None, str]:
    """The form version from its cover text and from the question ids it holds; a sentence saying how."""
    ids: set[str] = set()
    for table in form.tables:
        for row in table.rows:
            for cell in row[:2]:
                qid = cell_id(cell.text)
                lead = lead_id(cell.text)
                ids.update(x for x in (qid, lead[0] if lead else None) if x)
    sets = {k: set(cs.questions) for k, cs in catalogue.dtac.items()}
    v1, v2 = sets.get("dtac-v1.0", set()), sets.get("dtac-v2.0", set())
    only1, only2 = len(ids & (v1 - v2)), len(ids & (v2 - v1))
    by_ids = "dtac-v1.0" if only1 > only2 else "dtac-v2.0" if only2 > only1 else None
    cover = form.cover[:5000]
    says1, says2 = bool(_V1_COVER.search(cover)), bool(_V2_COVER.search(cover))
    by_cover = "dtac-v1.0" if says1 and not says2 else "dtac-v2.0" if says2 and not says1 else None
    if by_cover and by_ids and by_cover != by_ids:
        return by_ids, (
            f"The cover reads like {by_cover} but the question ids are those of {by_ids} "
            f"({max(only1, only2)} ids found only in {by_ids}); read as {by_ids}."
        )
    if by_cover and by_ids:
        return by_cover, f"{by_cover}: stated on the cover and confirmed by the question ids."
    if by_cover:
        return by_cover, f"{by_cover}: stated on the cover."
    if by_ids:
        return by_ids, f"{by_ids}: from the question ids (the cover does not state a version)."
    return None, "The form does not state its version and its question ids fit both versions."


# ----------------------------------------------------------------------------- the whole form


def match_form(form: RawForm, catalogue: Catalogue, criteria: str | None = None) -> FormImport:
    """Read every question of the form's criteria set from the form. Raises ValueError when no
    table in the form is a DTAC question table (the caller turns that into an InputError)."""
    detected, note = detect_version(form, catalogue)
    warnings: list[str] = []
    if criteria is not None:
        key = catalogue.dtac_set(criteria).key
        if detected and detected != key:
            warnings.append(f"You chose {key}, but the form looks like {detected}: {note}")
        note = f"{key}: chosen with --criteria." if not detected or detected == key else note
    elif detected is None:
        key = catalogue.dtac_set(None).key
        warnings.append(f"{note} Read as {key}; pass --criteria if that is wrong.")
        note = f"{key}: assumed (the form does not say)."
    else:
        key = detected
    cs = catalogue.dtac_set(key)
    other_ids = {qid for k, s in catalogue.dtac.items() if k != key for qid in s.questions}
    collected = collect_candidates(form, cs, other_ids)
    if collected.tables_used == 0:
        raise ValueError(
            "no DTAC question table found: expected tables whose header row names Code, Question and "
            "Options (or whose first column holds question ids such as C1.2)"
        )
    if collected.unknown_ids:
        warnings.append(
            f"Rows with ids that are not questions of {key} were skipped: {', '.join(collected.unknown_ids[:20])}"
        )
    lookup = cs.option_lookup
    questions: list[QuestionImport] = []
    evidence: list[AssertedEvidence] = []
    plan = [q for _, q, _, _ in cs.plan]
    for i, q in enumerate(plan):
        cands = collected.candidates.get(q.id)
        if not cands and q.id not in collected.rows_seen:
            questions.append(QuestionImport(id=q.id, short=q.short, type=q.type, status="absent"))
            continue
        qi = decide_question(q, cands or [], lookup.get(q.id, {}))
        qi = replace(qi, vendor_text=tidy(qi.vendor_text), explanation=tidy(qi.explanation))
        if qi.status == "unresolved" and q.type == "choice" and qi.vendor_text and i + 1 < len(plan):
            nxt = plan[i + 1]
            if nxt.type == "choice" and prefix_option(qi.vendor_text, lookup.get(nxt.id, {})):
                qi = _with_check(
                    qi,
                    f"{qi.check} The words read like an answer to {nxt.id} ({nxt.short}); the supplier may "
                    "have written it in the wrong row.",
                )
        questions.append(qi)
        if qi.vendor_text and q.type != "url":
            evidence.extend(
                extract_evidence(
                    q, qi.answer if qi.status == "answered" else None, qi.vendor_text, qi.source, catalogue
                )
            )
    return FormImport(
        file=form.file,
        format=form.format,
        criteria=key,
        version_note=note,
        questions=tuple(questions),
        evidence=tuple(evidence),
        warnings=tuple(warnings),
    )


def _with_check(qi: QuestionImport, check: str) -> QuestionImport:
    return replace(qi, check=check.strip())
