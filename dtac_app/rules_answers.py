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


# Per register: its name pattern, its number pattern, and (when both are ASCII) its key and label
# lower-cased: an ASCII answer the name pattern matches contains one of them once lower-cased.
_Register = tuple[re.Pattern[str], re.Pattern[str], tuple[str, str] | None]
_Compiled = tuple[tuple[_Register, ...], str]
# id(register table) -> (the table, its compiled registers, the examples sentence). The entry holds
# the table, so its id is not reused while cached; a catalogue has one table.
_COMPILED: dict[int, tuple[dict[str, ProfessionalRegister], _Compiled]] = {}


def _compiled(regs: dict[str, ProfessionalRegister]) -> _Compiled:
    """The register table's patterns and examples, built once per table (not per answer)."""
    hit = _COMPILED.get(id(regs))
    if hit is None or hit[0] is not regs:
        if len(_COMPILED) >= 8:
            _COMPILED.clear()
        registers = []
        for key, name, num in _registers(_register_key(regs)):
            label = regs[key].label
            words = (key.lower(), label.lower()) if key.isascii() and label.isascii() else None
            registers.append((name, num, words))
        examples = ", ".join(f"{k} {r.example}" for k, r in regs.items())
        hit = _COMPILED[id(regs)] = (regs, (tuple(registers), examples))
    return hit[1]


_WORD = re.compile(r"[^\W\d_]{2,}")
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame"})


def registration_problem(rules: RegulatoryRules, text: str) -> str:
    """Why ``text`` does not name a clinician with a professional registration, or ""."""
    regs = rules.professional_registers
    if not regs:
        return ""
    registers, examples = _compiled(regs)
    # An ASCII answer matches a name pattern (IGNORECASE) only if it contains the name lower-cased:
    # registers it does not name are skipped without running their patterns.
    low = text.lower() if text.isascii() else None
    for name, num, words in registers:
        if low is not None and words is not None and words[0] not in low and words[1] not in low:
            continue
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
