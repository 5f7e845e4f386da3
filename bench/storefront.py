"""Storefront pages under load: /ping, home, product, category and search pages on a 100k
catalog, warm and cold.

    DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python bench/storefront.py \
        [--database-url postgres://shop@127.0.0.1:25432/shop_seed_bench] [--products 100000]

Seeds the demo catalog first when the database holds fewer than --products products
(`manage.py seed_demo`), starts gunicorn (2 sync workers, DEBUG off, loopback only) on a free
port, warms each page kind up (every path requested once: caches filled), then loads it
from 8 concurrent wrk connections for a fixed duration: /ping (the baseline), / (home),
/p/<slug>/ over 2,000 published products, /c/<path>/ over every category, /search/?q= over
realistic terms (typos included). wrk's Lua `done()` prints p50/p95/p99. Then the cold
pages (`<page>_cold`): one client in turn, every listing version bumped before each request
(what any catalog change did to every listing before listings had versions of their own),
so each page is built from the database: home, root categories, leaf categories, search.
Last, in this process (no server, no client), what a warm product page costs beyond /ping
(`in_process`): both through Django's WSGI handler, side by side with the two things only
the product page does, its one cache round trip (the entry and its version, MGET) and a new
visitor's CSRF token (the add-to-cart form). `product_vs_ping` compares a page that must do
both with one that does neither; `in_process.beyond_both_us` is what the product page costs
on top of them.
Unapplied migrations are applied first. Prints ONE JSON line on stdout, progress on stderr;
gunicorn is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common.manage import ensure_migrated, seed_catalog  # noqa: E402 - after the path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

PRODUCT_PATHS = 2_000
SEARCH_TERMS = [
    "shirt", "running shoes", "linen", "headphones", "wireless earbuds", "laptop",
    "chelsea boot", "yoga mat", "merino", "stoneware", "sunscreen", "lavender",
    "rain jacket", "vitamin c serum", "backpack", "oak table", "smartphone", "voltra",
    "hedphones", "sneeker", "lapptop", "jaket",  # typos: the trigram fallback
]  # fmt: skip
TARGETS = {"product_vs_ping_min": 0.7, "product_p95_ms_max": 25.0,
           "category_p95_ms_max": 25.0, "search_p95_ms_max": 50.0,
           "home_cold_p95_ms_max": 30.0, "category_root_cold_p95_ms_max": 30.0,
           "category_leaf_cold_p95_ms_max": 30.0, "search_cold_p95_ms_max": 50.0}  # fmt: skip
COLD_KINDS = ("home", "category_root", "category_leaf", "search")

# Rotates through the paths file (one per line); each thread starts at its own offset.
# done() prints the figures wrk does not (p95) as one line the script picks up.
LUA = r"""
local threads = 0
function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
end
function init(args)
    paths = {}
    for line in io.lines(args[1]) do paths[#paths + 1] = line end
    local n = tonumber(args[2])
    i = math.floor((id or 0) * #paths / n)
end
function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d,' ..
        ' "p99_us": %d, "max_us": %d, "status_errors": %d, "socket_errors": %d}\n',
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
        latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def log(message: str) -> None:
    print(f"[storefront] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL")
        or f"postgres://shop@127.0.0.1:{os.environ.get('PG_PORT', '25432')}/shop",
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--duration", type=int, default=15, help="seconds per page kind"
    )
    parser.add_argument(
        "--warmup-limit",
        type=int,
        default=90,
        help="at most this many seconds to request each path of a page kind once",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    return parser.parse_args()


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: apt-get install -y wrk (as root)")
    log("installing wrk (apt-get install -y wrk)")
    subprocess.run(
        ["apt-get", "install", "-y", "wrk"],
        check=True,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )
    return shutil.which("wrk") or "/usr/bin/wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM catalog_product WHERE deleted_at IS NULL),"
            " (SELECT count(*) FROM catalog_productvariant WHERE deleted_at IS NULL)"
        )
        products, variants = cursor.fetchone()
    return {"products": products, "variants": variants}


def page_paths() -> dict[str, list[str]]:
    """The rotating path sets, read from the database once (the cold ones too)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT slug FROM catalog_product
            WHERE status = 'active' AND deleted_at IS NULL
              AND (publish_from IS NULL OR publish_from <= now())
              AND (publish_until IS NULL OR publish_until > now())
            ORDER BY md5(id::text) LIMIT %s
            """,
            [PRODUCT_PATHS],
        )
        products = [f"/p/{slug}/" for (slug,) in cursor.fetchall()]
        cursor.execute(
            """
            SELECT id, slug, path, NOT EXISTS (
                SELECT 1 FROM catalog_category child
                WHERE child.parent_id = c.id AND child.deleted_at IS NULL)
            FROM catalog_category c WHERE deleted_at IS NULL
            """
        )
        rows = cursor.fetchall()
    slugs = {pk: slug for pk, slug, _, _ in rows}
    urls = {
        pk: "/c/" + "/".join(slugs[int(i)] for i in path.strip("/").split("/")) + "/"
        for pk, _, path, _ in rows
        if all(int(i) in slugs for i in path.strip("/").split("/"))
    }
    depth = {pk: path.count("/") - 2 for pk, _, path, _ in rows}
    leaves = {pk for pk, _, _, leaf in rows if leaf}
    searches = [f"/search/?q={urllib.parse.quote_plus(term)}" for term in SEARCH_TERMS]
    return {
        "ping": ["/ping"],
        "home": ["/"],
        "product": products,
        "category": sorted(urls.values()),
        "search": searches,
        # Cold: a root category lists its whole subtree; a leaf only its own products.
        "home_cold": ["/"],
        "category_root_cold": sorted(u for pk, u in urls.items() if depth[pk] == 0),
        "category_leaf_cold": sorted(u for pk, u in urls.items() if pk in leaves),
        "search_cold": searches,
    }


def start_gunicorn(env: dict[str, str], port: int, workers: int, log_file):
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "-w", str(workers),
        "-b", f"127.0.0.1:{port}",
        "--backlog", "256",
        "--timeout", "60",
        "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole
    )


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(proc: subprocess.Popen, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if get(base + "/ping")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /ping within {timeout:.0f} s")


def check_pages(base: str, paths: dict[str, list[str]]) -> None:
    """Every page kind answers 200 before it is measured (a 404 is fast, and wrong)."""
    for kind, kind_paths in paths.items():
        if not kind_paths:
            raise RuntimeError(f"no {kind} paths: is the catalog seeded?")
        for path in kind_paths[:3]:
            status, body = get(base + path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")


def warm_up(base: str, paths: list[str], clients: int, limit: float) -> dict:
    """Request every path once (caches filled, pages compiled), bounded by `limit` seconds."""
    deadline = time.monotonic() + limit

    def one(path: str) -> int | None:
        return get(base + path)[0] if time.monotonic() < deadline else None

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = Counter(pool.map(one, paths))
    return {"seconds": round(time.monotonic() - started, 1), "statuses": dict(statuses)}


def drain(base: str, limit: float = 120) -> None:
    """Wait until gunicorn is idle: a sync worker still serves requests wrk gave up on."""
    deadline, quick = time.monotonic() + limit, 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        get(base + "/ping")
        quick = quick + 1 if time.monotonic() - started < 0.05 else 0


def wrk(
    binary: str, script: Path, paths_file: Path, url: str, seconds: int, args
) -> dict:
    command = [
        binary,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout", "10s",
        "--latency",
        "-s", str(script),
        url,
        "--", str(paths_file), str(args.threads),
    ]  # fmt: skip
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    print(run.stdout, file=sys.stderr, end="")
    line = next(x for x in run.stdout.splitlines() if x.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = raw["duration_us"] / 1e6

    def ms(key: str) -> float | None:  # no request finished: no latency, not 0 ms
        return round(raw[key] / 1000, 2) if raw["requests"] else None

    return {
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": ms("p50_us"),
        "p95_ms": ms("p95_us"),
        "p99_ms": ms("p99_us"),
        "max_ms": ms("max_us"),
        "requests": raw["requests"],
        "errors": raw["status_errors"] + raw["socket_errors"],
        "paths": sum(1 for _ in paths_file.open()),
    }


def cold(base: str, paths: list[str], seconds: float) -> dict:
    """Request the paths in turn for `seconds`, every listing cache version bumped before
    each request (one client: the latency of a page built from the database)."""
    from apps.catalog.cache import product_cache_invalidate

    latencies, errors, i = [], 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or not latencies:
        product_cache_invalidate()  # outside a transaction: bumped at once
        started = time.perf_counter()
        status, _ = get(base + paths[i % len(paths)])
        latencies.append((time.perf_counter() - started) * 1000)
        errors += status != 200
        i += 1
    latencies.sort()

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "max_ms": round(latencies[-1], 2),
        "requests": len(latencies),
        "errors": errors,
        "paths": len(paths),
    }


def in_process(product_paths: list[str], rounds: int = 3000) -> dict:
    """Microseconds per request, measured in this process: /ping and warm product pages
    through Django's WSGI handler, a cache MGET of two keys, a new CSRF token."""
    import io

    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.middleware.csrf import get_token
    from django.test import RequestFactory

    handler = WSGIHandler()

    def get(path: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        }  # fmt: skip
        statuses: list[str] = []
        b"".join(
            handler(environ, lambda status, headers, exc=None: statuses.append(status))
        )
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{path} answered {statuses[0]} in process")

    factory = RequestFactory()
    keys = ["bench:in-process:version", "bench:in-process:entry"]
    cache.set_many({keys[0]: 1, keys[1]: {"page": "x" * 7000}})
    steps = {
        "ping": lambda i: get("/ping"),
        "product": lambda i: get(product_paths[i % len(product_paths)]),
        "cache_mget": lambda i: cache.get_many(keys),
        "csrf_token": lambda i: get_token(factory.get("/")),
    }
    figures = {}
    for name, step in steps.items():
        for i in range(min(rounds, 200)):  # warm: imports, connections
            step(i)
        started = time.perf_counter()
        for i in range(rounds):
            step(i)
        figures[f"{name}_us"] = round((time.perf_counter() - started) / rounds * 1e6, 1)
    cache.delete_many(keys)
    figures["beyond_both_us"] = round(
        figures["product_us"]
        - figures["ping_us"]
        - figures["cache_mget_us"]
        - figures["csrf_token_us"],
        1,
    )
    return figures


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    database = urllib.parse.urlparse(args.database_url).path.lstrip("/")
    # Fragments of another database must never be served: a cache namespace per database.
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CACHE_KEY_PREFIX": f"bench-storefront-{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    os.environ["CACHE_KEY_PREFIX"] = env["CACHE_KEY_PREFIX"]
    os.environ["DJANGO_DEBUG"] = "false"  # as served: the in-process figures too

    import django

    django.setup()
    binary = ensure_wrk()
    ensure_migrated(env, log)
    result = {"bench": "storefront", "database": database}
    before = counts()
    result["seeded"] = before["products"] < args.products
    result["seed_s"] = (
        seed_catalog(env, args.products, log) if result["seeded"] else None
    )
    result.update(counts())
    paths = page_paths()
    from django.db import connections

    connections.close_all()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    served = {
        **env,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-storefront-"))
    gunicorn_log = (tmp / "gunicorn.log").open("w")
    proc = start_gunicorn(served, port, args.workers, gunicorn_log)
    # A SIGTERM (a timeout, Ctrl-C in make) still runs the `finally` that stops gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        wait_ready(proc, base)
        check_pages(base, paths)
        script = tmp / "rotate.lua"
        script.write_text(LUA)
        for kind, kind_paths in paths.items():
            if kind.endswith("_cold"):
                log(f"{kind}: measuring {args.duration} s, caches bumped per request")
                result[kind] = cold(base, kind_paths, args.duration)
                log(f"{kind}: {result[kind]}")
                continue
            paths_file = tmp / f"{kind}.txt"
            paths_file.write_text("\n".join(kind_paths) + "\n")
            log(f"{kind}: warm-up, each of {len(kind_paths)} paths once")
            warm = warm_up(base, kind_paths, args.connections, args.warmup_limit)
            log(f"{kind}: warm-up {warm}")
            drain(base)
            log(f"{kind}: measuring {args.duration} s")
            result[kind] = wrk(binary, script, paths_file, base, args.duration, args)
            log(f"{kind}: {result[kind]}")
            drain(base)
    except (RuntimeError, subprocess.SubprocessError, StopIteration):
        gunicorn_log.flush()
        log("gunicorn log (tail):\n" + (tmp / "gunicorn.log").read_text()[-3000:])
        raise
    finally:
        stop_gunicorn(proc)
        gunicorn_log.close()
        shutil.rmtree(tmp, ignore_errors=True)

    ping, product = result["ping"], result["product"]
    result["product_vs_ping"] = round(product["rps"] / ping["rps"], 3)
    log("in process: /ping and product pages, a cache MGET, a CSRF token")
    result["in_process"] = in_process(paths["product"])
    log(f"in process: {result['in_process']}")
    result["settings"] = {
        "duration_s": args.duration,
        "warmup_limit_s": args.warmup_limit,
        "connections": args.connections,
        "gunicorn_workers": args.workers,
        "cpus": os.cpu_count(),
    }
    result["targets"] = TARGETS

    def p95_within(kind: str) -> bool:
        p95 = result[kind]["p95_ms"]
        return p95 is not None and p95 <= TARGETS[f"{kind}_p95_ms_max"]

    result["checks"] = {
        "product_rps_ge_0_7_ping": result["product_vs_ping"]
        >= TARGETS["product_vs_ping_min"],
        "product_p95_le_25ms": p95_within("product"),
        "category_p95_le_25ms": p95_within("category"),
        "search_p95_le_50ms": p95_within("search"),
        **{
            f"{kind}_cold_p95_le_{TARGETS[f'{kind}_cold_p95_ms_max']:g}ms": p95_within(
                f"{kind}_cold"
            )
            for kind in COLD_KINDS
        },
        "no_errors": all(result[k]["errors"] == 0 for k in paths),
    }
    result["targets_met"] = all(result["checks"].values())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
