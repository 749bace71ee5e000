#!/usr/bin/env python3
"""Compares the harness's verdicts on a corpus server with the expected verdicts written by hand.

usage: compare.py EXPECTED.toml REPORT.json

EXPECTED.toml holds one `[trials."<name>"]` table per trial: `verdict` (passed, failed, blocked,
warned, ignored or unknown), `because` (the ground-truth behaviours that decide it) and, where the harness
is known to disagree, `disagreement` (why: an open harness bug or a documented decision). A trial
whose verdict differs from the expected one without a recorded disagreement fails the comparison;
so does a recorded disagreement that no longer happens (it must be removed), and a trial missing
from either side. Prints one line per difference and a closing `N passed, N failed` line.
"""
import json
import sys
import tomllib


def harness_verdict(trial):
    v = trial["verdict"]
    if v == "passed" and any(f["warning"] for f in trial["findings"]):
        return "warned"
    return v


def main():
    expected_path, report_path = sys.argv[1], sys.argv[2]
    with open(expected_path, "rb") as f:
        expected = tomllib.load(f).get("trials", {})
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    got = {t["name"]: t for t in report["trials"]}
    ok, bad = 0, 0
    for name, exp in expected.items():
        want = exp.get("verdict")
        if name not in got:
            print(f"MISSING  {name}: expected {want}, the harness ran no such trial")
            bad += 1
            continue
        have = harness_verdict(got[name])
        known = exp.get("disagreement")
        # warned and passed both pass a default run; only the warning's presence differs.
        same = have == want or {have, want} == {"passed", "warned"} or want == "unknown"
        if same and known:
            print(f"STALE    {name}: recorded disagreement no longer happens ({have}); remove it")
            bad += 1
        elif same:
            ok += 1
        elif known:
            print(f"KNOWN    {name}: expected {want}, harness {have} — {known}")
            ok += 1
        else:
            rc = got[name].get("root_cause") or {}
            print(f"DIFFERS  {name}: expected {want} ({exp.get('because', '')}), harness {have}: {rc.get('summary', '')}")
            bad += 1
    for name in got:
        if name not in expected:
            print(f"UNLISTED {name}: harness {harness_verdict(got[name])}, no expected verdict")
            bad += 1
    print(f"corpus: {ok} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
