"""``dtac dossier`` writes a signed dossier for one submission; ``dtac verify`` checks one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from dtac_app.errors import InputError

from .core import assess_file
from .options import AsOfOption, ProfileOverride, SubmissionFile, option_value, parse_date
from .output import DECISION_STYLE, bad_input, err, esc, out


def dossier_cmd(
    file: SubmissionFile,
    as_of: AsOfOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the dossier files to.")] = Path("."),
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: pdf,html,json,csv.")
    ] = "pdf,html,json,csv",
    profile: ProfileOverride = None,
    assessor: Annotated[str | None, typer.Option("--assessor", help="Sign-off: assessor's name.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Sign-off: assessor's role.")] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Sign-off: assessor's organisation.")
    ] = None,
    signed_on: Annotated[str | None, typer.Option("--signed-on", help="Sign-off date, YYYY-MM-DD.")] = None,
    pre_check: Annotated[
        bool,
        typer.Option(
            "--pre-check",
            help="A supplier's own check: mark every page 'Vendor pre-check — not an NHS decision'.",
        ),
    ] = False,
) -> None:
    """Assess one submission and write its dossier: PDF, accessible HTML, JSON and CSV.

    Without --assessor and --signed-on every page is marked "DRAFT — not signed off".
    """
    from pydantic import ValidationError

    from dtac_app.dossier import SignOff, parse_formats, write_dossier

    try:
        day = parse_date(as_of)
        try:
            fmts = parse_formats(formats)
        except ValueError as e:
            raise InputError("--format", "", str(e)) from None
        signed = parse_date(signed_on) if signed_on else None
        if (assessor or role or organisation or signed) and not (assessor and assessor.strip() and signed):
            raise InputError(
                "--assessor/--signed-on", "", "a sign-off needs both the assessor's name and the date signed"
            )
        if pre_check and signed:
            raise InputError("--pre-check", "", "a vendor's pre-check cannot carry an assessor's sign-off")
        try:
            signoff = (
                SignOff(
                    assessor=assessor or "", role=role or "", organisation=organisation or "", date=signed
                )
                if signed
                else None
            )
        except ValidationError as e:
            raise InputError("--assessor/--role", "", e.errors()[0]["msg"]) from None
        sub, a = assess_file(file, as_of=day, profile=option_value(profile))
        from dtac_app.workbench.keys import configured_signing_key, signing_key_path

        key = configured_signing_key()
    except InputError as e:
        raise bad_input(e) from None
    try:
        paths = write_dossier(
            a,
            sub,
            out_dir,
            fmts,
            signoff=signoff,
            source=str(file),
            kind="precheck" if pre_check else "assessment",
            signing_key=key,
        )
    except OSError as e:
        err.print(
            f"[bold red]error:[/] {esc(str(out_dir))}: cannot write the dossier: {esc(e.strerror or str(e))}"
        )
        raise typer.Exit(2) from None
    out.print(
        f"{esc(a.product.name)} {esc(a.product.version)}: [{DECISION_STYLE[a.decision]}] {a.decision_label} [/] as of {day.isoformat()}"
    )
    for fmt, path in paths.items():
        out.print(f"  {fmt.upper():<4} {esc(str(path))}")
    if key is not None:
        out.print(f"Signed by {esc(key.signer)} with key {key.fingerprint}", soft_wrap=True)
    else:
        err.print(
            f"[yellow]warning:[/] not signed: no signing key at {esc(str(signing_key_path()))} "
            "(run 'dtac keys init --signer NAME'); 'dtac verify' cannot confirm who made it.",
            soft_wrap=True,
        )


def verify(
    dossier_file: Annotated[
        Path, typer.Argument(metavar="DOSSIER.json", help="A JSON dossier made by 'dtac dossier'.")
    ],
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="Folder holding the evidence files (default: beside the dossier, then beside the submission).",
        ),
    ] = None,
    keys: Annotated[
        list[Path] | None,
        typer.Option(
            "--key",
            help="A trusted public key file (dtac-ed25519 …); repeatable. Default: your own key and $DTAC_TRUSTED_KEYS.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the signature, recompute evidence hashes, compare criteria hashes and re-run the assessment.

    Evidence files are read only from the dossier's folder or from --evidence.
    Exit 0 = signed by a trusted key and everything matches, 1 = something differs or the signer
    cannot be confirmed (each problem is listed), 2 = bad input.
    """
    from dtac_app.workbench.keys import trusted_keys
    from dtac_app.workbench.verification import report_json, verify_dossier

    try:
        trusted, _sources = trusted_keys(keys)
        report = verify_dossier(dossier_file, evidence_dir=evidence, trusted=trusted)
    except InputError as e:
        raise bad_input(e) from None
    if as_json:
        sys.stdout.write(json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n")
    else:
        marks = {
            "ok": "[green]✓[/]",
            "differs": "[red]✗[/]",
            "missing": "[red]✗ missing[/]",
            "skipped": "[dim]–[/]",
            "untrusted": "[red]✗ not trusted[/]",
        }
        titles = {
            "signature": "Signature",
            "evidence": "Evidence files",
            "criteria": "Criteria files",
            "assessment": "Assessment",
        }
        for area, title in titles.items():
            out.print(f"[bold]{title}[/]")
            for c in (c for c in report.checks if c.area == area):
                out.print(f"  {marks[c.status]} {esc(c.subject)}: {esc(c.detail)}", soft_wrap=True)
        n = len(report.problems)
        if report.signed_by:
            out.print(
                f"Signed by [bold]{esc(report.signed_by)}[/] (key {report.key_fingerprint}).", soft_wrap=True
            )
        else:
            out.print(
                "[red]Who made this dossier cannot be confirmed[/] (see Signature above).", soft_wrap=True
            )
        if report.ok:
            out.print(
                "[green]Everything matches:[/] evidence, criteria and the re-run assessment are as recorded."
            )
        else:
            out.print(
                f"[red]{n} difference{'s' if n != 1 else ''} found[/]: this dossier cannot be trusted as it is."
            )
    if not report.ok:
        raise typer.Exit(1)
