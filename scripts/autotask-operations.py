#!/usr/bin/env python3
"""Regenerate src/wizard/autotask_operations.txt from the official Autotask REST Swagger.

Usage: scripts/autotask-operations.py [path/to/autotask-rest-swagger.json] > src/wizard/autotask_operations.txt

For each entity in src/wizard/autotask_entities.txt, which operations the REST API offers at all
(its own paths and the child paths under a parent, e.g. ServiceCalls/{parentId}/Tickets), as
Autotask's `canCreate`/`canDelete`/`canQuery`/`canUpdate` would say.
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
spec = sys.argv[1] if len(sys.argv) > 1 else "../shared/specs/autotask-rest-swagger.json"
entities = [
    line.strip()
    for line in (root / "src/wizard/autotask_entities.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
known = set(entities)
ops = {e: set() for e in entities}
for path, methods in json.load(open(spec))["paths"].items():
    for op in methods.values():
        tag = op["tags"][0]
        kind = op["operationId"].split("_", 1)[1]
        if not tag.endswith("Child"):
            # The entity is the path's first segment (some tags are singular).
            tag = path.split("/")[2] if path.count("/") >= 2 else tag
        else:
            base = tag[: -len("Child")]
            # "CompanyContactsChild" is Contacts under Companies: the longest entity it ends with.
            tag = base if base in known else max((e for e in known if base.endswith(e)), key=len, default=None)
        if tag in ops:
            ops[tag].add(kind)

print("# What the Autotask REST API allows on each entity at all (from ../shared/specs/autotask-rest-swagger.json,")
print("# by scripts/autotask-operations.py): C create, D delete, Q query, U update; '-' = never.")
print("# An expectation on an operation an entity never allows is a check that cannot fail.")
for e in entities:
    k = ops[e]
    flags = "".join(
        f if any(x in k for x in xs) else "-"
        for f, xs in [
            ("C", ["CreateEntity"]),
            ("D", ["DeleteEntity"]),
            ("Q", ["Query", "UrlParameterQuery"]),
            ("U", ["UpdateEntity", "PatchEntity"]),
        ]
    )
    print(f"{e} {flags}")
