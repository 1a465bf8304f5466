"""The D1 usability and accessibility score: weighted points per answered scored question."""

from __future__ import annotations

from collections.abc import Mapping

from dtac_app.criteria import Policy
from dtac_app.results import D1Item, D1Score

from .plan import EnginePlan


def score_d1(
    plan: EnginePlan, shown: Mapping[str, bool | None], answers: Mapping[str, str], policy: Policy
) -> D1Score:
    """The D1 score from which questions were asked (``shown``) and their answers."""
    items: list[D1Item] = []
    earned = possible = 0.0
    static = plan.d1_items

    def item(qid: str, weight: float, points: float | None, note: str = "") -> D1Item:
        key = (qid, points, note)
        hit = static.get(key)
        if hit is None:
            hit = static[key] = D1Item(id=qid, weight=weight, points=points, note=note)
        return hit

    for q in plan.scored:
        if q.score is None:
            continue
        weight = q.score.weight
        if shown.get(q.id) is not True:
            items.append(item(q.id, weight, None, "not asked"))
            continue
        answer = answers.get(q.id)
        if not answer:
            possible += weight
            items.append(item(q.id, weight, 0.0, "not answered"))
            continue
        if q.type == "choice" and answer not in q.options:
            possible += weight
            items.append(item(q.id, weight, 0.0, "not one of the options"))
            continue
        pts = q.score.points.get(answer, q.score.points.get("*", 0.0))
        if pts == "policy:working_towards_credit":
            pts = policy.v1_working_towards_credit
        elif pts == "policy:not_applicable":
            pts = "exclude" if policy.v1_not_applicable_d1 == "exclude" else 1.0
        if pts == "exclude":
            items.append(item(q.id, weight, None, "not applicable"))
            continue
        value = float(pts)
        earned += value * weight
        possible += weight
        items.append(item(q.id, weight, value))
    pct = round(100.0 * earned / possible, 1) if possible else None
    return D1Score(
        method=plan.criteria.scoring.method,
        earned=round(earned, 3),
        possible=round(possible, 3),
        percent=pct,
        items=tuple(items),
    )
