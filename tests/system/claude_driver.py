#!/usr/bin/env python3
"""Plays one Claude Code session against a Claude home, as Claude Code does:
for each hook event it reads the hook commands from <home>/settings.json and
runs every matching one through the shell with the JSON payload on stdin
(parallel tool calls run their hooks concurrently), and it appends the
session's transcript lines (main and sub-agent files) as it goes. Fails if a
hook prints anything on stdout or exits non-zero.
Usage: claude_driver.py CLAUDE_HOME CWD SESSION_ID"""
import datetime
import json
import os
import re
import subprocess
import sys
import threading

home, cwd, sid = sys.argv[1], sys.argv[2], sys.argv[3]
settings = json.load(open(os.path.join(home, "settings.json")))
project = os.path.join(home, "projects", re.sub(r"[^A-Za-z0-9]", "-", cwd))
transcript = os.path.join(project, sid + ".jsonl")
agent_file = os.path.join(project, sid, "subagents", "agent-ag-e2e.jsonl")
os.makedirs(os.path.dirname(agent_file), exist_ok=True)
runs = []


def matches(matcher, payload):
    if matcher in (None, "", "*"):
        return True
    subject = payload.get("tool_name") or payload.get("source") or payload.get("notification_type") or ""
    return re.fullmatch(matcher, subject) is not None


def hook(event, **fields):
    payload = {"session_id": sid, "transcript_path": transcript, "cwd": cwd,
               "permission_mode": "default", "hook_event_name": event}
    payload.update(fields)
    data = json.dumps(payload).encode()
    for group in settings.get("hooks", {}).get(event, []):
        if not matches(group.get("matcher"), payload):
            continue
        for handler in group.get("hooks", []):
            if handler.get("type") != "command":
                continue
            p = subprocess.run(handler["command"], shell=True, input=data, capture_output=True,
                               cwd=cwd, timeout=handler.get("timeout", 60))
            runs.append(event)
            assert p.returncode == 0, (event, p.returncode, p.stderr)
            assert p.stdout == b"", (event, p.stdout)


def parallel(*calls):
    threads = [threading.Thread(target=hook, args=(e,), kwargs=kw) for e, kw in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def line(path, **record):
    base = {"isSidechain": path == agent_file, "userType": "external", "cwd": cwd, "sessionId": sid,
            "version": "2.1.39", "gitBranch": "feature/SHOP-77-e2e", "timestamp": now()}
    if path == agent_file:
        base["agentId"] = "ag-e2e"
    base.update(record)
    with open(path, "a") as f:
        f.write(json.dumps(base) + "\n")


uid = iter(range(1, 1000))
def u():
    return "e2e-%04d" % next(uid)


def assistant(path, model, mid, rid, content, i, o, cc, cr):
    line(path, type="assistant", uuid=u(), requestId=rid,
         message={"model": model, "id": mid, "type": "message", "role": "assistant", "content": content,
                  "usage": {"input_tokens": i, "cache_creation_input_tokens": cc,
                            "cache_read_input_tokens": cr, "output_tokens": o, "service_tier": "standard"}})


def result(path, tool_id, text, is_error):
    line(path, type="user", uuid=u(), message={"role": "user", "content": [
        {"tool_use_id": tool_id, "type": "tool_result", "content": text, "is_error": is_error}]})


S45, H45 = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"
hook("SessionStart", source="startup", model=S45)
hook("UserPromptSubmit", prompt="Fix the checkout test")
line(transcript, type="user", uuid=u(), message={"role": "user", "content": "Fix the checkout test"})
assistant(transcript, S45, "msg_E1", "req_E1", [{"type": "text", "text": "Running both."}], 8, 20, 3000, 12000)
assistant(transcript, S45, "msg_E1", "req_E1", [{"type": "tool_use", "id": "toolu_E1", "name": "Bash",
          "input": {"command": "npm test"}}], 8, 50, 3000, 12000)
assistant(transcript, S45, "msg_E1", "req_E1", [{"type": "tool_use", "id": "toolu_E2", "name": "Read",
          "input": {"file_path": cwd + "/cart.ts"}}], 8, 75, 3000, 12000)
parallel(("PreToolUse", dict(tool_name="Bash", tool_input={"command": "npm test"}, tool_use_id="toolu_E1")),
         ("PreToolUse", dict(tool_name="Read", tool_input={"file_path": cwd + "/cart.ts"}, tool_use_id="toolu_E2")))
parallel(("PostToolUse", dict(tool_name="Read", tool_input={"file_path": cwd + "/cart.ts"}, tool_use_id="toolu_E2",
                              tool_response={"type": "text", "file": {"content": "x"}}, duration_ms=12)),
         ("PostToolUseFailure", dict(tool_name="Bash", tool_input={"command": "npm test"}, tool_use_id="toolu_E1",
                                     error="Exit code 1", is_interrupt=False, duration_ms=4187)))
result(transcript, "toolu_E2", "x", False)
result(transcript, "toolu_E1", "Exit code 1", True)
assistant(transcript, S45, "msg_E2", "req_E2", [{"type": "tool_use", "id": "toolu_E3", "name": "Task",
          "input": {"description": "find imports", "prompt": "Find express imports", "subagent_type": "Explore"}}],
          4, 60, 500, 15000)
hook("PreToolUse", tool_name="Task", tool_input={"prompt": "Find express imports"}, tool_use_id="toolu_E3")
hook("SubagentStart", agent_id="ag-e2e", agent_type="Explore")
line(agent_file, type="user", uuid=u(), message={"role": "user", "content": "Find express imports"})
hook("PreToolUse", tool_name="Grep", tool_input={"pattern": "express"}, tool_use_id="toolu_E4",
     agent_id="ag-e2e", agent_type="Explore")
assistant(agent_file, H45, "msg_E3", "req_E3", [{"type": "tool_use", "id": "toolu_E4", "name": "Grep",
          "input": {"pattern": "express"}}], 100, 40, 0, 2000)
hook("PostToolUse", tool_name="Grep", tool_input={"pattern": "express"}, tool_use_id="toolu_E4",
     tool_response={"filenames": ["src/server.ts"]}, duration_ms=30, agent_id="ag-e2e", agent_type="Explore")
result(agent_file, "toolu_E4", "src/server.ts", False)
hook("SubagentStop", agent_id="ag-e2e", agent_type="Explore", agent_transcript_path=agent_file,
     stop_hook_active=False)
hook("PostToolUse", tool_name="Task", tool_input={"prompt": "Find express imports"}, tool_use_id="toolu_E3",
     tool_response={"status": "completed"}, duration_ms=5000)
result(transcript, "toolu_E3", "src/server.ts only", False)
assistant(transcript, S45, "msg_E4", "req_E4", [{"type": "text", "text": "Done."}], 3, 90, 0, 15500)
hook("Stop", stop_hook_active=False, last_assistant_message="Done.")
hook("SessionEnd", reason="other")
print(json.dumps({"hook_runs": len(runs)}))
