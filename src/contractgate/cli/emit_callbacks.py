"""``contractgate emit-callbacks``: a mock session's webhook callbacks, played to a receiver on this machine."""

from __future__ import annotations

import click

from contractgate.errors import EXIT_OK, EXIT_VIOLATION, ContractgateError
from contractgate.mock.asleep import known_timezones
from contractgate.mock.profiles import DEFAULT_PROFILE, get_profile


@click.command("emit-callbacks")
@click.option("--url", required=True, help="Receiver to POST to (on this machine).")
@click.option("--session-id", required=True, help="Asleep session id of the mock night to play.")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=3600.0, show_default=True,
              help="Times faster than real time (3600: an hour of audio per second).")
@click.option("--seed", type=int, default=0, show_default=True, help="The mock's seed (same night as `mock`).")
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone of the SESSION_COMPLETE times.")
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help="Drift profile applied to the bodies.")
@click.option("--max-attempts", type=click.IntRange(1, 10), default=5, show_default=True,
              help="Deliveries of one callback before giving up.")
def emit_callbacks(url: str, session_id: str, speed: float, seed: int, timezone: str, profile: str,
                   max_attempts: int) -> int:
    """POST the Asleep v1 callbacks of a mock session to URL, as the vendor would during and after the night.

    One INFERENCE_COMPLETE per 5 minutes of audio, then a SESSION_COMPLETE for a COMPLETE session, with the
    x-api-key and x-user-id headers (`contractgate receive` takes them at /asleep-v1-callback). A session
    that sends fewer callbacks says why first (OPEN or CLOSED: no SESSION_COMPLETE; real-time polling off: no
    INFERENCE_COMPLETE). Transient failures (408, 429, 5xx, no answer) are retried with backoff; a refusal
    (another 4xx) is not, and the receiver's answer is printed.

    Exit codes: 0 every callback delivered; 1 some callback not delivered (refused, or still failing after
    --max-attempts); 2 nothing sent: a URL not on this machine, an unknown time zone, no such session, or a
    session with no callback at all (the reason is printed).
    """
    from contractgate.mock.callbacks import Delivery, emit, silence

    if timezone not in known_timezones():
        raise ContractgateError(f"unknown time zone {timezone!r}")

    def show(delivery: Delivery) -> None:
        what = delivery.event if delivery.sequence is None else f"{delivery.event} #{delivery.sequence}"
        outcome = delivery.status if delivery.error is None else delivery.error
        answer = f": {delivery.answer}" if delivery.answer else ""
        click.echo(f"{what}: {outcome} (attempts: {delivery.attempts}){answer}")

    deliveries = emit(url, session_id, seed=seed, timezone=timezone, speed=speed, profile=get_profile(profile),
                      max_attempts=max_attempts, on_delivery=show)
    failed = sum(not d.ok for d in deliveries)
    if (why := silence(session_id, seed=seed)) is not None:  # emit() sent something, so the session exists
        click.echo(f"note: {why}")
    click.echo(f"{len(deliveries) - failed} of {len(deliveries)} callbacks delivered")
    return EXIT_VIOLATION if failed else EXIT_OK


COMMANDS = [emit_callbacks]
