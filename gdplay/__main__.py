"""``python -m gdplay``: the window; ``python -m gdplay run|list ...``: the headless CLI."""

import sys

CLI_COMMANDS = ("run", "list")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CLI_COMMANDS + ("-h", "--help"):
        from gdplay.cli import main as cli_main
        return cli_main(argv)
    from gdplay.app import main as app_main
    return app_main([sys.argv[0], *argv])


if __name__ == "__main__":
    sys.exit(main())
