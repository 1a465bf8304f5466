"""The use-cases: everything between the screens/command line and the store, dossier and core.

Modules (import them directly; this package imports nothing, so a command that only assesses a
file does not load the database layer):

* :mod:`.facade` — :class:`~.facade.Workbench`, the one object pages and CLI hold, combining:
  :mod:`.accounts` (sign-in, users), :mod:`.organisations`, :mod:`.intake` (products, submissions,
  first assessment), :mod:`.review` (revisions, overrides, verifications), :mod:`.sign_off`,
  :mod:`.clarifications`, :mod:`.audit` (history, audit trail), :mod:`.portability`
  (export/import a product, example data); :mod:`.unit` is the unit of work they all run in,
  :mod:`.views` maps stored rows to the frozen views, :mod:`.access` checks who may do what.
* :mod:`.assessing` — assess a file or text (the edge where files meet the pure engine).
* :mod:`.batch` — many files to one CSV, in parallel.
* :mod:`.portfolio` — every product's current decision and upcoming events.
* :mod:`.dossiers` — the dossier of a stored assessment (access checked, then rendered).
* :mod:`.verification` — check a dossier against its submission and evidence (``dtac verify``).
* :mod:`.seeding` — example data and local accounts (``dtac db init --with-examples``).
"""
