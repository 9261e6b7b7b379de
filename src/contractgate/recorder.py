"""Recording what a target answers: ``contractgate record`` (docs/recordings.md, docs/drift.md).

One GET per session id, one file per answer, written by ``write_interaction`` (masked, atomic). A file's
name derives from its request, so an interrupted run is resumed by running it again: an id whose file is
already there is not asked for again (``force`` asks anyway and replaces it).

Paths are stored relative to the API's base URL (``/data/v3/sessions/...``, without the mock's ``/asleep``
prefix), so that recordings of the embedded mock, of the mock on a port and of the vendor pair up.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import orjson
import requests

from contractgate.catalog import Api, Catalog, Operation, load_catalog
from contractgate.errors import ContractgateError, InputError
from contractgate.fileio import read_text
from contractgate.gate.target import Target
from contractgate.http import (
    DEFAULT_DEADLINE,
    DeadlineExceeded,
    PoliteSession,
    RequestPolicy,
    ResponseTooLarge,
)
from contractgate.mock.profiles import DEFAULT_PROFILE
from contractgate.payload import DEFAULT_MAX_BYTES, parse_json, read_payload
from contractgate.recordings import (
    ABSENT,
    Interaction,
    Request,
    Response,
    file_name,
    load_folder,
    masked,
    write_interaction,
)
from contractgate.secrets import IDENTIFIER_KEYS, MASK, Masker

#: The temporary files fileio leaves behind when a writer is killed mid-write: never read, removed on resume.
TEMP_GLOB = ".*.json.*.tmp"
_PARAMETER = re.compile(r"\{[^}/]+\}")


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: dict[str, str]
    content: bytes
    elapsed_ms: float


#: (url, headers) -> the answer; raises ContractgateError when there is none (refused, timed out).
Fetch = Callable[[str, dict[str, str]], Fetched]


@dataclass(frozen=True)
class RecordOptions:
    seed: int = 0  # the mock's seed (embedded target)
    profile: str = DEFAULT_PROFILE  # the mock's drift profile (embedded target)
    rate: float = 5.0  # requests per second to a remote target (a port, the vendor)
    timeout: float = 10.0
    force: bool = False
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request, after the credentials
    query: tuple[tuple[str, str], ...] = ()  # added to every request's query string
    mask_headers: tuple[str, ...] = ()  # header names whose values are masked (credentials always are)
    mask_query: tuple[str, ...] = ()  # query parameter names whose values are masked
    keep_identifiers: bool = False  # keep x-user-id and user_id values as they are instead of pseudonymizing them
    # An answer larger than what `diff` reads is never written; nor one that takes longer than the deadline.
    max_response_bytes: int = DEFAULT_MAX_BYTES
    deadline: float = DEFAULT_DEADLINE


@dataclass(frozen=True)
class RecordResult:
    folder: Path
    already: int  # ids whose recording was there before this run
    written: tuple[Path, ...]
    statuses: Counter[int] = field(default_factory=Counter)  # of the answers written by this run
    unusable: int = 0  # receiver store entries that cannot be recordings (a body that is not JSON, no metadata)
    masker: Masker = field(default_factory=Masker)  # what the run masked: for every other output of the same run
    refused: tuple[str, ...] = ()  # answers past a bound (size, deadline), one line each: not recorded


# --- what to ask ---------------------------------------------------------------------------------------------

def rest_operation(api: Api) -> Operation:
    """The API's one REST read; a webhook cannot be fetched, it is received."""
    if api.kind == "webhook":
        raise ContractgateError(
            f"{api.id} is a webhook: the vendor pushes it, there is nothing to fetch. Receive it with "
            f"`contractgate receive --api {api.id}`, then convert the store with "
            "`contractgate record --from-receiver STORE --out DIR`")
    operations = [op for op in api.operations.values() if op.path and len(_PARAMETER.findall(op.path)) == 1]
    if len(operations) != 1:
        raise ContractgateError(f"{api.id}: expected one operation with one path parameter to record")
    return operations[0]


def session_path(operation: Operation, session_id: str) -> str:
    return _PARAMETER.sub(lambda _: quote(session_id, safe=""), str(operation.path), count=1)


def session_id_of(operation: Operation, path: str) -> str | None:
    """The id in a recorded request path of ``operation``; None for a path of another operation."""
    before, after = _PARAMETER.split(str(operation.path), maxsplit=1)
    found = re.fullmatch(f"{re.escape(before)}([^/?]+){re.escape(after)}(?:\\?.*)?", path)
    return unquote(found.group(1)) if found else None


def recorded_sessions(interactions: Iterable[Interaction], api: Api) -> dict[str, Interaction]:
    """The recorded answers of ``api``'s read, by session id (of several for one id, the last)."""
    operation = rest_operation(api)
    return {session_id: i for i in interactions if i.api == api.id and i.operation == operation.operation_id
            and (session_id := session_id_of(operation, i.request.path)) is not None}


def read_ids(path: Path, max_bytes: int | None = None) -> list[str]:
    """Session ids from a text file (one per line; blank lines and ``#`` comments skipped) or a JSON list, of
    at most ``max_bytes`` (default ``payload.MAX_IDS_BYTES``); a FIFO or a device is refused, not read."""
    from contractgate.payload import MAX_IDS_BYTES

    text = read_text(path, max_bytes or MAX_IDS_BYTES, suffix=" (--ids)")
    if text.lstrip().startswith("["):
        try:
            ids = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ContractgateError(f"{path}: not a JSON list of ids ({exc})") from None
        if not all(isinstance(i, str) and i.strip() for i in ids):
            raise ContractgateError(f"{path}: a JSON list of ids holds non-empty strings only")
        ids = [i.strip() for i in ids]
    else:
        ids = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not ids:
        raise ContractgateError(f"{path}: no ids in it")
    return ids


def sample(api: Api, target: Target, count: int, seed: int) -> list[str]:
    """``count`` ids that exist on the mock; a vendor has no listing endpoint in scope, so it takes --ids."""
    if not target.local:
        raise ContractgateError(f"--sample draws ids from the mock; {target.name} has no listing of its sessions: "
                                "give the ids to record with --ids FILE")
    from contractgate.mock.ids import sample_ids  # the mock is only needed for a local target

    return sample_ids(api.id, count, seed)


def masker_for(catalog: Catalog, sent: dict[str, str], options: RecordOptions) -> Masker:
    """Every credential the catalog names, the keys actually sent (the mock's local defaults included) and
    the values of the headers and query parameters named to be masked; the identifiers sent (x-user-id) are
    pseudonymized unless ``keep_identifiers``."""
    masker = Masker.from_env(catalog, extra_headers=options.mask_headers, pseudonymize=not options.keep_identifiers)
    masked_query = set(options.mask_query)
    values = [value.split(" ", 1)[-1] for name, value in sent.items() if name.lower() in masker.headers_to_mask]
    values += [value for name, value in options.query if name in masked_query]
    identifiers = [value for name, value in sent.items() if name.lower() in IDENTIFIER_KEYS]
    return masker.with_values(*values).with_identifiers(*identifiers)


def _query(pairs: Iterable[tuple[str, str]], masked: Iterable[str] = ()) -> str:
    hidden = set(masked)
    text = "&".join(f"{quote(k, safe='')}={MASK if k in hidden else quote(v, safe='')}" for k, v in pairs)
    return f"?{text}" if text else ""


# --- asking -----------------------------------------------------------------------------------------------------

def _embedded(seed: int, profile: str) -> Iterator[Fetch]:
    import httpx

    from contractgate.mock.app import create_app  # the mock is only needed for the embedded target

    # ASGITransport is async only; one loop for the whole run serves every request of the synchronous caller.
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(seed, profile)))

    def fetch(url: str, headers: dict[str, str]) -> Fetched:
        response = loop.run_until_complete(client.get(url, headers=headers))
        return Fetched(response.status_code, dict(response.headers), response.content,
                       response.elapsed.total_seconds() * 1000)

    try:
        yield fetch
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()


class Refused(ContractgateError):
    """An answer past a bound (size, deadline): that id is not recorded, the others still are."""


def _remote(options: RecordOptions, policy: RequestPolicy | None) -> Iterator[Fetch]:
    with PoliteSession(rate=options.rate, timeout=options.timeout, policy=policy, deadline=options.deadline,
                       max_response_bytes=options.max_response_bytes) as session:
        def fetch(url: str, headers: dict[str, str]) -> Fetched:
            try:
                response = session.get(url, headers=headers)
            except (ResponseTooLarge, DeadlineExceeded) as exc:
                raise Refused(str(exc)) from None
            except requests.RequestException as exc:
                raise ContractgateError(f"no answer ({type(exc).__name__}: {exc})") from None
            # requests times the answer to its headers; the bodies recorded here are read right after.
            return Fetched(response.status_code, dict(response.headers), response.content,
                           response.elapsed.total_seconds() * 1000)

        yield fetch


@contextmanager
def open_target(target: Target, options: RecordOptions, policy: RequestPolicy | None = None) -> Iterator[Fetch]:
    """The mock in-process for ``embedded``; the polite, bounded HTTP client otherwise (only the documented
    read operation leaves the process: ``policy``)."""
    if target.embedded:
        yield from _embedded(options.seed, options.profile)
    else:
        yield from _remote(options, policy)


def _body(content: bytes) -> Any:
    """The parsed JSON body, or its text when it is not JSON (write_interaction masks either)."""
    if not content:
        return ABSENT
    try:
        return parse_json(content, "response body")
    except InputError:
        return content.decode("utf-8", "replace")


def _prepare(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for leftover in out.glob(TEMP_GLOB):
        leftover.unlink(missing_ok=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def record(api_id: str, ids: Sequence[str], target: Target, out: Path,
           options: RecordOptions | None = None) -> RecordResult:
    """Ask ``target`` for each id of ``api_id`` and write each answer to ``out``, skipping ids recorded before.

    Credentials are read (a remote target without them is an error) before anything is sent or written. A
    request that gets no answer stops the run with a ContractgateError; what was written stays, complete.
    """
    options = options or RecordOptions()
    catalog = load_catalog()
    api = catalog.api(api_id)
    operation = rest_operation(api)
    if options.profile != DEFAULT_PROFILE and not target.embedded:
        raise ContractgateError(f"--profile applies to the embedded mock; {target.name} serves its own answers "
                                "(start `contractgate mock --profile ...` to serve one on a port)")
    if target.embedded:
        from contractgate.mock.profiles import get_profile

        get_profile(options.profile)
    headers = {**target.credentials(api), **dict(options.headers)}
    base = target.base_url(api)
    masker = masker_for(catalog, headers, options)
    query, shown_query = _query(options.query), _query(options.query, options.mask_query)

    _prepare(out)
    todo: list[tuple[str, str, Path]] = []  # (url, path as stored, its file)
    already = 0
    for session_id in dict.fromkeys(ids):
        path = session_path(operation, session_id)
        stored = masker.text(path + shown_query)
        place = out / file_name(Interaction(api.id, operation.operation_id, Request(operation.method, stored),
                                            Response(200), ""))
        if place.exists() and not options.force:
            already += 1
        else:
            todo.append((base + path + query, stored, place))

    written: list[Path] = []
    statuses: Counter[int] = Counter()
    refused: list[str] = []
    policy = RequestPolicy.documented([(operation.method, base, str(operation.path))])
    with open_target(target, options, policy) as fetch:
        for url, stored, place in todo:
            recorded_at = _now()
            try:
                fetched = fetch(url, headers)
            except Refused as exc:
                refused.append(masker.text(f"{api.id} {stored}: {exc}; not recorded"))
                continue
            except ContractgateError as exc:
                raise ContractgateError(masker.text(
                    f"{api.id} {stored}: {exc}; {already + len(written)} of {len(todo) + already} recorded in "
                    f"{out}, run the same command again to resume")) from None
            interaction = Interaction(
                api.id, operation.operation_id,
                Request(operation.method, stored, headers),
                Response(fetched.status, fetched.headers, _body(fetched.content)),
                recorded_at, kind="rest", elapsed_ms=round(fetched.elapsed_ms, 3))
            if options.force:
                # write_interaction never overwrites (a second answer gets --2); a forced run replaces the first.
                place.unlink(missing_ok=True)
            written.append(write_interaction(out, interaction, masker))
            statuses[fetched.status] += 1
    return RecordResult(out, already, tuple(written), statuses, masker=masker, refused=tuple(refused))


def from_receiver(store: Path, out: Path, masker: Masker) -> RecordResult:
    """The deliveries a ``contractgate receive`` store kept (docs/receiver.md), as webhook recordings.

    Every delivery goes to the receiver's one URL, so file names do not tell deliveries apart; a delivery is
    already converted when ``out`` holds one received at the same time with the same body.
    """
    from contractgate.receiver.app import callback_path  # the receiver (starlette) is only needed here
    from contractgate.receiver.store import META, OUTCOMES, canonical

    if not (store / OUTCOMES[0]).is_dir():
        raise ContractgateError(f"--from-receiver {store}: not a receiver store (no {OUTCOMES[0]}/ folder in it)")
    _prepare(out)
    done = {(i.recorded_at, canonical(i.payload)) for i in load_folder(out).interactions if i.kind == "webhook"}
    written: list[Path] = []
    statuses: Counter[int] = Counter()
    already = unusable = 0
    for outcome in OUTCOMES:
        for body_file in sorted((store / outcome).glob("*.json")):
            try:
                meta = read_payload(body_file.parent / META / body_file.name, DEFAULT_MAX_BYTES)
                interaction = Interaction(
                    meta["api"], meta["operation"],
                    Request("POST", callback_path(meta["api"]), meta["headers"],
                            read_payload(body_file, DEFAULT_MAX_BYTES)),
                    Response(meta["status"]), meta["received_at"], kind="webhook")
            except (InputError, KeyError, TypeError):
                unusable += 1
                continue
            # Recordings hold the masked payload (user_id pseudonymized): compare like with like.
            if (interaction.recorded_at, canonical(masked(interaction, masker).payload)) in done:
                already += 1
                continue
            written.append(write_interaction(out, interaction, masker))
            statuses[interaction.response.status] += 1
    return RecordResult(out, already, tuple(written), statuses, unusable, masker)
