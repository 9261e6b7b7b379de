"""``contractgate mock``: serves the mock APIs."""

from __future__ import annotations

import click

from contractgate.errors import EXIT_OK
from contractgate.mock.profiles import DEFAULT_PROFILE, get_profile, load_profiles


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--seed", type=int, default=0, show_default=True, help="Changes every generated session.")
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help="Drift profile (see --list-profiles).")
@click.option("--list-profiles", is_flag=True, help="List the drift profiles and exit.")
@click.option("--cache-mb", type=click.FloatRange(min=0), default=64, show_default=True,
              help="Megabytes of rendered answers kept in memory (least recently used go first); 0 keeps none.")
def mock(host: str, port: int, seed: int, profile: str, list_profiles: bool, cache_mb: float) -> int:
    """Serve the Asleep v3, Upheal and Emogg APIs as their documents describe them, until Ctrl-C.

    Accepted credentials come from ASLEEP_API_KEY, ASLEEP_USER_ID, UPHEAL_API_KEY and EMOGG_API_TOKEN, with
    local defaults when unset (docs/mock.md). Ids ending in 0404 answer 404.
    """
    if list_profiles:
        for name, entry in load_profiles().items():
            click.echo(f"{name:<20} {entry.description}")
        return EXIT_OK
    from contractgate.mock.app import base_urls, create_app
    from contractgate.serving import listening_socket, serve  # the server is only needed to serve

    get_profile(profile)  # an unknown name is a usage error before anything listens
    sock = listening_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    origin = f"http://{f'[{bound_host}]' if ':' in bound_host else bound_host}:{bound_port}"
    click.echo(f"contractgate mock: profile {profile}, seed {seed}; Ctrl-C stops it")
    for api_id, url in base_urls(origin).items():
        click.echo(f"  {api_id:<10} {url}")
    click.echo(f"  {'health':<10} {origin}/healthz")
    serve(create_app(seed=seed, profile=profile, cache_bytes=int(cache_mb * 1024 * 1024)), sock)
    return EXIT_OK


COMMANDS = [mock]
