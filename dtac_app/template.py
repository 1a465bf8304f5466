"""A commented submission template, written from the criteria: what a vendor downloads to start from.

Every question of the chosen DTAC form is listed in order with its text, its options and when it is
asked; the evidence each answer calls for, the GB device section and the back-pain clinical section
are there as comments to fill in. The template itself is a valid submission (every answer empty), so
uploading it unchanged already gives a verdict with the list of what to supply.
"""

from __future__ import annotations

import json
import textwrap

from .criteria import Catalogue, CriteriaSet, describe_condition


def _comment(text: str, indent: int = 0, width: int = 96) -> list[str]:
    pad = " " * indent + "# "
    return textwrap.wrap(
        " ".join(text.split()), width=width - len(pad), initial_indent=pad, subsequent_indent=pad
    ) or [pad.rstrip()]


def _q(value: str) -> str:
    """A YAML scalar for a value taken from the criteria (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def submission_template(cs: CriteriaSet, catalogue: Catalogue, *, profile: str = "nice-lbp") -> str:
    """The commented YAML template for criteria set ``cs``."""
    lines = [
        f"# DTAC Workbench submission template — {cs.title}",
        "# Fill in the values after each colon and upload this file on the pre-check page.",
        "# Lines starting with # are notes and are ignored. Leave an answer empty if it is not asked.",
        "# Answers must be one of the options shown (capitals and punctuation do not matter).",
        "schema: dtac-submission/1",
        f"criteria: {cs.key}",
        "# profile: dtac (DTAC only) or nice-lbp (DTAC plus the NICE back-pain checks)",
        f"profile: {profile}",
        "submitted_on:            # the date you send it, YYYY-MM-DD",
        "",
        "product:",
        "  name: Your product name",
        '  version: "1.0"',
        "  manufacturer: Your company name",
        "",
        "answers:",
    ]
    kinds: dict[str, str] = {}
    for section in cs.sections:
        lines.append("")
        lines.extend(_comment(f"{section.id} {section.title}", 2))
        for q in section.questions:
            lines.append("")
            lines.extend(_comment(f"{q.id} {q.text}", 2))
            if q.options:
                lines.extend(_comment("Options: " + " | ".join(q.options), 2))
            if q.show_if is not None:
                lines.extend(_comment(f"Asked only when {describe_condition(q.show_if)}", 2))
            for ev in q.evidence:
                kinds.setdefault(ev.kind, ev.label)
                when = f" when the answer is {' or '.join(ev.when)}" if ev.when else ""
                need = "required" if ev.required else "optional"
                lines.extend(_comment(f"Evidence{when} ({need}): {ev.label} — kind {ev.kind}", 2))
            lines.append(f"  {q.id}:")
    lines += [
        "",
        "# Evidence: one entry per document, tied to the question it supports. Copy the example for each one.",
        "# Put the files in a folder named evidence/ beside this file (or upload a ZIP of both).",
        "# Dates are YYYY-MM-DD. sha256 is optional: the workbench computes it when the file arrives.",
        "evidence: []",
        "# evidence:",
        "#   - question: C3.1",
        "#     kind: cyber_essentials",
        "#     reference: the certificate number",
        "#     issued: 2026-01-15",
        "#     expires: 2027-01-14",
        "#     file: evidence/cyber-essentials.pdf",
        "# Evidence kinds this form asks for:",
    ]
    for kind, label in sorted(kinds.items()):
        lines.extend(_comment(f"  {kind}: {label}"))
    lines += [
        "",
        "# Medical device status in Great Britain (leave medical_device: false if the product is not a device).",
        "regulatory:",
        "  medical_device: false",
        "  # device_class: I | Is | Im | IIa | IIb | III",
        "  # marking: UKCA | CE-MDR | CE-MDD | CE-IVDD | none",
        "  # certificate_number:",
        "  # certificate_expiry:        # YYYY-MM-DD",
        "  # mhra_registration:         # MHRA registration reference (PARD)",
        "  # uk_responsible_person:",
    ]
    nice = catalogue.nice
    lines += [
        "",
        "# Back-pain apps (profile nice-lbp): what the app offers and to whom. Remove this section otherwise.",
        "clinical:",
        f"  # nice_technology: the name NICE used in {nice.guidance}, if NICE assessed the product; else leave empty",
        "  nice_technology:",
        "  delivers_treatment: true",
        "  # content: the treatment content the app delivers; choose from:",
    ]
    for item in nice.content_items:
        lines.extend(_comment(f"  {item.id}: {item.label}", 2))
    lines.append("  content: []")
    lines.append(
        f"  # features: the {nice.guidance} features the app offers (reported; they do not change the decision):"
    )
    for f in nice.features:
        lines.extend(_comment(f"  {f.id}: {f.label}", 2))
    lines += [
        "  features: []",
        f"  minimum_age:                # {nice.guidance} and NG59 cover people aged {nice.population_min_age} and over",
        "  # pain_duration: acute (new back pain), chronic (3 months or more), or both",
        "  pain_duration: []",
        "  self_referral:              # true if people can start using it without a clinician",
        "  red_flag_escalation:        # true if red flags are identified and escalated (needed for self-referral)",
        "",
    ]
    return "\n".join(lines)
