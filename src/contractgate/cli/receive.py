"""``contractgate receive``: a webhook receiver that checks every callback against its contract and keeps it."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.errors import EXIT_OK, ContractgateError
from contractgate.receiver.app import DEFAULT_MAX_BYTES, callback_path, create_receiver, webhook_operation
from contractgate.secrets import Masker


def _require_loopback_host(host: str) -> None:
    """The emitter's definition of "this machine", so that what one may send to, the other may listen on."""
    from contractgate.mock.callbacks import require_loopback  # the emitter (httpx) is not needed otherwise

    try:
        require_loopback(f"http://[{host}]/" if ":" in host else f"http://{host}/")
    except ContractgateError:
        raise ContractgateError(
            f"--host {host} is not a loopback address (127.0.0.0/8, ::1, localhost); "
            "pass --allow-non-loopback to listen where other machines can reach it") from None


@click.command()
@click.option("--api", "api_id", required=True, help="Webhook API to receive (a webhook of the catalog: "
                                                        "asleep-v1-callback).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback only by default).")
@click.option("--allow-non-loopback", is_flag=True, help="Allow a --host that other machines can reach.")
@click.option("--port", type=click.IntRange(0, 65535), default=9000, show_default=True,
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--store", type=click.Path(path_type=Path), default=Path("received"), show_default=True,
              help="Folder the deliveries are stored in (created if needed).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse larger bodies (413).")
def receive(api_id: str, host: str, allow_non_loopback: bool, port: int, store: Path, max_bytes: int) -> int:
    """Receive callbacks of API on this machine until Ctrl-C: check each, store each once, answer.

    A callback must carry the auth headers the catalog names for API (asleep-v1-callback: x-api-key and
    x-user-id, the values of ASLEEP_API_KEY and ASLEEP_USER_ID; local defaults when unset, as for the mock),
    POSTed to /API (printed). Valid bodies are answered 200 and stored under STORE/accepted, bodies
    that are not JSON or break the contract 400 or 422 and stored under STORE/rejected; run
    `contractgate validate API OPERATION STORE/accepted/*.json` on them. See docs/receiver.md.
    """
    operation = webhook_operation(api_id)  # unknown or not receivable: a usage error before anything listens
    if not allow_non_loopback:
        _require_loopback_host(host)
    from contractgate.serving import listening_socket, serve  # the server, once the arguments are known to be good

    masker = Masker.from_env()
    app = create_receiver(store, api_id=api_id, masker=masker, max_bytes=max_bytes, log=click.echo)
    sock = listening_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    origin = f"http://{f'[{bound_host}]' if ':' in bound_host else bound_host}:{bound_port}"
    click.echo(masker.text(f"contractgate receive: {api_id} {operation.operation_id} into {store}; Ctrl-C stops it"))
    click.echo(f"  {'callback':<10} {origin}{callback_path(api_id)}")
    click.echo(f"  {'health':<10} {origin}/healthz")
    try:
        serve(app, sock)
    finally:
        click.echo("contractgate receive: stopped")
    return EXIT_OK


COMMANDS = [receive]
