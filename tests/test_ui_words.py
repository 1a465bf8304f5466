"""Words on the page: acronyms keep their capitals, no repeated question ids, "—" for nothing, labels
that fit the evidence, no developer notes for vendors, one criteria hash everywhere, a template to
download in the pre-check. (AppTest, on the seeded example database, like test_ui_apptest.py.)"""

from __future__ import annotations

import datetime as dt
import re

import test_ui_apptest
import yaml
from test_ui_apptest import CLEAN, App, all_text, download_bytes, table, texts

from dtac_app.catalogue import get_catalogue
from dtac_app.dossier.content import finding_line
from dtac_app.engine import assess
from dtac_app.results import Finding
from dtac_app.submission_io import parse_submission
from dtac_app.template import submission_template
from dtac_app.ui.common import without_rule
from dtac_app.ui.form import issued_label, lower_first

BACK_PAIN = "SpineWren Back Coach"
app = test_ui_apptest.app  # the fixture: the app on a private seeded database


def test_labels_inside_sentences_keep_acronyms() -> None:
    assert lower_first("DSPT assessment") == "DSPT assessment"
    assert lower_first("ODS code") == "ODS code"
    assert lower_first("EULA or terms of use") == "EULA or terms of use"
    assert lower_first("MHRA registration") == "MHRA registration"
    assert lower_first("Cyber Essentials certificate") == "cyber Essentials certificate"
    assert lower_first("Privacy notice") == "privacy notice"


def test_the_issued_date_is_labelled_for_the_kind_of_evidence() -> None:
    assert issued_label("pen_test", "pen_test") == "Test date"
    labels = {
        issued_label(check, kind)
        for check, kind in [
            ("cyber_essentials", "cyber_essentials"),
            ("expiry", "dpia"),
            ("document", "ico_registration"),
            ("document", "device_certificate"),
        ]
    }
    assert not any("pen test" in label.casefold() for label in labels)


def test_a_reason_does_not_repeat_its_question_id() -> None:
    text = "C3.1 Cyber Essentials: expired after 1 Jan 2026"
    f = Finding(rule="C3.1", severity="fail", text=text, kind="evidence_expired", question="C3.1")
    assert without_rule(f) == "Cyber Essentials: expired after 1 Jan 2026"
    assert finding_line(f) == text
    nice = Finding(rule="NICE.population", severity="fail", text="Offered to people aged 12", kind="nice")
    assert without_rule(nice) == "Offered to people aged 12"
    assert finding_line(nice) == "NICE.population: Offered to people aged 12"
    # A commitment is about a question but not under its id: the sentence keeps its lead, the line adds the rule.
    commit = Finding(
        rule="C1.1.commitment", severity="missing", text="C1.1 Device: …", kind="commitment", question="C1.1"
    )
    assert without_rule(commit) == "C1.1 Device: …"
    assert finding_line(commit) == "C1.1.commitment: C1.1 Device: …"
    # The fields decide, not the sentence: a device finding whose words happen to start with its id keeps them.
    odd = Finding(rule="GB-REG.x", severity="fail", text="GB-REG.x says no", kind="regulatory")
    assert without_rule(odd) == "GB-REG.x says no"


def test_results_stored_before_findings_had_fields_read_the_same() -> None:
    old = Finding(rule="C3.1", severity="fail", text="C3.1 Cyber Essentials: expired after 1 Jan 2026")
    assert without_rule(old) == "Cyber Essentials: expired after 1 Jan 2026"
    assert finding_line(old) == old.text
    assert without_rule(Finding(rule="X", severity="fail", text="X: said so")) == "said so"


def test_the_d1_row_shows_a_dash_not_none(app: App) -> None:
    p = app.seeded.product(CLEAN)
    at = app.open("review.py", as_user="assessor", query={"product": str(p.id)})
    sections = table(at, "Section", "Result", "Met")
    d1 = sections[sections["Section"].str.startswith("D1")].iloc[0]
    assert (d1["Met"], d1["Not met"], d1["Missing"]) == ("—", "—", "—")
    assert "None" not in set(sections.astype(str).to_numpy().ravel())


def test_the_criteria_hash_is_the_same_in_the_header_and_on_the_criteria_page(app: App) -> None:
    p = app.seeded.product(CLEAN)
    at = app.open("review.py", as_user="assessor", query={"product": str(p.id)})
    shown = re.search(r"criteria (\S+) \(SHA-256 ([0-9a-f]{12,})…\)", texts(at.caption))
    assert shown, texts(at.caption)
    set_key, prefix = shown.groups()
    criteria = app.open("criteria_browser.py", as_user="assessor")
    files = table(criteria, "Set", "SHA-256").set_index("Set")
    assert files.loc[set_key, "SHA-256"].startswith(prefix)
    # The dossier prints the same file hash: the one the assessment recorded for its set.
    recorded = app.wf.get_assessment(app.user("assessor"), p.assessment_id).result.criteria.hashes[set_key]
    assert recorded == files.loc[set_key, "SHA-256"]


def test_the_pre_check_offers_a_commented_template_and_no_commands(app: App) -> None:
    at = app.open("precheck.py", as_user=app.vendor_of(BACK_PAIN))
    text = all_text(at)
    assert "dtac " not in text and "submissions/" not in text
    template = download_bytes(at.download_button(key="pc_template")).decode()
    assert "# C3.1 " in template and "Options: " in template
    assert "guided_exercise_video" in template  # the HTE16 features, as notes
    cat = get_catalogue()
    sub = parse_submission(yaml.safe_load(template), cat, file="template.yaml")
    a = assess(sub, cat, as_of=dt.date(2026, 12, 1))
    assert a.fixes, "uploading the template unchanged lists what to supply"


def test_every_question_is_in_the_template() -> None:
    cat = get_catalogue()
    for key in cat.dtac:
        cs = cat.dtac_set(key)
        template = submission_template(cs, cat)
        data = yaml.safe_load(template)
        assert set(data["answers"]) == set(cs.questions)


def test_vendors_see_no_developer_notes(app: App) -> None:
    vendor = app.vendor_of(BACK_PAIN)
    for page in ("criteria_browser.py", "dossier.py", "precheck.py", "calendar.py"):
        at = app.open(page, as_user=vendor)
        if page == "criteria_browser.py":
            at.button_group(key="cb_view").set_value("Policy settings").run()
        text = all_text(at) + texts(at.caption)
        for note in ("criteria/policy.yaml", "docs/", "dtac verify", "dtac schema", "dtac user"):
            assert note not in text, (page, note)


def test_a_missing_expiry_date_asks_for_the_date_not_for_an_answer() -> None:
    from support import passing_v2, run

    cat = get_catalogue()
    data = passing_v2()
    for e in data["evidence"]:
        if e["question"] == "C2.2.1":
            e.pop("expires", None)
    a = run(data, cat)
    fix = next(f for f in a.fixes if f.rule == "C2.2.1")
    assert "add the expiry date of the ico registration" in fix.action.casefold()
    assert "Answer C2.2.1" not in fix.action
