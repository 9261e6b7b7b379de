"""Asleep v3 "Get Single Session": one night per session id, and every metric derived from its stage arrays.

A night is drawn once per (seed, id) as a ``Night``: the 30-second stage arrays and the facts that are not
in them (state, times, the customer's contract). Everything else, peculiarities and the whole ``stat``
object, is computed from those arrays with the arithmetic of docs/rule-semantics.md, so that the rules hold
exactly instead of by luck. The v1 callbacks (``callbacks.py``) render the same ``Night``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property, lru_cache
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from contractgate.mock.common import Credentials, Reply, VendorApi, same_secret
from contractgate.mock.ids import (
    ASLEEP_SESSION_ID,
    ASLEEP_USER_ID,
    asleep_id_start,
    asleep_session_id,
    is_unknown,
    pick,
    rng_for,
)

SECONDS_PER_EPOCH = 30
EPOCHS_PER_BLOCK = 10  # one 5-minute inference block
ERROR, WAKE, LIGHT, DEEP, REM = -1, 0, 1, 2, 3
ASLEEP = frozenset((LIGHT, DEEP, REM))
AWAKE = frozenset((WAKE, ERROR))  # inside the sleep period an error epoch counts as wake

OPEN, CLOSED, COMPLETE = "OPEN", "CLOSED", "COMPLETE"
IN_PROGRESS = "IN_PROGRESS"
NEVER_SLEPT = "NEVER_SLEPT"
TOO_SHORT = "TOO_SHORT_FOR_ANALYSIS"
TOO_LONG = "TOO_LONG_FOR_ANALYSIS"
TOO_MANY_DEFECTS = "TOO_MANY_DEFECTS_IN_SLEEP_STAGES"
NO_BREATHING_STABILITY = "NO_BREATHING_STABILITY"
NO_REALTIME_POLLING = "NO_REALTIME_POLLING"
PECULIARITIES = (IN_PROGRESS, NEVER_SLEPT, TOO_SHORT, TOO_LONG, TOO_MANY_DEFECTS, NO_BREATHING_STABILITY,
                 NO_REALTIME_POLLING)
#: 000_ebe58ac5aadef951.txt 2.1.1: any of these makes ``stat`` null.
NO_STAT = frozenset((IN_PROGRESS, NO_REALTIME_POLLING, TOO_SHORT, TOO_MANY_DEFECTS))

MIN_ANALYSABLE_EPOCHS = 40  # 20 minutes (2.1.1)
MAX_ANALYSABLE_SECONDS = 24 * 3600
DEFECT_SHARE = 0.4  # error epochs above this share make the analysis untrustworthy (threshold assumed)

#: Breathing index (events per hour of sleep) -> grade, on the usual apnea-hypopnea cut-offs 5 / 15 / 30.
BREATHING_GRADES = ((5.0, "STABLE_BREATH"), (15.0, "MILDLY_UNSTABLE_BREATH"), (30.0, "MODERATELY_UNSTABLE_BREATH"),
                    (float("inf"), "SEVERELY_UNSTABLE_BREATH"))

#: Metrics the vendor added after the v3 launch (vendor notes, changelog): sessions that started earlier
#: do not carry them at all, as 2.1.6 says ("newly added metrics do not support data from previous sessions").
FIELD_ERAS = (
    (datetime(2023, 10, 31, tzinfo=UTC),
     ("light_latency", "deep_latency", "rem_latency", "waso_count", "longest_waso", "sleep_cycle_count",
      "sleep_cycle")),
    (datetime(2023, 12, 1, tzinfo=UTC), ("sleep_index",)),
    (datetime(2024, 3, 1, tzinfo=UTC),
     ("time_in_snoring", "time_in_no_snoring", "snoring_ratio", "no_snoring_ratio", "snoring_count",
      "sleep_cycle_time", "snoring_stages")),
)

CREATED_TIMEZONES = ("Asia/Seoul", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Europe/London", "Europe/Berlin",
                     "Europe/Paris", "America/New_York", "America/Chicago", "America/Los_Angeles",
                     "America/Sao_Paulo", "Australia/Sydney", "UTC")
_FALLBACK_FIRST_DAY = datetime(2023, 6, 1, 21, tzinfo=UTC)

# How often each kind of session occurs: weights, not probabilities.
_STATE_WEIGHTS = {OPEN: 8, CLOSED: 6, COMPLETE: 86}
_KIND_WEIGHTS = {"night": 80, "nap": 4, "too_short": 5, "too_long": 3, "never_slept": 4, "defects": 4}


@dataclass(frozen=True)
class Night:
    """One recording session as the vendor stores it. Stage arrays hold the epochs analysed so far."""

    session_id: str
    start: datetime  # UTC
    created_timezone: str
    state: str
    sleep_stages: tuple[int, ...]
    breath_stages: tuple[int, ...]
    snoring_stages: tuple[int, ...]
    end: datetime | None
    unexpected_end: datetime | None
    two_stage: bool  # the customer's contract: wake/sleep only
    no_breathing_stability: bool  # the customer's contract has no breathing analysis
    no_realtime_polling: bool  # the customer's contract has no access while the session runs

    @cached_property
    def peculiarities(self) -> tuple[str, ...]:
        labels = set()
        if self.state != COMPLETE:
            labels.add(IN_PROGRESS)
            if self.no_realtime_polling:
                labels.add(NO_REALTIME_POLLING)
        else:
            epochs = len(self.sleep_stages)
            if epochs < MIN_ANALYSABLE_EPOCHS:
                labels.add(TOO_SHORT)
            if epochs * SECONDS_PER_EPOCH > MAX_ANALYSABLE_SECONDS:
                labels.add(TOO_LONG)
            if self.sleep_stages.count(ERROR) > DEFECT_SHARE * epochs:
                labels.add(TOO_MANY_DEFECTS)
            if sleep_bounds(self.sleep_stages) is None:
                labels.add(NEVER_SLEPT)
        if self.no_breathing_stability:
            labels.add(NO_BREATHING_STABILITY)
        return tuple(label for label in PECULIARITIES if label in labels)

    @property
    def missing_data_ratio(self) -> float:
        epochs = len(self.sleep_stages)
        return round(self.sleep_stages.count(ERROR) / epochs, 2) if epochs else 0.0

    def at_epoch(self, index: int) -> datetime:
        return self.start + timedelta(seconds=SECONDS_PER_EPOCH * index)


def sleep_bounds(stages: Sequence[int]) -> tuple[int, int] | None:
    """First and last asleep epoch: the sleep period. None when the sleeper never slept."""
    asleep = [i for i, stage in enumerate(stages) if stage in ASLEEP]
    return (asleep[0], asleep[-1]) if asleep else None


# --- drawing a night ------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def night(session_id: str, seed: int = 0) -> Night | None:
    """The session behind ``session_id``; None for a malformed id or one of the 404 subset."""
    if not ASLEEP_SESSION_ID.fullmatch(session_id) or is_unknown(session_id):
        return None
    rng = rng_for("asleep", seed, session_id)
    start = asleep_id_start(session_id) or _FALLBACK_FIRST_DAY + timedelta(seconds=rng.randrange(900 * 86400))
    state = pick(rng, _STATE_WEIGHTS)
    kind = pick(rng, _KIND_WEIGHTS) if state == COMPLETE else "night"
    two_stage = rng.random() < 0.10
    stages = _STAGES[kind](rng)
    if two_stage:
        stages = [LIGHT if stage in ASLEEP else stage for stage in stages]
    breath, snoring = _breath(rng, stages), _snoring(rng, stages)
    unexpected = state != OPEN and rng.random() < 0.06
    # After an unexpected end the vendor derives end_time from the last uploaded chunk: a whole epoch.
    end = None if state == OPEN else start + timedelta(
        seconds=SECONDS_PER_EPOCH * len(stages) + (0 if unexpected else rng.randrange(SECONDS_PER_EPOCH)))
    analysed = len(stages) if state == COMPLETE else _analysed_so_far(rng, state, len(stages))
    return Night(
        session_id=session_id,
        start=start,
        created_timezone=_created_timezone(rng, start),
        state=state,
        sleep_stages=tuple(stages[:analysed]),
        breath_stages=tuple(breath[:analysed]),
        snoring_stages=tuple(snoring[:analysed]),
        end=end,
        unexpected_end=end + timedelta(minutes=rng.randint(10, 600)) if end is not None and unexpected else None,
        two_stage=two_stage,
        no_breathing_stability=rng.random() < 0.10,
        no_realtime_polling=state != COMPLETE and rng.random() < 0.3,
    )


def _created_timezone(rng: random.Random, start: datetime) -> str:
    """A zone where the recording started in the evening or the night, as sleep recordings do."""
    evening = [z for z in CREATED_TIMEZONES if start.astimezone(ZoneInfo(z)).hour in (19, 20, 21, 22, 23, 0, 1, 2)]
    return rng.choice(evening or CREATED_TIMEZONES)


def _analysed_so_far(rng: random.Random, state: str, epochs: int) -> int:
    """Epochs analysed while the session runs: whole 5-minute blocks, most of the night once CLOSED."""
    share = rng.uniform(0.0, 1.0) if state == OPEN else rng.uniform(0.5, 1.0)
    return int(share * epochs) // EPOCHS_PER_BLOCK * EPOCHS_PER_BLOCK


def _typical_night(rng: random.Random) -> tuple[int, int, int]:
    """Epochs in bed, sleep latency and wake-up latency of an ordinary night."""
    in_bed = round(min(max(rng.gauss(7.6, 1.1), 4.0), 10.5) * 120)
    latency = round(min(max(rng.lognormvariate(3.2, 0.6), 2), 120))  # median about 12 minutes
    return in_bed, latency, rng.randint(2, 50)


def _night(rng: random.Random) -> list[int]:
    return _with_gaps(rng, _layout(rng, *_typical_night(rng)))


def _nap(rng: random.Random) -> list[int]:
    return _with_gaps(rng, _layout(rng, rng.randint(MIN_ANALYSABLE_EPOCHS, 180), rng.randint(2, 20),
                                   rng.randint(1, 10)))


def _too_short(rng: random.Random) -> list[int]:
    epochs = rng.randint(4, MIN_ANALYSABLE_EPOCHS - 1)
    return _layout(rng, epochs, rng.randint(1, epochs // 2), rng.randint(0, 2))


def _too_long(rng: random.Random) -> list[int]:
    """A night recorded on into the next day: the sleeper forgot to stop the recording."""
    in_bed, latency, _ = _typical_night(rng)
    epochs = rng.randint(MAX_ANALYSABLE_SECONDS // SECONDS_PER_EPOCH + 1, 3300)
    return _with_gaps(rng, _layout(rng, epochs, latency, epochs - in_bed))


def _never_slept(rng: random.Random) -> list[int]:
    stages = [WAKE] * rng.randint(120, 900)
    return _with_gaps(rng, stages)


def _defects(rng: random.Random) -> list[int]:
    """Most 5-minute audio chunks never arrived: their epochs are errors."""
    stages = _layout(rng, *_typical_night(rng))
    missing = rng.uniform(0.5, 0.8)
    for block in range(0, len(stages), EPOCHS_PER_BLOCK):
        if rng.random() < missing:
            stages[block:block + EPOCHS_PER_BLOCK] = [ERROR] * len(stages[block:block + EPOCHS_PER_BLOCK])
    return stages


_STAGES = {"night": _night, "nap": _nap, "too_short": _too_short, "too_long": _too_long,
           "never_slept": _never_slept, "defects": _defects}


def _layout(rng: random.Random, epochs: int, latency: int, wake_up: int) -> list[int]:
    """Wake until sleep onset, the sleep period, wake after the final awakening."""
    period = max(1, epochs - latency - wake_up)
    latency = min(latency, epochs - period)
    return [WAKE] * latency + _sleep_period(rng, period) + [WAKE] * (epochs - latency - period)


def _sleep_period(rng: random.Random, length: int) -> list[int]:
    stages: list[int] = []
    cycle = 0
    while len(stages) < length:
        stages += _cycle(rng, cycle)
        cycle += 1
    del stages[length:]
    # The period runs from the first to the last asleep epoch by definition; onset is light sleep.
    stages[0] = LIGHT
    if stages[-1] not in ASLEEP:
        stages[-1] = LIGHT
    return stages


def _cycle(rng: random.Random, index: int) -> list[int]:
    """One ~90-minute cycle: light, deep (most in the first cycles), light, REM (longer in later cycles)."""
    length = rng.randint(160, 220)
    rem = max(4, round(rng.gauss(20 + 14 * index, 6)))
    deep = min(max(0, round(rng.gauss(70 - 24 * index, 10))), length // 2)
    light = max(20, length - rem - deep)
    descent = round(light * rng.uniform(0.5, 0.75))
    stages = (_run(rng, LIGHT, descent, WAKE, 0.008) + _run(rng, DEEP, deep, LIGHT, 0.05)
              + _run(rng, LIGHT, light - descent, WAKE, 0.008) + _run(rng, REM, rem, LIGHT, 0.02))
    if rng.random() < 0.4:  # a short awakening after REM
        stages += [WAKE] * rng.randint(1, 4)
    return stages


def _run(rng: random.Random, stage: int, length: int, intrusion: int, rate: float) -> list[int]:
    return [intrusion if rng.random() < rate else stage for _ in range(length)]


def _with_gaps(rng: random.Random, stages: list[int]) -> list[int]:
    """Now and then a few stretches of bad or missing audio: error epochs."""
    if rng.random() < 0.25:
        for _ in range(rng.randint(1, 3)):
            length = rng.randint(2, 40)
            at = rng.randrange(max(1, len(stages) - length))
            stages[at:at + length] = [ERROR] * len(stages[at:at + length])
    return stages


def _breath(rng: random.Random, stages: Sequence[int]) -> list[int]:
    """Unstable-breathing episodes during sleep, as often per hour as the sleeper's apnea grade says."""
    breath = [ERROR if stage == ERROR else 0 for stage in stages]
    asleep = [i for i, stage in enumerate(stages) if stage in ASLEEP]
    low, high = rng.choices(((0.3, 5), (5, 15), (15, 30), (30, 55)), weights=(60, 22, 12, 6))[0]
    events = round(rng.uniform(low, high) * len(asleep) / 120)  # 120 epochs per hour
    for i in rng.sample(asleep, min(events, len(asleep) // 3)):
        breath[i] = 1
        if rng.random() < 0.3 and i + 1 < len(stages) and stages[i + 1] in ASLEEP:
            breath[i + 1] = 1
    return breath


def _snoring(rng: random.Random, stages: Sequence[int]) -> list[int]:
    """About half of sleepers snore, in episodes of a few minutes of light or deep sleep."""
    snoring = [ERROR if stage == ERROR else 0 for stage in stages]
    quiet = [i for i, stage in enumerate(stages) if stage in (LIGHT, DEEP)]
    if not quiet or rng.random() < 0.45:
        return snoring
    for _ in range(rng.randint(2, 14)):
        start = rng.choice(quiet)
        for i in range(start, min(start + rng.randint(4, 40), len(stages))):
            if stages[i] in (LIGHT, DEEP):
                snoring[i] = 1
    return snoring


# --- metrics --------------------------------------------------------------------------------------------


def _runs(values: Sequence[int], of: frozenset[int]) -> list[int]:
    """Lengths of the maximal runs of values in ``of``."""
    return [len(list(group)) for inside, group in groupby(values, key=of.__contains__) if inside]


def _ratio(part: int | None, whole: int) -> float | None:
    return None if part is None or not whole else round(part / whole, 2)


def _cycle_bounds(period: Sequence[int]) -> list[int]:
    """Cycle boundaries (epoch offsets in the period): sleep onset, then the end of each REM episode.

    REM interrupted for up to five minutes is one episode, so a brief intrusion does not split a cycle.
    """
    rem_ends: list[int] = []
    for i, stage in enumerate(period):
        if stage == REM:
            if rem_ends and i - rem_ends[-1] <= EPOCHS_PER_BLOCK:
                rem_ends[-1] = i + 1
            else:
                rem_ends.append(i + 1)
    return [0, *rem_ends] if rem_ends else []


def _sleep_index(efficiency: float, restorative: float | None, waso_count: int) -> int:
    """Beta score 50..100 from efficiency, fragmentation and, with 4 stages, the deep+REM share of sleep.

    The vendor does not publish its formula; this one only has to move the way a sleep score does.
    """
    parts = [efficiency, max(0.0, 1 - waso_count / 20)]
    if restorative is not None:
        parts.append(min(1.0, restorative / 0.45))
    return min(100, max(50, 50 + round(50 * sum(parts) / len(parts))))


def night_stat(night: Night) -> dict[str, Any]:
    """Every metric of a finished night, computed from its arrays; times are UTC datetimes.

    Nulls follow the documented conditions (2-stage, no breathing stability, never slept); whether the
    whole object is null, and which fields a given API version carries, is up to the renderer.
    """
    stages = night.sleep_stages
    in_bed = SECONDS_PER_EPOCH * len(stages)
    bounds = sleep_bounds(stages)
    slept = bounds is not None
    first, last = bounds or (0, -1)
    period = stages[first:last + 1]
    breath = night.breath_stages[first:last + 1]
    staged = not night.two_stage
    asleep_time = SECONDS_PER_EPOCH * sum(stage in ASLEEP for stage in period)
    period_time = SECONDS_PER_EPOCH * len(period)
    wake_runs = _runs(period, AWAKE)

    def time_in(stage: int) -> int | None:
        return SECONDS_PER_EPOCH * period.count(stage) if staged else None

    def latency(stage: int) -> int | None:
        return SECONDS_PER_EPOCH * period.index(stage) if staged and stage in period else None

    def slept_only(value: Any) -> Any:
        return value if slept else None

    light, deep, rem = time_in(LIGHT), time_in(DEEP), time_in(REM)
    if night.no_breathing_stability:
        stable = unstable = unstable_count = breathing_index = None
    else:
        stable, unstable = SECONDS_PER_EPOCH * breath.count(0), SECONDS_PER_EPOCH * breath.count(1)
        unstable_count = len(_runs(breath, frozenset((1,))))
        breathing_index = round(unstable_count * 3600 / asleep_time, 2) if asleep_time else None
    snoring, no_snoring = (SECONDS_PER_EPOCH * night.snoring_stages.count(v) for v in (1, 0))
    bounds_in_period = _cycle_bounds(period)
    cycles = max(0, len(bounds_in_period) - 1)
    efficiency = _ratio(asleep_time, in_bed) or 0.0
    waso_count = len(wake_runs)
    restorative = (deep + rem) / asleep_time if deep is not None and rem is not None and asleep_time else None
    return {
        "sleep_time": slept_only(night.at_epoch(first)),
        "wake_time": slept_only(night.at_epoch(last + 1)),
        "sleep_index": slept_only(_sleep_index(efficiency, restorative, waso_count)),
        "sleep_latency": slept_only(SECONDS_PER_EPOCH * first),
        "wakeup_latency": slept_only(SECONDS_PER_EPOCH * (len(stages) - 1 - last)),
        "light_latency": latency(LIGHT),
        "deep_latency": latency(DEEP),
        "rem_latency": latency(REM),
        "time_in_bed": in_bed,
        "time_in_sleep_period": period_time,
        "time_in_sleep": asleep_time,
        "time_in_wake": period_time - asleep_time,
        "time_in_light": light,
        "time_in_deep": deep,
        "time_in_rem": rem,
        "time_in_stable_breath": stable,
        "time_in_unstable_breath": unstable,
        "time_in_snoring": snoring,
        "time_in_no_snoring": no_snoring,
        "sleep_efficiency": efficiency,
        "sleep_ratio": _ratio(asleep_time, period_time),
        "wake_ratio": _ratio(period_time - asleep_time, period_time),
        "light_ratio": _ratio(light, period_time),
        "deep_ratio": _ratio(deep, period_time),
        "rem_ratio": _ratio(rem, period_time),
        "stable_breath_ratio": slept_only(_ratio(stable, (stable or 0) + (unstable or 0))),
        "unstable_breath_ratio": slept_only(_ratio(unstable, (stable or 0) + (unstable or 0))),
        "snoring_ratio": _ratio(snoring, snoring + no_snoring),
        "no_snoring_ratio": _ratio(no_snoring, snoring + no_snoring),
        "breathing_index": breathing_index,
        "breathing_pattern": None if breathing_index is None else breathing_grade(breathing_index),
        "waso_count": waso_count,
        "longest_waso": slept_only(SECONDS_PER_EPOCH * max(wake_runs, default=0)),
        "sleep_cycle_count": cycles,
        "sleep_cycle": round(SECONDS_PER_EPOCH * bounds_in_period[-1] / cycles) if cycles else None,
        "sleep_cycle_time": [night.at_epoch(first + b) for b in bounds_in_period],
        "unstable_breath_count": unstable_count,
        "snoring_count": len(_runs(night.snoring_stages, frozenset((1,)))),
    }


def breathing_grade(index: float) -> str:
    return next(grade for limit, grade in BREATHING_GRADES if index < limit)


# --- rendering ------------------------------------------------------------------------------------------


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def render_time(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """``YYYY-MM-DDThh:mm:ss+hh:mm`` with the zone's offset at that instant (000_ebe58ac5aadef951.txt 2.1.2)."""
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _render(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return render_time(value, zone)
    if isinstance(value, list):
        return [_render(item, zone) for item in value]
    return value


def _carried(started: datetime) -> set[str]:
    """The late-added fields a session that started at ``started`` does not carry."""
    return {name for since, names in FIELD_ERAS if started < since for name in names}


def session_body(session_id: str, *, seed: int = 0, timezone: str = "UTC") -> dict[str, Any] | None:
    """The 200 body of GET /data/v3/sessions/{session_id}, or None when there is no such session."""
    found = night(session_id, seed)
    if found is None:
        return None
    zone = ZoneInfo(timezone)
    peculiarities = found.peculiarities
    absent = _carried(found.start)
    session = {
        "id": found.session_id,
        "state": found.state,
        "start_time": render_time(found.start, zone),
        "end_time": render_time(found.end, zone),
        "unexpected_end_time": render_time(found.unexpected_end, zone),
        "created_timezone": found.created_timezone,
        "sleep_stages": None if found.no_realtime_polling else list(found.sleep_stages),
        "breath_stages": None if found.no_breathing_stability else list(found.breath_stages),
        "snoring_stages": list(found.snoring_stages),
    }
    stat = None
    if not NO_STAT.intersection(peculiarities):
        stat = {k: _render(v, zone) for k, v in night_stat(found).items() if k not in absent}
    return {
        "detail": "OK",
        "result": {
            "timezone": timezone,
            "peculiarities": list(peculiarities),
            "missing_data_ratio": found.missing_data_ratio,
            "session": {k: v for k, v in session.items() if k not in absent},
            "stat": stat,
        },
    }


def error(status: int, message: str) -> Reply:
    return Reply(status, {"detail": message})


def respond(session_id: str, headers: Mapping[str, str | None], seed: int, credentials: Credentials) -> Reply:
    """The vendor's checks in the documented order of 2.2 and 2.3, then the session."""
    if not same_secret(headers["x-api-key"], credentials["ASLEEP_API_KEY"]):
        return error(401, "The API key is missing or invalid")
    user_id = headers["x-user-id"]
    if user_id is None or not ASLEEP_USER_ID.fullmatch(user_id):
        return error(400, "The format of x-user-id is invalid")
    timezone = headers["timezone"]
    if timezone is None:
        timezone = "UTC"
    elif timezone not in known_timezones():
        return error(400, "The invalid timezone is provided")
    if not ASLEEP_SESSION_ID.fullmatch(session_id):
        return error(400, f"The format of sleep session id {session_id} is not valid")
    # Sessions belong to the configured user; another user's view of them is "not found".
    body = session_body(session_id, seed=seed, timezone=timezone) if user_id == credentials["ASLEEP_USER_ID"] else None
    if body is None:
        return error(404, f"Unable to find the sleep session of id {session_id}")
    return Reply(200, body)


API = VendorApi("asleep-v3", ("x-api-key", "x-user-id", "timezone"), respond, error, asleep_session_id)
