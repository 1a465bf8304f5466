"""``python -m dtac_app.cli``: the same as the ``dtac`` command."""

from . import main

main()
