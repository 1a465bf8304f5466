"""Free-text answers judged on what they say, not on their length: placeholders and named clinicians. Pure."""

from __future__ import annotations

import functools
import re

from .criteria import Policy, ProfessionalRegister, RegulatoryRules


def placeholder_problem(policy: Policy, text: str) -> str:
    """Why ``text`` is not an answer (a placeholder from the policy list), or ""."""
    found = policy.placeholder_in(text)
    if not found:
        return ""
    return (
        f"“{_clip(text)}” is a placeholder, not an answer"
        if found == text.strip()
        else (f"the answer still contains the placeholder “{_clip(found)}”")
    )


@functools.lru_cache(maxsize=8)
def _registers(
    registers: tuple[tuple[str, str, str], ...],
) -> tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...]:
    out = []
    for key, label, number in registers:
        name = re.compile(rf"\b(?:{re.escape(key)}|{re.escape(label)})\b", re.IGNORECASE)
        num = re.compile(rf"(?<![\w-])(?:{number})(?![\w-])")
        out.append((key, name, num))
    return tuple(out)


def _register_key(regs: dict[str, ProfessionalRegister]) -> tuple[tuple[str, str, str], ...]:
    return tuple((k, r.label, r.number) for k, r in regs.items())


_Compiled = tuple[tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...], str]
# id(register table) -> (the table, its compiled patterns, the examples sentence). The entry holds
# the table, so its id is not reused while cached; a catalogue has one table.
_COMPILED: dict[int, tuple[dict[str, ProfessionalRegister], _Compiled]] = {}


def _compiled(regs: dict[str, ProfessionalRegister]) -> _Compiled:
    """The register table's patterns and examples, built once per table (not per answer)."""
    hit = _COMPILED.get(id(regs))
    if hit is None or hit[0] is not regs:
        if len(_COMPILED) >= 8:
            _COMPILED.clear()
        examples = ", ".join(f"{k} {r.example}" for k, r in regs.items())
        hit = _COMPILED[id(regs)] = (regs, (_registers(_register_key(regs)), examples))
    return hit[1]


_WORD = re.compile(r"[^\W\d_]{2,}")
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame"})


def registration_problem(rules: RegulatoryRules, text: str) -> str:
    """Why ``text`` does not name a clinician with a professional registration, or ""."""
    regs = rules.professional_registers
    if not regs:
        return ""
    patterns, examples = _compiled(regs)
    for _key, name, num in patterns:
        if name.search(text) and num.search(text):
            rest = num.sub(" ", name.sub(" ", text))
            # A name: a capitalised word that is not a title ("Dr A Person", "Jane Doe, RN").
            if any(w[0].isupper() and w.casefold() not in _TITLES for w in _WORD.findall(rest)):
                return ""
            return "a registration is given but no name: the Clinical Safety Officer must be named"
    return f"no professional registration found (a register and number, e.g. {examples})"


def _clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
