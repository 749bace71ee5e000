"""Replays a scim-conformance scenario on Locust: one Locust user per Entra job.

    scim-conformance simulate --export-scenario scen --users 1000 --groups 100 --jobs 4
    SCENARIO=scen SCIM_TOKEN=... locust -f contrib/locust/locustfile.py --headless \
        --host https://staging.example/scim --users 4 --spawn-rate 4 [--master / --worker]
    scim-conformance simulate verify --scenario scen --target-url https://staging.example/scim

Each user takes the next job of its worker's share (job j runs on worker j mod W; W is
SCENARIO_WORKERS, default 1) and sends the job's steps in order at the job's pace: a step waits
for the ids it needs (`needs`, filled by earlier creates and match queries), a create is left
out when its match query found the object (`unless`), and a 429 pauses the job for its
Retry-After before the same request is sent again (up to the scenario's throttle_tries). Every
try is written as one JSON line to SCENARIO_RESULTS (default SCENARIO/results), one file per
process, which `simulate verify` reads back. When every job of the run is done, the master (or a
local runner) stops.

Environment: SCENARIO (the folder --export-scenario wrote), SCIM_TOKEN (the bearer token),
SCENARIO_RESULTS, SCENARIO_WORKERS. Needs Locust 2.x (tested with 2.32.4).
"""

import json
import os
import re
import socket
import threading
import time

import gevent
from locust import HttpUser, events, task
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

SCENARIO_DIR = os.environ.get("SCENARIO", "scenario")
RESULTS_DIR = os.environ.get("SCENARIO_RESULTS", os.path.join(SCENARIO_DIR, "results"))
WORKERS = max(1, int(os.environ.get("SCENARIO_WORKERS", "1")))
TOKEN = os.environ.get("SCIM_TOKEN", "")
PLACEHOLDER = re.compile(r"\{\{([ug][0-9]+)\}\}")

with open(os.path.join(SCENARIO_DIR, "scenario.json"), encoding="utf-8") as f:
    SCENARIO = json.load(f)
if SCENARIO.get("kind") != "simulation-scenario" or SCENARIO.get("schema_version") != "1":
    raise SystemExit(f"{SCENARIO_DIR}/scenario.json is not a version 1 simulation-scenario")
JOBS = SCENARIO["jobs"]
SETTINGS = SCENARIO["settings"]

_lock = threading.Lock()
_claimed = 0
_done_jobs = set()
_out = None


def _worker_index(environment):
    runner = environment.runner
    return getattr(runner, "worker_index", 0) if isinstance(runner, WorkerRunner) else 0


def _results_file():
    global _out
    if _out is None:
        os.makedirs(RESULTS_DIR, exist_ok=True)
        name = f"{socket.gethostname()}-{os.getpid()}.jsonl"
        _out = open(os.path.join(RESULTS_DIR, name), "a", encoding="utf-8")
    return _out


def _write(line):
    with _lock:
        out = _results_file()
        out.write(json.dumps(line) + "\n")
        out.flush()


def _fill(value, ids):
    """The value with every {{u3}} replaced by the id it stands for."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: ids[m.group(1)], value)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _retry_after(response, tries):
    header = response.headers.get("Retry-After", "")
    try:
        return min(max(float(header), 0.0), SETTINGS["max_pause_s"])
    except ValueError:
        return min(2.0 ** max(tries - 1, 0), 64.0, SETTINGS["max_pause_s"])


@events.init.add_listener
def _on_init(environment, **_):
    if isinstance(environment.runner, MasterRunner):
        def job_done(msg, **_):
            _done_jobs.add(msg.data)
            if len(_done_jobs) >= len(JOBS):
                gevent.spawn_later(0.5, environment.runner.quit)
        environment.runner.register_message("job_done", job_done)


class EntraJob(HttpUser):
    """One Entra provisioning job: its steps, in order, at its pace."""

    wait_time = None

    def on_start(self):
        global _claimed
        index = _worker_index(self.environment)
        with _lock:
            k = _claimed
            _claimed += 1
        number = index + k * WORKERS
        if number >= len(JOBS):
            raise StopUser()
        self.job = JOBS[number]
        self.worker = f"worker-{index}" if isinstance(self.environment.runner, WorkerRunner) else "local"

    def _send(self, step, ids):
        path = _fill(step["path"], ids)
        params = [(k, _fill(v, ids)) for k, v in step.get("query", [])]
        body = step.get("body")
        headers = {"Accept": "application/scim+json", "Authorization": f"Bearer {TOKEN}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/scim+json; charset=utf-8"
            data = json.dumps(_fill(body, ids), separators=(",", ":"))
        url = self.host.rstrip("/") + "/" + path
        return self.client.request(step["method"], url, params=params, data=data,
                                   headers=headers, name=step["kind"])

    @task
    def run_job(self):
        job = self.job
        ids = {}
        pace = SETTINGS.get("pace_rps")
        gap = 1.0 / pace if pace else 0.0
        interval = SETTINGS.get("cycle_interval_s")
        incremental = False
        for n, step in enumerate(job["steps"]):
            if step["cycle"] == "incremental" and not incremental:
                incremental = True
                if interval:
                    gevent.sleep(interval)
            if step.get("unless") in ids:
                continue
            missing = [p for p in step.get("needs", []) if p not in ids]
            if missing:
                _write({"job": job["job"], "step": n, "sent": time.time(), "elapsed_ms": 0,
                        "skipped": "needs " + ", ".join(missing), "worker": self.worker})
                continue
            tries = 0
            while True:
                tries += 1
                started = time.time()
                try:
                    response = self._send(step, ids)
                    status = response.status_code or None
                except Exception:  # noqa: BLE001 - a transport failure is a result, not a crash
                    response, status = None, None
                elapsed = (time.time() - started) * 1000.0
                throttled = status == 429 and tries < SETTINGS["throttle_tries"]
                line = {"job": job["job"], "step": n, "status": status, "sent": started,
                        "elapsed_ms": elapsed, "last": not throttled, "worker": self.worker}
                saves = step.get("saves")
                if saves and status and 200 <= status < 300 and response is not None:
                    try:
                        answer = response.json()
                    except ValueError:
                        answer = {}
                    found = answer.get("id")
                    if found is None and answer.get("Resources"):
                        found = answer["Resources"][0].get("id")
                    if found:
                        ids[saves] = str(found)
                        line["id"] = ids[saves]
                _write(line)
                if throttled:
                    gevent.sleep(_retry_after(response, tries))
                    continue
                break
            if gap:
                gevent.sleep(max(0.0, gap - (time.time() - started)))
        runner = self.environment.runner
        if isinstance(runner, WorkerRunner):
            runner.send_message("job_done", job["job"])
        else:
            with _lock:
                _done_jobs.add(job["job"])
                if len(_done_jobs) >= len(JOBS):
                    gevent.spawn_later(0.5, runner.quit)
        raise StopUser()
