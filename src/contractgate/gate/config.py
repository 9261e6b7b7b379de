"""The gate's settings, passed from ``contractgate run`` to the pytest suite through one environment
variable, so that ``pytest tests/contract`` alone runs the same suite with the defaults."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from contractgate.errors import ContractgateError

ENV = "CONTRACTGATE_GATE"


@dataclass(frozen=True)
class GateConfig:
    target: str = "embedded"
    seed: int = 0
    max_examples: int = 50
    profile: str = "faithful"  # the mock's profile, for embedded targets
    rate: float = 5.0  # requests per second to a remote target
    strict: bool = False
    rules: bool = True  # the contract rules as a check (off only to measure what they cost)
    max_response_time: float | None = None  # seconds; slower answers fail Schemathesis's max_response_time
    callback_sessions: int = 25  # mock sessions whose callbacks the gate checks
    ids: dict[str, list[str]] = field(default_factory=dict)  # API id -> ids that exist on the target

    @classmethod
    def from_env(cls) -> GateConfig:
        raw = os.environ.get(ENV)
        if not raw:
            return cls()
        try:
            return cls(**json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise ContractgateError(f"${ENV} is not a valid gate configuration: {exc}") from None

    def to_env(self) -> str:
        return json.dumps(asdict(self))
