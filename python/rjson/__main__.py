"""``python -m rjson [FILE [OUTFILE]]``: validate and pretty-print JSON, like
``python -m json.tool``. Reads standard input without FILE; on invalid JSON
prints the error with its position and exits with status 1."""

import argparse
import sys

from . import JSONDecodeError, dumps, loads


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rjson", description=__doc__.split("\n\n")[0])
    parser.add_argument("infile", nargs="?", help="a JSON file to validate or pretty-print (default: stdin)")
    parser.add_argument("outfile", nargs="?", help="write the output here (default: stdout)")
    parser.add_argument("--sort-keys", action="store_true", help="sort the output of dictionaries by key")
    parser.add_argument("--no-ensure-ascii", dest="ensure_ascii", action="store_false",
                        help="do not escape non-ASCII characters")
    parser.add_argument("--json-lines", action="store_true", help="parse input as JSON Lines, one object per line")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--indent", default=4, type=int, help="spaces to indent with (default: 4)")
    group.add_argument("--tab", action="store_const", dest="indent", const="\t", help="indent with a tab")
    group.add_argument("--no-indent", action="store_const", dest="indent", const=None, help="one line per value")
    group.add_argument("--compact", action="store_true", help="compact output, no whitespace")
    args = parser.parse_args(argv)

    options = {"sort_keys": args.sort_keys, "ensure_ascii": args.ensure_ascii, "allow_nan": True}
    if args.compact:
        options["separators"] = (",", ":")
    else:
        options["indent"] = args.indent
        if args.indent is None:
            options["separators"] = (", ", ": ")

    try:
        if args.infile is None:
            text = sys.stdin.buffer.read()
        else:
            with open(args.infile, "rb") as f:
                text = f.read()
        if args.json_lines:
            values = [loads(line, parse_constant=float) for line in text.splitlines() if line.strip()]
        else:
            values = [loads(text, parse_constant=float)]
        output = "".join(dumps(value, **options) + "\n" for value in values)
    except (JSONDecodeError, OSError) as e:
        where = args.infile or "<stdin>"
        print(f"{where}: {e}", file=sys.stderr)
        return 1
    if args.outfile is None:
        sys.stdout.write(output)
    else:
        with open(args.outfile, "w", encoding="utf-8") as f:
            f.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
