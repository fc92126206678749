"""Measure the key pages of a seeded large funder (bench/seed.py) under load, beside a tiny /healthz.

    .venv/bin/python bench/load.py --database-url sqlite:////tmp/bench_scale.sqlite                     # under load
    .venv/bin/python bench/load.py --database-url sqlite:////tmp/bench_scale.sqlite --count-statements  # one request

Under load (the default) it starts gunicorn (4 workers, on 127.0.0.1 only) against the seeded database, signs in as
the person who uses each page (staff, a panellist, the auditor; the public pages anonymously) through the real
sign-in pages (the form's CSRF token, then the code from the seeded authenticator key), then for each page:
one request alone (its time and status), and, if that took under `--max-alone` seconds (3), wrk for `--duration` seconds
with `--connections` connections; requests/s, p50 and p95 come from wrk. After each page it waits until /healthz
answers at once again, so a slow page's backlog does not count against the next. /healthz itself is measured first
and last, in the same run. Every wait is bounded, and gunicorn is stopped at the end whatever happens.

With --count-statements it instead serves each page once through the app's test client against the same database,
in this process, and counts the SQL statements it sends (a SQLAlchemy event listener), with the time one request
takes alone (a second, warm request when the first took under `--max-alone` seconds).

Results are printed as a Markdown table and written to bench/out/ as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import benchenv

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
CODE_STEP = "/sign-in/code"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Page:
    name: str
    role: str  # "anonymous", "staff", "panellist" or "auditor"
    path: str


def pages(seeded: dict[str, Any]) -> list[Page]:
    """The key pages of issue 13's table, as the person who uses each one, on the seeded large round."""
    r, slug = seeded["large_round_id"], seeded["funder_slug"]
    scored, trail = seeded["scored_bid_id"], seeded["trail_bid_id"]
    return [
        Page("public open rounds", "anonymous", "/rounds"),
        Page("public funder page", "anonymous", f"/funders/{slug}"),
        Page("360Giving JSON of the funder's awards", "anonymous", f"/funders/{slug}/360giving.json"),
        Page("staff screening list", "staff", f"/staff/rounds/{r}/bids"),
        Page("staff panel progress", "staff", f"/staff/rounds/{r}/panel"),
        Page("staff deliberation summary", "staff", f"/staff/rounds/{r}/summary"),
        Page("staff tally page", "staff", f"/staff/rounds/{r}/tally"),
        Page("panellist task hub", "panellist", f"/panel/rounds/{r}"),
        Page("panellist bid list", "panellist", f"/panel/rounds/{r}/bids"),
        Page("panellist scoring page (one bid)", "panellist", f"/panel/rounds/{r}/bids/{scored}"),
        Page("panellist voting page", "panellist", f"/panel/rounds/{r}/vote"),
        Page("panellist deliberation summary", "panellist", f"/panel/rounds/{r}/summary"),
        Page("auditor round audit page", "auditor", f"/audit/rounds/{r}"),
        Page("auditor bid trail", "auditor", f"/audit/bids/{trail}"),
        Page("auditor trail CSV export", "auditor", f"/audit/rounds/{r}/trail.csv"),
    ]


HEALTHZ = Page("/healthz (for comparison)", "anonymous", "/healthz")


@dataclass
class Result:
    name: str
    role: str
    path: str
    status: int = 0
    bytes: int = 0
    alone_s: float | None = None
    statements: int | None = None
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    requests: int | None = None
    errors: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- a small HTTP client with a cookie jar, for signing in ------------------------------------------------------


class Browser:
    """Requests to the server on loopback, keeping cookies as a browser would (Secure ones too: it is loopback)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    self._keep(value)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()

    def _keep(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = "max-age=0" in attributes.lower() or "expires=thu, 01 jan 1970" in attributes.lower()
        if expired or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def csrf_token(page: bytes) -> str:
    found = CSRF.search(page.decode("utf-8", "replace"))
    if not found:
        raise RuntimeError("no CSRF token on the form")
    return html.unescape(found.group(1) or found.group(2))


def sign_in(browser: Browser, email: str, password: str, totp_secret: str) -> None:
    """Through the real pages: the form and its CSRF token, then the code from the authenticator key if asked."""
    import pyotp

    status, _, page = browser.request("GET", "/sign-in")
    if status != 200:
        raise RuntimeError(f"GET /sign-in answered {status}")
    status, headers, page = browser.request(
        "POST", "/sign-in", {"csrf_token": csrf_token(page), "email": email, "password": password}
    )
    if status != 302:
        raise RuntimeError(f"signing in as {email} answered {status}")
    if urlsplit(headers.get("location", "")).path != CODE_STEP:
        return
    totp = pyotp.TOTP(totp_secret)
    for _ in range(3):
        status, _, page = browser.request("GET", CODE_STEP)
        status, headers, page = browser.request("POST", CODE_STEP, {"csrf_token": csrf_token(page), "code": totp.now()})
        if status == 302:
            return
        # That time-step's code was used already (each code signs in once): wait for the next one.
        time.sleep(totp.interval - time.time() % totp.interval + 1)
    raise RuntimeError(f"the code for {email} was refused three times")


def logins(seeded: dict[str, Any]) -> dict[str, str]:
    return {role: seeded["logins"][role] for role in ("staff", "panellist", "auditor")}


# --- gunicorn -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    database_url: str, *, workers: int, port: int, timeout: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn serving the app on 127.0.0.1:port with the benchmark's settings; stopped on the way out."""
    env = {**os.environ, **benchenv.app_environment(database_url)}
    env.pop("AUDIT_SIGNING_KEY_FILE", None)
    binary = Path(sys.executable).with_name("gunicorn")
    command = [
        str(binary),
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=benchenv.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_until_answering(port: int, *, within: float, quick: float = 1.0) -> float:
    """Poll /healthz until it answers 200 in under `quick` seconds; how long that took. Bounded by `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        asked = time.monotonic()
        try:
            status, _, _ = Browser(port, timeout=quick + 5).request("GET", "/healthz")
            if status == 200 and time.monotonic() - asked < quick:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz at once within {within:.0f} s")


def worker_memory_mb(master: int) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), from /proc."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


# --- under load ---------------------------------------------------------------------------------------------------


def run_wrk(
    url: str, cookie: str | None, *, duration: int, connections: int, threads: int, timeout: int
) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk, or run bench/run.sh)")
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={timeout}s",
        "-s",
        str(benchenv.ROOT / "bench" / "wrk_report.lua"),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + timeout + 30, check=False)  # noqa: S603
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return dict(json.loads(line.removeprefix("WRK_JSON ")))
    raise RuntimeError(f"wrk gave no summary: {done.stdout[-500:]} {done.stderr[-500:]}")


def measure_under_load(args: argparse.Namespace, seeded: dict[str, Any]) -> tuple[list[Result], dict[str, Any]]:
    port = args.port or free_port()
    log = benchenv.OUT / f"gunicorn-{port}.log"
    deadline = time.monotonic() + args.max_minutes * 60
    results: list[Result] = []
    with gunicorn(args.database_url, workers=args.workers, port=port, timeout=args.worker_timeout, log=log) as server:
        wait_until_answering(port, within=90)
        cookies: dict[str, str | None] = {"anonymous": None}
        for role, email in logins(seeded).items():
            browser = Browser(port, timeout=120)
            sign_in(browser, email, seeded["password"], seeded["totp_secret"])
            cookies[role] = browser.cookie_header()
        print(f"gunicorn {args.workers} workers on {HOST}:{port}; signed in as staff, a panellist and the auditor")
        chosen = [p for p in pages(seeded) if not args.pages or any(w in p.name for w in args.pages)]
        for page in [HEALTHZ, *chosen, HEALTHZ]:
            if time.monotonic() > deadline:
                results.append(Result(page.name, page.role, page.path, note="not measured: --max-minutes reached"))
                continue
            result = Result(page.name, page.role, page.path)
            browser = Browser(port, timeout=args.alone_timeout)
            cookie = cookies[page.role]
            if cookie:
                browser.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
            started = time.perf_counter()
            try:
                status, headers, body = browser.request("GET", page.path)
            except TimeoutError:
                result.note = (
                    f"one request alone took over {args.alone_timeout:.0f} s (the worker is stopped at"
                    f" {args.worker_timeout} s); not measured under load"
                )
                results.append(result)
                print(f"  {page.name}: {result.note}", flush=True)
                # Let gunicorn stop that worker and start another, so the next page has every worker.
                time.sleep(max(0.0, started + args.worker_timeout + 5 - time.perf_counter()))
                wait_until_answering(port, within=60)
                continue
            result.alone_s = time.perf_counter() - started
            result.status, result.bytes = status, len(body)
            if status == 200 and result.alone_s <= args.max_alone:
                # The first request may meet a cold worker (templates not yet compiled): the best of two more.
                result.extra["cold_s"] = round(result.alone_s, 4)
                for _ in range(2):
                    started = time.perf_counter()
                    browser.request("GET", page.path)
                    result.alone_s = min(result.alone_s, time.perf_counter() - started)
            if status != 200:
                result.note = f"answered {status} {headers.get('location', '')}".strip()
            elif result.alone_s > args.max_alone:
                result.note = f"one request alone took {result.alone_s:.1f} s: not measured under load"
            else:
                summary = run_wrk(
                    f"http://{HOST}:{port}{page.path}",
                    cookie,
                    duration=args.duration,
                    connections=args.connections,
                    threads=args.threads,
                    timeout=args.request_timeout,
                )
                result.requests = summary["requests"]
                result.requests_per_s = summary["requests"] / summary["seconds"] if summary["seconds"] else None
                if summary["requests"]:
                    result.p50_ms = summary["p50_us"] / 1000
                    result.p95_ms = summary["p95_us"] / 1000
                    result.p99_ms = summary["p99_us"] / 1000
                result.errors = sum(
                    summary[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
                )
                result.extra.update(summary)
                result.extra["drain_s"] = round(wait_until_answering(port, within=args.worker_timeout + 60), 1)
            results.append(result)
            print(f"  {line_for(result)}", flush=True)
        memory = worker_memory_mb(server.pid)
    return results, {"port": port, "worker_rss_mb_after": [round(m) for m in memory], "gunicorn_log": str(log)}


# --- one request, counted -----------------------------------------------------------------------------------------


def count_statements(args: argparse.Namespace, seeded: dict[str, Any]) -> list[Result]:
    """Each page once through the test client, counting the SQL statements it sends."""
    import pyotp
    import sqlalchemy as sa

    app = benchenv.make_app(args.database_url)
    app.config["RATELIMIT_ENABLED"] = False
    from grants.extensions import db

    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def note(conn: object, cursor: object, statement: str, *rest: object) -> None:
        sent.append(statement)

    clients: dict[str, Any] = {}
    base = "https://localhost"  # production cookies are Secure and __Host-: the test client sends them over https
    for role in ("anonymous", *logins(seeded)):
        client = app.test_client()
        if role != "anonymous":
            email = seeded["logins"][role]
            page = client.get("/sign-in", base_url=base)
            response = client.post(
                "/sign-in",
                base_url=base,
                headers={"Referer": f"{base}/sign-in"},
                data={"csrf_token": csrf_token(page.data), "email": email, "password": seeded["password"]},
            )
            if urlsplit(response.headers.get("Location", "")).path == CODE_STEP:
                totp = pyotp.TOTP(seeded["totp_secret"])
                for _ in range(3):
                    page = client.get(CODE_STEP, base_url=base)
                    response = client.post(
                        CODE_STEP,
                        base_url=base,
                        headers={"Referer": f"{base}{CODE_STEP}"},
                        data={"csrf_token": csrf_token(page.data), "code": totp.now()},
                    )
                    if response.status_code == 302:
                        break
                    time.sleep(totp.interval - time.time() % totp.interval + 1)
            if response.status_code != 302:
                raise RuntimeError(f"signing in as {email} answered {response.status_code}")
        clients[role] = client
    results = []
    chosen = [p for p in pages(seeded) if not args.pages or any(w in p.name for w in args.pages)]
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        for page in [HEALTHZ, *chosen]:
            result = Result(page.name, page.role, page.path)
            for attempt in range(2):
                sent.clear()
                started = time.perf_counter()
                response = clients[page.role].get(page.path, base_url=base)
                result.alone_s = time.perf_counter() - started
                result.statements = len(sent)
                result.status, result.bytes = response.status_code, len(response.data)
                if attempt == 0 and result.alone_s > args.max_alone:
                    result.note = "cold (one request only: it took over --max-alone)"
                    break
            if result.status != 200:
                result.note = f"answered {result.status} {response.headers.get('Location', '')}".strip()
            results.append(result)
            print(f"  {line_for(result)}", flush=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return results


# --- reporting ----------------------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _alone(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.1f} s"


def line_for(r: Result) -> str:
    parts = [f"{r.name} ({r.role}): {r.status}", f"alone {_alone(r.alone_s)}"]
    if r.statements is not None:
        parts.append(f"{r.statements} statements")
    if r.requests_per_s is not None:
        parts.append(f"{r.requests_per_s:,.1f} req/s, p50 {_ms(r.p50_ms)}, p95 {_ms(r.p95_ms)}, {r.errors} errors")
    if r.note:
        parts.append(r.note)
    return "; ".join(parts)


def table(results: list[Result], *, statements: dict[str, int] | None = None) -> str:
    rows = [
        "| page | role | requests/s | p50 | p95 | one request alone | SQL statements | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        rps = f"{r.requests_per_s:,.1f}" if r.requests_per_s is not None else ""
        count = r.statements if r.statements is not None else (statements or {}).get(r.path, "")
        note = r.note
        if r.errors:
            note = f"{r.errors} errors or timeouts under load; {note}".strip("; ")
        cells = [r.name, r.role, rps, _ms(r.p50_ms), _ms(r.p95_ms), _alone(r.alone_s), str(count), note]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seeded", type=Path, help="the seeder's JSON (default: bench/out/seeded-*.json of the URL)")
    parser.add_argument("--count-statements", action="store_true", help="one request per page, counting statements")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port on 127.0.0.1")
    parser.add_argument("--max-alone", type=float, default=3.0, help="a page slower alone is not put under load")
    parser.add_argument("--alone-timeout", type=float, default=60.0, help="give up on one request after this")
    parser.add_argument("--request-timeout", type=int, default=30, help="wrk counts a slower request as a timeout")
    parser.add_argument("--worker-timeout", type=int, default=90, help="gunicorn's --timeout")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="stop measuring after this long")
    parser.add_argument("--pages", nargs="*", help="only the pages whose names contain one of these words")
    parser.add_argument("--out", type=Path, help="JSON results (default: bench/out/)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("sqlite:", "postgresql:", "postgres:")):
        parser.error("--database-url must be sqlite:/// or postgresql://")
    benchenv.refuse_dev_database(args.database_url)
    seeded_file = args.seeded or benchenv.seeded_path(args.database_url)
    if not seeded_file.exists():
        raise SystemExit(f"bench: {seeded_file} is missing: run bench/seed.py --database-url {args.database_url} first")
    seeded = json.loads(seeded_file.read_text(encoding="utf-8"))
    mode = "statements" if args.count_statements else "load"
    print(f"{mode}: {args.database_url} (seeded {seeded['seeded_on']}, sizes {seeded['sizes']})", flush=True)
    extra: dict[str, Any] = {}
    if args.count_statements:
        results = count_statements(args, seeded)
    else:
        results, extra = measure_under_load(args, seeded)
    statements: dict[str, int] = {}
    counted = benchenv.OUT / f"statements-{seeded_file.stem.removeprefix('seeded-')}.json"
    if not args.count_statements and counted.exists():
        # The statement counts of an earlier --count-statements run on the same database, beside the load figures.
        statements = {r["path"]: r["statements"] for r in json.loads(counted.read_text(encoding="utf-8"))["results"]}
    print()
    print(table(results, statements=statements))
    if extra.get("worker_rss_mb_after"):
        print(f"\nworker memory after the load (RSS): {', '.join(f'{m} MB' for m in extra['worker_rss_mb_after'])}")
    out = args.out or benchenv.OUT / f"{mode}-{seeded_file.stem.removeprefix('seeded-')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "mode": mode,
        "database_url": args.database_url,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "settings": {k: v for k, v in vars(args).items() if k not in ("seeded", "out")},
        "seeded": {k: seeded[k] for k in ("sizes", "counts", "seeded_on")},
        "results": [asdict(r) for r in results],
        **extra,
    }
    out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
