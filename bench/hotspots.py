"""Summarise a py-spy ``--format raw`` profile: the functions with the most self and inclusive samples.

python -m bench.hotspots /tmp/profiles/get_room_info.txt [--top 25] [--match liveroom]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

_LINE = re.compile(r" \(([^)]*?):\d+\)$")


def _function(frame: str) -> str:
    """``name (path/file.py:line)`` -> ``file.py:name`` (line numbers merged)."""
    frame = frame.strip()
    match = _LINE.search(frame)
    if not match:
        return frame
    path = match.group(1)
    short = "/".join(path.split("/")[-2:])
    return f"{short}:{frame[: match.start()]}"


def summarise(path: str) -> tuple[int, Counter[str], Counter[str]]:
    total = 0
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            samples = int(count)
            frames = [_function(x) for x in stack.split(";") if x.strip()]
            if not frames:
                continue
            total += samples
            own[frames[-1]] += samples
            for name in set(frames):
                inclusive[name] += samples
    return total, own, inclusive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="only inclusive rows whose name contains this")
    args = parser.parse_args()
    total, own, inclusive = summarise(args.profile)
    print(f"{total} samples\n\nself time:")
    for name, n in own.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("\ninclusive time:")
    rows = [(name, n) for name, n in inclusive.most_common() if args.match in name][: args.top]
    for name, n in rows:
        print(f"  {100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
