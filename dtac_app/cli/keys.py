"""``dtac keys``: the organisation's dossier signing key."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from dtac_app.errors import InputError

from .output import bad_input, err, esc, out

keys_app = typer.Typer(help="The organisation's dossier signing key (Ed25519).", no_args_is_help=True)

KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="Private key path (default: $DTAC_SIGNING_KEY or DATA_DIR/keys/dossier-signing.pem).",
    ),
]


def _print_public_key(key_file: Path, public: object) -> None:
    from dtac_app.signing import PublicKey, public_key_path

    assert isinstance(public, PublicKey)
    out.print(f"Signer:      {esc(public.signer)}")
    out.print(f"Fingerprint: {public.fingerprint}")
    out.print(f"Private key: {esc(str(key_file))} (keep it secret; readable by you only)", soft_wrap=True)
    out.print(f"Public key:  {esc(str(public_key_path(key_file)))}")
    out.print("Give this line to anyone who verifies your dossiers (dtac verify --key FILE):")
    sys.stdout.write(public.line() + "\n")


@keys_app.command("init")
def keys_init(
    signer: Annotated[
        str, typer.Option("--signer", help="Who signs: your organisation's name, as verifiers will see it.")
    ],
    key_file: KeyFileOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace an existing key (dossiers signed with it stay verifiable only with its .pub).",
        ),
    ] = False,
) -> None:
    """Make the organisation's signing key pair; dossiers are signed with it from then on."""
    from dtac_app.signing import init_key
    from dtac_app.workbench.keys import signing_key_path

    path = key_file or signing_key_path()
    try:
        key = init_key(path, signer, overwrite=force)
    except FileExistsError as e:
        err.print(f"[bold red]error:[/] {esc(str(e))}: a key is already there; pass --force to replace it")
        raise typer.Exit(2) from None
    except ValueError as e:
        raise bad_input(InputError("--signer", "", str(e))) from None
    except OSError as e:
        err.print(f"[bold red]error:[/] {esc(str(path))}: cannot write the key: {esc(e.strerror or str(e))}")
        raise typer.Exit(2) from None
    _print_public_key(path, key.public)


@keys_app.command("show")
def keys_show(key_file: KeyFileOption = None) -> None:
    """Print the public key and fingerprint of the signing key."""
    from dtac_app.signing import load_signing_key
    from dtac_app.workbench.keys import signing_key_path

    path = key_file or signing_key_path()
    try:
        key = load_signing_key(path)
    except InputError as e:
        raise bad_input(e) from None
    _print_public_key(path, key.public)
