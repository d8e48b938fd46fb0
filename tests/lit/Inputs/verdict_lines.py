#!/usr/bin/env python3
"""Prints the verdict parts of an `exray --json` report from stdin one per line
(toolchain, execution, then each evidence item), compact, for FileCheck."""
import json
import sys

d = json.load(sys.stdin)
print('"toolchain": ' + json.dumps(d.get("toolchain")))
print('"execution": ' + json.dumps(d.get("execution")))
for e in d.get("evidence", []):
    print(json.dumps(e))
