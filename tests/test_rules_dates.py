"""Date edges: expiry days, CE acceptance deadlines, DSPT years, valid-until, and calendar helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from support import (
    ONE_DAY,
    TODAY,
    V1_DAY,
    check_valid_until,
    days,
    device_v2,
    drop_answers,
    evidence_of,
    name_technology,
    passing_lbp,
    passing_v1,
    passing_v2,
    rules_of,
    run,
)

from dtac_app.criteria import Catalogue, Policy
from dtac_app.dates import add_months, dspt_valid_through, last_valid_day

D = dt.date


def _decisions(data: dict[str, Any], catalogue: Catalogue, *on: dt.date, **kw: Any) -> list[str]:
    return [run(data, catalogue, d, **kw).decision for d in on]


# =========================================================================== calendar helpers


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2025, 11, 22), 12, D(2026, 11, 22)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 5, 31), -3, D(2026, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 8, 31), 18, D(2028, 2, 29)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_last_valid_day_is_the_day_before_the_anniversary() -> None:
    assert last_valid_day(D(2025, 11, 22), 12) == D(2026, 11, 21)
    assert last_valid_day(D(2026, 1, 1), 12) == D(2026, 12, 31)


def test_dspt_year_stays_acceptable_until_the_next_deadline() -> None:
    assert dspt_valid_through("2024-25", 6, 30) == D(2026, 6, 30)
    assert dspt_valid_through("2025-26", 6, 30) == D(2027, 6, 30)
    assert dspt_valid_through("2099-00", 6, 30) == D(2101, 6, 30)


# =========================================================================== evidence expiry edges


def test_cyber_essentials_issued_22_nov_2025_is_valid_through_21_nov_2026(catalogue: Catalogue) -> None:
    data = passing_v2(D(2026, 11, 21))
    evidence_of(data, "cyber_essentials")["issued"] = "2025-11-22"
    before, last, after = D(2026, 11, 20), D(2026, 11, 21), D(2026, 11, 22)
    assert _decisions(data, catalogue, before, last, after) == [
        "available_with_conditions",
        "available_with_conditions",
        "not_available",
    ]
    a = run(data, catalogue, last)
    assert a.question("C3.1").outcome == "pass"  # type: ignore[union-attr]
    assert "0 days left" in a.conditions[0].text
    assert a.changes_on == after
    b = run(data, catalogue, after)
    assert b.question("C3.1").outcome == "fail"  # type: ignore[union-attr]
    assert "expired after 21 Nov 2026" in b.question("C3.1").reason  # type: ignore[union-attr]


def test_cyber_essentials_explicit_expiry_earlier_than_12_months_wins(catalogue: Catalogue) -> None:
    data = passing_v2()
    ce = evidence_of(data, "cyber_essentials")
    ce["issued"] = (TODAY - days(60)).isoformat()
    ce["expires"] = (TODAY + days(5)).isoformat()
    assert _decisions(data, catalogue, TODAY + days(5), TODAY + days(6)) == [
        "available_with_conditions",
        "not_available",
    ]


def test_ico_registration_expiry_date_is_inclusive(catalogue: Catalogue) -> None:
    expires = D(2027, 1, 15)
    data = passing_v2(expires)
    evidence_of(data, "ico_registration")["expires"] = expires.isoformat()
    assert _decisions(data, catalogue, expires - ONE_DAY, expires, expires + ONE_DAY) == [
        "available_with_conditions",
        "available_with_conditions",
        "not_available",
    ]
    assert run(data, catalogue, expires + ONE_DAY).question("C2.2.1").outcome == "fail"  # type: ignore[union-attr]


def test_pen_test_is_valid_for_12_months_from_the_test_date(catalogue: Catalogue) -> None:
    tested = D(2026, 3, 10)
    data = passing_v2(D(2027, 3, 9))
    evidence_of(data, "pen_test")["issued"] = tested.isoformat()
    assert _decisions(data, catalogue, D(2027, 3, 8), D(2027, 3, 9), D(2027, 3, 10)) == [
        "available_with_conditions",
        "available_with_conditions",
        "not_available",
    ]


def test_warning_window_starts_exactly_90_days_before_expiry(catalogue: Catalogue) -> None:
    expires = D(2027, 3, 31)
    data = passing_v2(expires - days(90))
    evidence_of(data, "ico_registration")["expires"] = expires.isoformat()
    start = expires - days(90)
    assert _decisions(data, catalogue, start - ONE_DAY, start) == ["available", "available_with_conditions"]
    assert run(data, catalogue, start - ONE_DAY).changes_on == start


def test_dspt_2024_25_is_acceptable_on_30_june_2026_and_not_on_1_july(catalogue: Catalogue) -> None:
    data = passing_v2(D(2026, 6, 30))
    evidence_of(data, "dspt")["period"] = "2024-25"
    assert _decisions(data, catalogue, D(2026, 6, 29), D(2026, 6, 30), D(2026, 7, 1)) == [
        "available_with_conditions",
        "available_with_conditions",
        "not_available",
    ]
    a = run(data, catalogue, D(2026, 7, 1))
    assert a.question("C2.1").outcome == "fail"  # type: ignore[union-attr]
    assert "DSPT 2024-25" in a.question("C2.1").reason  # type: ignore[union-attr]
    # A 2025-26 publication is fine on 1 July 2026.
    evidence_of(data, "dspt")["period"] = "2025-26"
    assert run(data, catalogue, D(2026, 7, 1)).decision == "available"


# =========================================================================== CE and UKCA edges


def test_ce_mdd_class_iia_is_accepted_until_30_june_2028_even_with_a_later_certificate(
    catalogue: Catalogue,
) -> None:
    data = device_v2(D(2028, 6, 30), marking="CE-MDD", device_class="IIa", certificate_expiry="2029-03-31")
    a = run(data, catalogue, D(2028, 6, 30))
    assert a.decision == "available_with_conditions"
    assert rules_of(a, "condition") == {"GB-REG.ce_acceptance"}
    assert a.regulatory.accepted_until == D(2028, 6, 30)
    assert a.changes_on == D(2028, 7, 1)
    b = run(data, catalogue, D(2028, 7, 1))
    assert b.decision == "not_available"
    assert "GB-REG.ce_acceptance" in rules_of(b, "fail")
    assert any("not accepted in GB after 30 Jun 2028" in f.text for f in b.findings)


def test_ce_mdd_class_iii_ends_31_december_2027(catalogue: Catalogue) -> None:
    data = device_v2(D(2027, 12, 31), marking="CE-MDD", device_class="III", certificate_expiry="2029-03-31")
    assert _decisions(data, catalogue, D(2027, 12, 31), D(2028, 1, 1)) == [
        "available_with_conditions",
        "not_available",
    ]


def test_ce_mdr_is_accepted_until_30_june_2030(catalogue: Catalogue) -> None:
    data = device_v2(D(2030, 6, 30), marking="CE-MDR", device_class="IIb", certificate_expiry="2033-01-01")
    assert _decisions(data, catalogue, D(2030, 6, 30), D(2030, 7, 1)) == [
        "available_with_conditions",
        "not_available",
    ]


def test_ce_certificate_expiring_before_the_legal_deadline(catalogue: Catalogue) -> None:
    data = device_v2(D(2027, 5, 31), marking="CE-MDR", device_class="IIa", certificate_expiry="2027-05-31")
    assert _decisions(data, catalogue, D(2027, 5, 31), D(2027, 6, 1)) == [
        "available_with_conditions",
        "not_available",
    ]


def test_ukca_certificate_expiry(catalogue: Catalogue) -> None:
    expiry = D(2027, 9, 30)
    warn = expiry - days(90)
    data = device_v2(warn - ONE_DAY, device_class="IIa", certificate_expiry=expiry.isoformat())
    assert _decisions(data, catalogue, warn - ONE_DAY, warn, expiry, expiry + ONE_DAY) == [
        "available",
        "available_with_conditions",
        "available_with_conditions",
        "not_available",
    ]
    b = run(data, catalogue, expiry + ONE_DAY)
    assert "GB-REG.certificate" in rules_of(b, "fail")


def test_ukca_class_i_self_declared_has_no_expiry(catalogue: Catalogue) -> None:
    data = device_v2(D(2035, 1, 1))
    assert run(data, catalogue, D(2035, 1, 1)).decision == "available"


# =========================================================================== form version edge


def test_v1_submission_dated_5_april_is_accepted_and_6_april_is_not(catalogue: Catalogue) -> None:
    data = passing_v1(D(2026, 4, 6))
    data["submitted_on"] = "2026-04-05"
    assert run(data, catalogue, D(2026, 4, 6)).decision == "available"
    data["submitted_on"] = "2026-04-06"
    assert run(data, catalogue, D(2026, 4, 6)).decision == "not_available"


# =========================================================================== valid-until


def test_valid_until_plain_dtac_submission(catalogue: Catalogue) -> None:
    a, after = check_valid_until(passing_v2(), catalogue)
    assert (a.decision, after.decision) == ("available", "available_with_conditions")
    assert "renewal window" in a.valid_until_reason


def test_valid_until_follows_the_earliest_expiry(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "pen_test")["issued"] = (TODAY - days(200)).isoformat()
    a, _ = check_valid_until(data, catalogue)
    assert a.changes_on == last_valid_day(TODAY - days(200), 12) - days(90)
    assert "Penetration test" in a.valid_until_reason


def test_valid_until_with_expiring_evidence(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "ico_registration")["expires"] = (TODAY + days(40)).isoformat()
    a, after = check_valid_until(data, catalogue)
    assert (a.decision, after.decision) == ("available_with_conditions", "not_available")
    assert a.changes_on == TODAY + days(41)
    assert "ICO registration" in a.valid_until_reason


def test_valid_until_back_pain_app(catalogue: Catalogue) -> None:
    a, after = check_valid_until(passing_lbp(), catalogue)
    assert (a.decision, after.decision) == ("available_with_conditions", "not_available")


def test_valid_until_nice_evidence_generation_app(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "Hinge Health")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    evidence_of(data, "cyber_essentials")["issued"] = (TODAY - days(300)).isoformat()
    a, after = check_valid_until(data, catalogue)
    assert after.decision == "not_available"
    assert "Cyber Essentials" in a.valid_until_reason


def test_valid_until_research_only(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "Joint Academy")
    a, after = check_valid_until(data, catalogue)
    assert (a.decision, after.decision) == ("research_only", "not_available")


def test_valid_until_incomplete(catalogue: Catalogue) -> None:
    data = drop_answers(passing_v2(), "C1.2.5")
    evidence_of(data, "pen_test")["issued"] = (TODAY - days(300)).isoformat()
    a, after = check_valid_until(data, catalogue)
    assert (a.decision, after.decision) == ("incomplete", "not_available")


def test_valid_until_ce_mdd_deadline(catalogue: Catalogue) -> None:
    day = D(2028, 5, 1)
    data = device_v2(day, marking="CE-MDD", device_class="IIa", certificate_expiry="2029-06-01")
    a, after = check_valid_until(data, catalogue, day)
    assert a.changes_on == D(2028, 7, 1)
    assert "CE-MDD" in a.valid_until_reason


def test_valid_until_ukca_certificate(catalogue: Catalogue) -> None:
    data = device_v2(device_class="IIb", certificate_expiry=(TODAY + days(120)).isoformat())
    a, after = check_valid_until(data, catalogue)
    assert a.changes_on == TODAY + days(30)
    assert (a.decision, after.decision) == ("available", "available_with_conditions")


def test_valid_until_dspt_deadline(catalogue: Catalogue) -> None:
    day = D(2026, 5, 1)
    data = passing_v2(day)
    evidence_of(data, "dspt")["period"] = "2024-25"
    a, _ = check_valid_until(data, catalogue, day)
    assert a.changes_on == D(2026, 7, 1)


def test_valid_until_v1_submission(catalogue: Catalogue) -> None:
    a, after = check_valid_until(passing_v1(), catalogue, V1_DAY)
    assert (a.decision, after.decision) == ("available", "available_with_conditions")


def test_valid_until_v1_submission_without_a_date_stops_at_v1_retirement(catalogue: Catalogue) -> None:
    data = passing_v1()
    del data["submitted_on"]
    a, after = check_valid_until(data, catalogue, V1_DAY)
    assert a.changes_on == D(2026, 4, 6)
    assert after.decision == "not_available"


def test_valid_until_evidence_dated_in_the_future(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "cyber_essentials")["issued"] = (TODAY + days(10)).isoformat()
    a, after = check_valid_until(data, catalogue)
    assert a.decision == "incomplete"
    assert a.changes_on == TODAY + days(10)
    assert after.decision == "available"


def test_no_valid_until_for_not_available(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C3.6"] = "No"
    a = run(data, catalogue)
    assert a.valid_until is None
    assert "only when the submission or evidence changes" in a.valid_until_reason


def test_no_valid_until_when_nothing_expires(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C2.1"] = "No access to patient data or national NHS system"
    data["answers"]["C2.2"] = "No"
    data["answers"]["C3.1"] = "Not provided"
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert a.valid_until is None


def test_kaia_reported_withdrawal_applied_by_policy_ends_the_decision_on_its_date(
    catalogue: Catalogue,
) -> None:
    day = D(2026, 2, 1)
    data = passing_lbp(day)
    name_technology(data, "Kaia")["clinical"].update(evidence_generation={"agreement_in_place": True})
    policy = Policy(apply_unconfirmed_nice_changes=True)
    a = run(data, catalogue, day, policy=policy)
    # A withdrawal is not 'never assessed': on its date the product is no longer available.
    withdrawal = [e for e in a.events if e.on == D(2026, 4, 1)]
    assert withdrawal and "Kaia" in withdrawal[0].text
    assert a.changes_on == D(2026, 4, 1)
    before = run(data, catalogue, D(2026, 3, 31), policy=policy)
    on = run(data, catalogue, D(2026, 4, 1), policy=policy)
    assert before.nice.nice_status == "use_with_evidence_generation"
    assert before.decision == "available_with_conditions"
    assert (on.nice.nice_status, on.decision) == ("withdrawn", "not_available")
    assert "HTE16.withdrawn" in rules_of(on, "fail") and "NICE.unassessed" not in rules_of(on)
    # Without the policy there is no such date.
    assert D(2026, 4, 1) not in {e.on for e in run(data, catalogue, day).events}


def test_events_are_future_dated_and_sorted(catalogue: Catalogue) -> None:
    data = device_v2(marking="CE-MDR", device_class="IIa", certificate_expiry="2029-01-01")
    a = run(data, catalogue)
    assert a.events
    assert all(e.on > TODAY for e in a.events)
    assert [e.on for e in a.events] == sorted(e.on for e in a.events)
    assert a.changes_on == min(e.on for e in a.events if e.effect in ("fail", "review"))
