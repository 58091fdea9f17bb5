#!/usr/bin/env python3
# Writes the golden *.in.jsonl inputs and their *.meta.json (source path,
# hint, dev/ino, read time). The expected *.out.jsonl are checked by
# common/event/normalize_test.cc (regenerate: GOLDEN_UPDATE=1 build/common/trace_event_test).
import json
S="4d5611e5-241a-462a-8d15-5122611a9569"
def w(name, lines, meta):
    with open(name+".in.jsonl","wb") as f:
        for l in lines:
            if isinstance(l,int): l=str(l)
            if isinstance(l,(dict,list)): l=json.dumps(l,separators=(",",":")).encode()
            elif isinstance(l,str): l=l.encode()
            f.write(l+b"\n")
    with open(name+".meta.json","w") as f:
        f.write(json.dumps(meta)+"\n")
RT=1767225600000
proj="/home/u/.claude/projects/-home-u-proj/"
payload={"session_id":S,"transcript_path":proj+S+".jsonl","cwd":"/home/u/proj","permission_mode":"default","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"npm test"},"tool_response":{"stdout":"ok","stderr":"","interrupted":False},"tool_use_id":"toolu_01ABC","duration_ms":812}
w("span",[
 {"span_id":"9b1c0f7e-1111-4a2b-9c3d-000000000001","trace_id":S,"parent_id":None,"session_id":S,"task_id":"task-7","task_status":"in_progress","timestamp":1770912149000,"duration_ms":None,"event_type":"PreToolUse","hook_type":"PreToolUse","tool_name":"Bash","tool_input":{"command":"npm test"},"tool_output":None,"metrics":None,"tags":["ci"],"metadata":{"permission_mode":"default"},"tool_use_id":"toolu_01ABC","agent_id":None,"cwd":"/home/u/proj","payload":dict(payload,hook_event_name="PreToolUse",tool_response=None,duration_ms=None)},
 {"span_id":"9b1c0f7e-1111-4a2b-9c3d-000000000002","trace_id":S,"parent_id":"9b1c0f7e-1111-4a2b-9c3d-000000000001","session_id":S,"task_id":"task-7","task_status":"in_progress","timestamp":1770912149812,"duration_ms":812,"event_type":"PostToolUse","hook_type":"PostToolUse","tool_name":"Bash","tool_input":{"command":"npm test"},"tool_output":{"stdout":"ok","stderr":"","interrupted":False},"metrics":{"output_bytes":2},"tags":None,"metadata":None,"tool_use_id":"toolu_01ABC","agent_id":"a5f2","cwd":"/home/u/proj","payload":payload},
 {"span_id":"9b1c0f7e-1111-4a2b-9c3d-000000000003","trace_id":S,"session_id":S,"timestamp":"2026-02-12T16:02:40.000Z","event_type":"Stop","hook_type":"Stop"},
 {"session_id":S,"hook_event_name":"UserPromptSubmit","prompt":"fix the tests","cwd":"/home/u/proj","transcript_path":proj+S+".jsonl"},
 # exactly as trace-hook writes them (proto/span.md): a failed tool call and a raw span
 {"span_id":"0917186e-a3a4-4958-b42f-38943b93ff0a","trace_id":S,"parent_id":None,"session_id":S,"task_id":"SHOP-42","task_status":None,"timestamp":1795587649432,"duration_ms":4187,"event_type":"PostToolUseFailure","hook_type":"tool","tool_name":"Bash","tool_use_id":"toolu_01ABC123","agent_id":None,"cwd":"/home/dev/shop","tool_input":{"command":"npm test","description":"Run test suite"},"tool_output":"Exit code 1\nError: Cannot find module 'express'","error":"Exit code 1\nError: Cannot find module 'express'","is_error":True,"metrics":{"payload_bytes":462,"duration_ms":4187},"tags":{"permission_mode":"default"},"metadata":{"recorder":"trace-hook/0.1.0","transcript_path":"/home/dev/.claude/projects/-home-dev-shop/"+S+".jsonl","git_branch":"feature/SHOP-42-checkout"},"payload":{"session_id":S,"transcript_path":"/home/dev/.claude/projects/-home-dev-shop/"+S+".jsonl","cwd":"/home/dev/shop","permission_mode":"default","hook_event_name":"PostToolUseFailure","tool_name":"Bash","tool_input":{"command":"npm test","description":"Run test suite"},"tool_use_id":"toolu_01ABC123","error":"Exit code 1\nError: Cannot find module 'express'","is_interrupt":False,"duration_ms":4187}},
 {"span_id":"99182165-1286-4835-9c55-26cee81e68d2","trace_id":None,"parent_id":None,"session_id":None,"task_id":None,"task_status":None,"timestamp":1795587133991,"duration_ms":None,"event_type":"raw","hook_type":"raw","metrics":{"payload_bytes":14},"tags":{},"metadata":{"recorder":"trace-hook/0.1.0"},"raw":"garbage \\xff{\n","parse_error":"Invalid value. at byte 0"},
],{"path":"/home/u/.claude/traces/"+S+".jsonl","hint":"span","dev":2049,"ino":1311,"read_time_ms":RT})
w("hook",[
 {"session_id":"abc123","prompt_id":"550e8400-e29b-41d4-a716-446655440000","transcript_path":"/home/user/.claude/projects/x/transcript.jsonl","cwd":"/home/user/my-project","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"npm test","description":"Run test suite","timeout":120000,"run_in_background":False},"tool_use_id":"toolu_01ABC123"},
 {"session_id":"abc123","transcript_path":"/Users/x/.claude/projects/p/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl","cwd":"/Users/x","permission_mode":"default","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{"file_path":"/path/to/file.txt","content":"file content"},"tool_response":{"filePath":"/path/to/file.txt","success":True},"tool_use_id":"toolu_01ABC123","duration_ms":12},
 {"session_id":"abc123","transcript_path":"...","cwd":"/Users/x","permission_mode":"default","hook_event_name":"PostToolUseFailure","tool_name":"Bash","tool_input":{"command":"npm test","description":"Run test suite"},"tool_use_id":"toolu_01ABC124","error":"Exit code 1\nError: Cannot find module 'express'","is_interrupt":False,"duration_ms":4187},
 {"session_id":"abc123","transcript_path":"...","cwd":"/Users/x","hook_event_name":"SessionStart","source":"startup","model":"claude-opus-4-6"},
 {"session_id":"abc123","transcript_path":"...","cwd":"/Users/x","hook_event_name":"SubagentStop","agent_id":"a5f2c","agent_type":"general-purpose","agent_transcript_path":"/Users/x/.claude/projects/p/abc123/subagents/agent-a5f2c.jsonl","stop_hook_active":False},
 {"session_id":"abc123","hook_event_name":"SomeFutureEvent","whatever":{"nested":[1,2,3]}},
],{"path":"/tmp/hooks.jsonl","hint":"auto","dev":2049,"ino":77,"read_time_ms":RT})
msg="msg_01PdWvcjJ6E9BgscDveYt9YV"
base={"isSidechain":False,"userType":"external","cwd":"/home/USER/projects/spotter","sessionId":S,"version":"2.1.39","gitBranch":"spotter-dov"}
w("transcript",[
 dict(base,parentUuid=None,type="user",message={"role":"user","content":"Work on bead spotter-dov."},uuid="daa5a4bb-530c-4055-b20c-bde38255c99e",timestamp="2026-02-12T16:02:25.284Z",permissionMode="bypassPermissions"),
 dict(base,parentUuid="daa5a4bb-530c-4055-b20c-bde38255c99e",message={"model":"claude-opus-4-6","id":msg,"type":"message","role":"assistant","content":[{"type":"thinking","thinking":"Let me look.","signature":"abc"}],"stop_reason":None,"usage":{"input_tokens":3,"cache_creation_input_tokens":15005,"cache_read_input_tokens":11442,"output_tokens":2,"service_tier":"standard"}},requestId="req_011CY4TRHLYkp2wmETF8ujUf",type="assistant",uuid="0bf0da57-20f0-47e6-bf33-71919451e591",timestamp="2026-02-12T16:02:28.001Z"),
 dict(base,parentUuid="0bf0da57-20f0-47e6-bf33-71919451e591",message={"model":"claude-opus-4-6","id":msg,"type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_01UwLnYYWGBvukzh1QE6JpfM","name":"Bash","input":{"command":"bd show spotter-dov","description":"Show issue details"}}],"stop_reason":None,"usage":{"input_tokens":3,"cache_creation_input_tokens":15005,"cache_read_input_tokens":11442,"output_tokens":9,"service_tier":"standard"}},requestId="req_011CY4TRHLYkp2wmETF8ujUf",type="assistant",uuid="163aa85e-ffa2-4d73-8531-8b46d91dcdd3",timestamp="2026-02-12T16:02:29.111Z"),
 dict(base,parentUuid="163aa85e-ffa2-4d73-8531-8b46d91dcdd3",type="user",message={"role":"user","content":[{"tool_use_id":"toolu_01UwLnYYWGBvukzh1QE6JpfM","type":"tool_result","content":"ok","is_error":False}]},uuid="e49c8775-5beb-4fd7-aeb3-2016ccb1e57b",timestamp="2026-02-12T16:02:30.658Z",toolUseResult={"stdout":"ok","stderr":"","interrupted":False,"isImage":False},sourceToolAssistantUUID="163aa85e-ffa2-4d73-8531-8b46d91dcdd3"),
 dict(base,parentUuid="e49c8775-5beb-4fd7-aeb3-2016ccb1e57b",type="user",message={"role":"user","content":[{"tool_use_id":"toolu_01Zz","type":"tool_result","content":"Exit code 127\nbd: command not found","is_error":True}]},uuid="f1d2a3b4-0000-4000-8000-000000000001",timestamp="2026-02-12T16:02:31.000Z",toolUseResult="Error: Exit code 127"),
 dict(base,parentUuid="f1d2a3b4-0000-4000-8000-000000000001",type="system",subtype="turn_duration",durationMs=5123,uuid="f1d2a3b4-0000-4000-8000-000000000002",timestamp="2026-02-12T16:02:32.000Z"),
 {"type":"summary","summary":"Investigating spotter-dov","leafUuid":"f1d2a3b4-0000-4000-8000-000000000002"},
 {"type":"file-history-snapshot","messageId":"daa5a4bb-530c-4055-b20c-bde38255c99e","snapshot":{"trackedFileBackups":{}},"isSnapshotUpdate":False},
 dict(base,type="progress",data={"type":"hook_progress","hookName":"PostToolUse"},parentToolUseID="toolu_01UwLnYYWGBvukzh1QE6JpfM",uuid="f1d2a3b4-0000-4000-8000-000000000003",timestamp=1770912152000),
 dict(base,type="brand-new-line-type",uuid="f1d2a3b4-0000-4000-8000-000000000004",timestamp="2026-02-12T17:02:33+01:00",payload={"x":1}),
],{"path":proj+S+".jsonl","hint":"transcript","dev":2049,"ino":4242,"read_time_ms":RT})
sub={"isSidechain":True,"cwd":"/home/USER/projects/spotter","sessionId":S,"agentId":"a5f2c","version":"2.1.39"}
w("transcript_subagent",[
 dict(sub,parentUuid=None,type="user",message={"role":"user","content":"Search the repo for TODOs"},uuid="aa000000-0000-4000-8000-000000000001",timestamp="2026-02-12T16:03:00.000Z"),
 dict(sub,parentUuid="aa000000-0000-4000-8000-000000000001",type="assistant",message={"model":"claude-haiku-4-5","id":"msg_sub1","role":"assistant","content":[{"type":"tool_use","id":"toolu_sub1","name":"Grep","input":{"pattern":"TODO"}},{"type":"tool_use","id":"toolu_sub2","name":"Glob","input":{"pattern":"**/*.go"}}],"usage":{"input_tokens":10,"output_tokens":40}},requestId="req_sub1",uuid="aa000000-0000-4000-8000-000000000002",timestamp="2026-02-12T16:03:01.000Z"),
 {"parentUuid":"aa000000-0000-4000-8000-000000000002","isSidechain":True,"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_sub1","content":"3 matches"}]},"uuid":"aa000000-0000-4000-8000-000000000003","timestamp":"2026-02-12T16:03:02.000Z"},
],{"path":proj+S+"/subagents/agent-a5f2c.jsonl","hint":"transcript","dev":2049,"ino":4243,"read_time_ms":RT})
w("history",[
 {"display":"set up deploys","pastedContents":{},"timestamp":1769606193350,"project":"/home/dev/proj","sessionId":"s1"},
 {"display":"/clear","pastedContents":{},"timestamp":1769606100000,"project":"/home/dev/proj"},
 {"display":"paste this","pastedContents":{"1":{"id":1,"type":"text","content":"big paste"}},"timestamp":1769606200,"project":"/home/dev/other","sessionId":"s2"},
],{"path":"/home/u/.claude/history.jsonl","hint":"history","dev":2049,"ino":99,"read_time_ms":RT})
w("ingest",[
 {"span_id":"posted-0001","kind":"hook","event_type":"PostToolUse","timestamp":1770912149812,"session_id":S,"tool_name":"Bash","tool_use_id":"toolu_9","duration_ms":44,"data":{"hook_event_name":"PostToolUse","tool_name":"Bash"}},
 {"timestamp":"2026-01-26T10:00:00.000Z","event":"PreToolUse","sessionId":"sess-003","data":{"tool_name":"Read","tool_input":{"file_path":"/etc/hosts"}}},
 {"timestamp":"2026-01-26T10:00:01.000Z","event":"UserPromptSubmit","sessionId":"sess-003","data":{"prompt":"hello"}},
 {"session_id":"sess-004","hook_event_name":"Stop","stop_hook_active":False},
 {"something":"else entirely"},
 {"http_hook":{"session_id":"sess-005","prompt_id":"550e8400-e29b-41d4-a716-446655440000","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{"file_path":"/p/f.txt","content":"x"},"tool_response":{"filePath":"/p/f.txt","success":True},"tool_use_id":"toolu_01ABC123","duration_ms":12},"received_ms":1770912150000},
 {"http_hook":{"session_id":"sess-005","hook_event_name":"SomeFutureEvent","whatever":[1,{"a":None}]},"received_ms":1770912150001},
],{"path":"/home/u/.local/share/claude-trace/spool/ingest.jsonl","hint":"ingest","dev":2049,"ino":500,"read_time_ms":RT})
w("generic",[
 {"level":"info","msg":"an application log line","ts":1770912149},
 {"type":"custom","session_id":"zzz","timestamp":"2026-02-12T16:02:25Z"},
 [1,2,3],
 42,
 "\"just a string\"",
 {"event_type":"x","span_id":"","nested":{"deep":{"deeper":[{"a":None}]}}},
],{"path":"/var/log/app.jsonl","hint":"auto","dev":2049,"ino":600,"read_time_ms":RT})
w("raw",[
 "not json at all",
 "{\"a\":1,\"b",
 "{\"type\":\"user\",\"message\":{\"content\":\"trunc",
 b"{\"display\":\"caf\xe9 latin-1\",\"timestamp\":1769606193350}",
 b"\xff\xfe binary \x00 junk \x80",
 "{\"a\":1} trailing",
 "{\"a\":NaN}",
 "   {\"spaced\":true}   ",
],{"path":"/home/u/.claude/history.jsonl","hint":"history","dev":2049,"ino":99,"read_time_ms":RT})
w("huge",[
 {"display":"x"*200000,"timestamp":1769606193350,"project":"/p","sessionId":"s-huge"},
],{"path":"/home/u/.claude/history.jsonl","hint":"history","dev":2049,"ino":99,"read_time_ms":RT})
