"""``python -m gdplay``: the window; ``python -m gdplay run|list ...``: the headless CLI."""

import sys

CLI_COMMANDS = ("run", "list")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CLI_COMMANDS + ("-h", "--help"):
        from gdplay.cli import main as cli_main
        return cli_main(argv)
    if argv and not argv[0].startswith("-"):
        # a mistyped command would otherwise open the window; options (--self-test, Qt's
        # -style ...) still go to the app
        print(f"gdplay: error: unknown command {argv[0]!r}; the commands are "
              f"{', '.join(CLI_COMMANDS)} (none opens the window; see 'gdplay --help')",
              file=sys.stderr)
        return 2
    from gdplay.app import main as app_main
    return app_main([sys.argv[0], *argv])


if __name__ == "__main__":
    sys.exit(main())
