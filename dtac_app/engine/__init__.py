"""The assessment engine: a pure function of (submission, catalogue, policy, as_of).

No clock, no I/O. Same inputs, same output. Every outcome carries the rule it applied and
what it used, and the decision follows the precedence in the product brief:
not available > incomplete > research use only > available with conditions > available.

The package, one concern per module:

- ``assessment``: ``assess`` and ``route``, the order of work.
- ``plan``: the engine's compiled plan of a criteria set and the results it reuses.
- ``questions``: judging one asked question and the findings it raises.
- ``scoring``: the D1 score. ``register``: the evidence register.
- ``decision``: decision, reasons, the date it changes, fixes, summary.

Rule families that stand alone live beside it (``rules_evidence``, ``rules_regulatory``,
``rules_nice``, ``rules_answers``).
"""

from __future__ import annotations

from dtac_app.dates import ONE_DAY

from .assessment import ENGINE_VERSION, assess, route

__all__ = ["ENGINE_VERSION", "ONE_DAY", "assess", "route"]
