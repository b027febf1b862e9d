"""Reads one real cursor from every list of the document, as one role: the `next` of a
one-item page (from its Link header), printed as JSON {path: cursor} for tests/fuzz/hooks.py.

Usage: cursors.py BASE_URL TOKEN OPENAPI_JSON
"""

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


def main():
    base, token, document = sys.argv[1:4]
    with open(document, encoding="utf-8") as f:
        paths = json.load(f)["paths"]
    cursors = {}
    for path, operations in sorted(paths.items()):
        get = operations.get("get")
        if "{" in path or get is None:
            continue
        if not any(p.get("name") == "after" for p in get.get("parameters", [])):
            continue
        request = urllib.request.Request(
            f"{base}{path}?limit=1", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as res:
                link = res.headers.get("Link") or ""
        except urllib.error.HTTPError:
            continue
        found = re.search(r"[?&]after=([^&>]+)", link)
        if found:
            cursors[path] = urllib.parse.unquote(found.group(1))
    json.dump(cursors, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
