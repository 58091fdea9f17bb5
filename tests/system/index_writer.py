#!/usr/bin/env python3
# Appends realistic hook span lines (seed 000 shape: PreToolUse/PostToolUse
# pairs, prompts, stops) to several JSONL files, in small writes, at a steady
# rate; used by the index system tests. Prints the number of lines written.
# Usage: index_writer.py DIR LINES [FILES] [LINES_PER_SEC] [PREFIX]
import json, os, random, sys, time

def lines(prefix, n, files):
    rnd = random.Random(prefix)
    ts = 1770912145284
    tools = ["Bash", "Read", "Edit", "Grep", "Write"]
    for i in range(n):
        pair = i // 2
        f = pair % files
        ts += rnd.randint(1, 50)
        rec = {"span_id": "%s-%d" % (prefix, i), "trace_id": "%s-trace-%d" % (prefix, f),
               "session_id": "%s-session-%d" % (prefix, f), "timestamp": ts, "hook_type": "tool"}
        tu = "toolu_%s_%d" % (prefix, pair)
        if pair % 5 == 4:  # a prompt and a stop instead of a tool call
            rec.update(event_type="UserPromptSubmit" if i % 2 == 0 else "Stop", hook_type="prompt",
                       metadata={"prompt": "do thing %d" % i})
        elif i % 2 == 0:
            rec.update(event_type="PreToolUse", tool_name=tools[pair % 5], tool_use_id=tu,
                       tool_input={"command": "echo %d" % i})
        else:
            rec.update(event_type="PostToolUse" if pair % 7 else "PostToolUseFailure",
                       tool_name=tools[pair % 5], tool_use_id=tu,
                       duration_ms=rnd.randint(1, 3000), tool_output={"ok": pair % 7 != 0})
        yield f, json.dumps(rec, separators=(",", ":")) + "\n"

def main():
    d, n = sys.argv[1], int(sys.argv[2])
    files = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 0
    prefix = sys.argv[5] if len(sys.argv) > 5 else "w"
    os.makedirs(d, exist_ok=True)
    fds = [os.open(os.path.join(d, "%s-%d.jsonl" % (prefix, k)), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
           for k in range(files)]
    start = time.time()
    count = 0
    rnd = random.Random(7)
    for f, line in lines(prefix, n, files):
        data = line.encode()
        # Sometimes split a line over two writes, as real writers do.
        if rnd.random() < 0.05:
            cut = rnd.randint(1, len(data) - 1)
            os.write(fds[f], data[:cut])
            os.write(fds[f], data[cut:])
        else:
            os.write(fds[f], data)
        count += 1
        if rate and count % 100 == 0:
            ahead = count / rate - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
    print(count)

main()
