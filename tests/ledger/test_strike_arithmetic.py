"""Strike arithmetic: weights add up to the limit, strikes expire after the rulebook's
days, and reaching the limit means removal_due or a removal at once. The ledger's answer
at any moment must agree with a plain re-computation from the list of warnings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.store.url import parse_store
from tests.conftest import NOW, Clock

START = NOW - timedelta(days=200)


def rulebook_toml(weights: dict[str, int], limit: int, on_limit: str,
                  expire_after_days: int | None) -> str:
    lines = ['name = "arith"', 'title = "算术"', "[strikes]", f"limit = {limit}",
             f'on_limit = "{on_limit}"']
    if expire_after_days is not None:
        lines.append(f"expire_after_days = {expire_after_days}")
    for key, weight in weights.items():
        lines += [f"[categories.{key}]", f'zh = "{key}"', f'en = "{key}"', f"weight = {weight}"]
    return "\n".join(lines) + "\n"


def by_hand(warnings: list[tuple[datetime, int]], limit: int, on_limit: str,
            expire_after_days: int | None, moment: datetime) -> tuple[int, str]:
    """(live strikes, status) at `moment`, from the warnings alone."""
    def live_at(t: datetime) -> int:
        return sum(w for at, w in warnings if at <= t and (
            expire_after_days is None or at + timedelta(days=expire_after_days) > t))

    if on_limit == "remove":
        for at, _ in warnings:
            if at <= moment and live_at(at) >= limit:
                return live_at(moment), "removed"
    live = live_at(moment)
    if live >= limit:
        return live, "removal_due"
    return live, "warned" if live else "active"


weights_strategy = st.dictionaries(st.sampled_from(["ads", "rumor", "flooding", "politics"]),
                                   st.integers(min_value=1, max_value=3), min_size=1)


class TestStrikeArithmetic:
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        weights=weights_strategy,
        limit=st.integers(min_value=1, max_value=6),
        on_limit=st.sampled_from(["removal_due", "remove"]),
        expire_after_days=st.none() | st.integers(min_value=1, max_value=30),
        gaps=st.lists(st.integers(min_value=0, max_value=20 * 24 * 60), min_size=1, max_size=8),
        picks=st.lists(st.integers(min_value=0, max_value=3), min_size=8, max_size=8),
        probes=st.lists(st.integers(min_value=0, max_value=200 * 24 * 60), min_size=1,
                        max_size=5),
    )
    def test_the_ledger_counts_strikes_as_a_plain_recomputation_does(
        self, tmp_path_factory, weights, limit, on_limit, expire_after_days, gaps, picks,
        probes,
    ) -> None:
        folder: Path = tmp_path_factory.mktemp("arith")
        rules = folder / "rules.toml"
        rules.write_text(rulebook_toml(weights, limit, on_limit, expire_after_days), "utf-8")
        ledger = Ledger(parse_store(str(folder / "ledger.db")), clock=Clock())
        ledger.register_group(actor="o", group="g", name="群", owner="o", rulebook=str(rules),
                              at=START)
        ledger.admit(actor="o", group="g", member="m", nickname="张三", at=START)
        keys = sorted(weights)

        warnings: list[tuple[datetime, int]] = []
        moment = START
        for gap, pick in zip(gaps, picks):
            moment += timedelta(minutes=gap + 1)
            if moment > NOW:
                break
            if ledger.standing("g", "m", as_of=moment).status == "removed":
                break
            key = keys[pick % len(keys)]
            ledger.warn(actor="o", group="g", member="m", category=key, at=moment)
            warnings.append((moment, weights[key]))

        for probe in probes:
            when = min(START + timedelta(minutes=probe), NOW)
            state = ledger.standing("g", "m", as_of=when)
            assert (state.live_strikes, state.status) == by_hand(
                warnings, limit, on_limit, expire_after_days, when)
        ledger.close()
