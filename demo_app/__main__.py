"""`python -m demo_app serve | migrate | make-admin USERNAME | cleanup`."""

from __future__ import annotations

import argparse
import asyncio
import sys


def serve(host: str, port: int, reload: bool) -> None:
    import uvicorn

    print(f"Demo app on http://{host}:{port}  (Swagger UI: http://{host}:{port}/docs)")
    uvicorn.run("demo_app.main:app", host=host, port=port, reload=reload)


async def _with_database(coro_factory):
    from demo_app import db
    from demo_app.config import get_settings

    db.configure(get_settings().database_url)
    await db.prepare(get_settings().migrates_at_startup)
    try:
        return await coro_factory()
    finally:
        await db.dispose()


async def _migrate() -> tuple[str | None, str]:
    from demo_app import db
    from demo_app.config import get_settings
    from demo_app.platform import migrate

    db.configure(get_settings().database_url)
    try:
        return await migrate.upgrade(db.engine())
    finally:
        await db.dispose()


def main(argv: list[str] | None = None, prog: str = "python -m demo_app") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the demo app with uvicorn")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--reload", action="store_true")
    commands.add_parser(
        "migrate", help="bring the database (DATABASE_URL) to the newest schema, and say so"
    )
    admin_cmd = commands.add_parser("make-admin", help="give a registered user admin rights")
    admin_cmd.add_argument("username")
    admin_cmd.add_argument("--revoke", action="store_true", help="take admin rights away")
    commands.add_parser("cleanup", help="run cleanup_old_data once and print what it removed")
    args = parser.parse_args(argv)

    if args.command == "serve":
        serve(args.host, args.port, args.reload)
        return 0
    if args.command == "migrate":
        before, after = asyncio.run(_migrate())
        print(
            f"schema: {before or 'empty'} -> {after}"
            if before != after
            else f"schema: {after}, current"
        )
        return 0
    if args.command == "make-admin":
        from demo_app.platform.admin import set_admin

        if not asyncio.run(_with_database(lambda: set_admin(args.username, not args.revoke))):
            print(f"No user named {args.username!r}: register first.", file=sys.stderr)
            return 1
        print(f"{args.username} is {'no longer' if args.revoke else 'now'} an admin.")
        return 0
    from demo_app.runs.retention import cleanup_old_data

    print(asyncio.run(_with_database(cleanup_old_data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
