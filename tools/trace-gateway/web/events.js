// What a normalized event (DESIGN "The normalized event") means to a reader:
// a one-line summary, its category (prompt, tool call, result, ...), whether
// it is a failure, and its token usage. Hook, transcript, history, OTel and
// raw records all pass through here, so each reader is lenient.

import { oneLine, pick, tokens, cost } from './format.js';

const TOOL_INPUT_KEYS = ['command', 'file_path', 'path', 'pattern', 'url', 'query',
  'description', 'prompt', 'subject', 'notebook_path', 'skill'];

export function toolInputSummary(input) {
  if (input == null) return '';
  if (typeof input !== 'object') return oneLine(input);
  for (const k of TOOL_INPUT_KEYS) if (typeof input[k] === 'string') return oneLine(input[k]);
  return oneLine(input);
}

function messageContent(ev) {
  return pick(ev, 'data.message.content');
}

function blocks(ev) {
  const c = messageContent(ev);
  return Array.isArray(c) ? c : [];
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b) => (typeof b === 'string' ? b : b?.text ?? '')).join(' ');
  }
  return '';
}

// The tool_use block of an assistant transcript line, if any.
export function toolUseBlock(ev) {
  return blocks(ev).find((b) => b && b.type === 'tool_use');
}

export function toolResultBlock(ev) {
  return blocks(ev).find((b) => b && b.type === 'tool_result');
}

export function toolName(ev) {
  return ev.tool_name || toolUseBlock(ev)?.name || undefined;
}

export function toolUseId(ev) {
  return ev.tool_use_id || toolUseBlock(ev)?.id || toolResultBlock(ev)?.tool_use_id || undefined;
}

// One of: prompt, tool_call, tool_result, assistant, session, error, raw,
// otel (Claude Code's OpenTelemetry events and metric points), other.
export function category(ev) {
  const t = ev.event_type || '';
  if (ev.parse_error || t === 'raw') return 'raw';
  if (ev.kind === 'otel') return isError(ev) ? 'error' : 'otel';
  if (t === 'UserPromptSubmit' || t === 'history.append') return 'prompt';
  if (t === 'PreToolUse') return 'tool_call';
  if (t === 'PostToolUse') return 'tool_result';
  if (t === 'PostToolUseFailure' || t === 'StopFailure') return 'error';
  if (t.startsWith('Session') || t === 'Stop' || t.startsWith('Subagent')) return 'session';
  if (t === 'assistant') return toolUseBlock(ev) ? 'tool_call' : 'assistant';
  if (t === 'user') {
    if (toolResultBlock(ev)) return isError(ev) ? 'error' : 'tool_result';
    return typeof messageContent(ev) === 'string' || blocks(ev).some((b) => b?.type === 'text')
      ? 'prompt' : 'other';
  }
  return 'other';
}

export function isError(ev) {
  const t = ev.event_type || '';
  if (ev.parse_error || t === 'PostToolUseFailure' || t === 'StopFailure') return true;
  if (ev.kind === 'otel') return t === 'claude_code.api_error' || ev.is_error === true;
  if (toolResultBlock(ev)?.is_error === true) return true;
  if (pick(ev, 'tool_output.error', 'data.error') && t !== 'Notification') return true;
  return ev.task_status === 'error' || ev.task_status === 'failed';
}

export function isPrompt(ev) {
  return category(ev) === 'prompt';
}

// A short human line: what happened in this event.
export function summary(ev) {
  const t = ev.event_type || '';
  const d = ev.data && typeof ev.data === 'object' ? ev.data : {};
  if (ev.parse_error) return `parse error: ${oneLine(ev.parse_error, 60)} · ${oneLine(ev.raw, 100)}`;
  if (ev.kind === 'otel') return otelSummary(ev);
  switch (t) {
    case 'UserPromptSubmit': return oneLine(d.prompt ?? pick(ev, 'metadata.prompt'));
    case 'history.append': return oneLine(d.display);
    case 'PreToolUse': return toolInputSummary(ev.tool_input ?? d.tool_input);
    case 'PostToolUse': return toolInputSummary(ev.tool_input ?? d.tool_input) ||
      `→ ${oneLine(ev.tool_output ?? d.tool_response ?? '', 150)}`;
    case 'PostToolUseFailure': return oneLine(d.error ?? pick(ev, 'tool_output.error')) ||
      toolInputSummary(ev.tool_input ?? d.tool_input);
    case 'Notification': return oneLine(d.message);
    case 'SessionStart': return `source: ${d.source ?? '?'}${d.model ? ' · ' + oneLine(d.model) : ''}`;
    case 'SessionEnd': return `reason: ${d.reason ?? '?'}`;
    case 'Stop': case 'SubagentStop': return oneLine(d.last_assistant_message ?? d.agent_type ?? '');
    case 'StopFailure': return oneLine(d.error);
    case 'summary': return oneLine(d.summary);
    case 'assistant': return assistantSummary(ev);
    case 'user': return userSummary(ev);
    case 'system': return oneLine(d.content ?? d.subtype ?? '');
    default: return oneLine(d.message ?? d.summary ?? d.prompt ?? d.display ?? '');
  }
}

// An OTel record's key attributes (proto/otlp.md): what a reader looks for
// in each of Claude Code's events, then a metric point's value.
function otelSummary(ev) {
  const a = pick(ev, 'data.attributes') ?? {};
  const parts = [];
  const add = (label, v) => { if (v !== undefined && v !== null && v !== '') parts.push(label ? `${label} ${v}` : String(v)); };
  if (ev.hook_type === 'metric') {
    const p = ev.metrics ?? {};
    add('', `${p.value ?? '?'}${pick(ev, 'data.unit') ? ' ' + pick(ev, 'data.unit') : ''}`);
    add('', a.type);
    add('', a.model);
    if (p.temporality && p.temporality !== 'delta') add('', p.temporality);
    return oneLine(parts.join(' · '));
  }
  switch (ev.event_type) {
    case 'claude_code.api_request': {
      const u = usage(ev);
      add('', ev.model);
      if (u) add('', `${tokens(u.input + u.cacheWrite + u.cacheRead)} in · ${tokens(u.output)} out`);
      const c = pick(ev, 'metrics.cost_usd');
      if (typeof c === 'number') add('', `${cost(c)} reported`);
      add('', ev.request_id);
      break;
    }
    case 'claude_code.tool_result':
      add('', ev.tool_name);
      add('', ev.is_error ? 'failed' : 'ok');
      add('', ev.error);
      break;
    case 'claude_code.user_prompt':
      add('', a.prompt !== undefined ? a.prompt : `prompt of ${a.prompt_length ?? '?'} chars`);
      break;
    case 'claude_code.api_error':
      add('', ev.model);
      add('status', a.status_code);
      add('', ev.error);
      break;
    case 'claude_code.tool_decision':
      add('', ev.tool_name);
      add('', a.decision);
      add('by', a.source);
      break;
    default:
      for (const k of ['tool_name', 'model', 'decision', 'error']) add('', a[k]);
  }
  return oneLine(parts.join(' · '));
}

function assistantSummary(ev) {
  const parts = [];
  for (const b of blocks(ev)) {
    if (b?.type === 'tool_use') parts.push(`${b.name}: ${toolInputSummary(b.input)}`);
    else if (b?.type === 'text') parts.push(b.text);
    else if (b?.type === 'thinking') parts.push('(thinking)');
  }
  return oneLine(parts.join(' · ') || textOf(messageContent(ev)));
}

function userSummary(ev) {
  const r = toolResultBlock(ev);
  if (r) return `${r.is_error ? 'error: ' : '→ '}${oneLine(textOf(r.content) || r.content, 150)}`;
  return oneLine(textOf(messageContent(ev)));
}

// Token usage of an assistant turn: {input, output, cacheWrite, cacheRead}.
export function usage(ev) {
  const u = ev.usage ?? pick(ev, 'data.message.usage');
  if (!u || typeof u !== 'object') return undefined;
  const n = (k) => (typeof u[k] === 'number' ? u[k] : 0);
  return {
    input: n('input_tokens'), output: n('output_tokens'),
    cacheWrite: n('cache_creation_input_tokens'), cacheRead: n('cache_read_input_tokens'),
  };
}

// The Claude API message id: one response is written as several transcript
// lines sharing it, so token counts must be taken once per id.
export function messageId(ev) {
  return pick(ev, 'data.message.id', 'data.requestId') ?? ev.span_id;
}

export function agentLabel(ev) {
  return pick(ev, 'data.agent_type', 'data.agentId', 'data.agent_id') ??
    (pick(ev, 'data.isSidechain') ? 'sub-agent' : undefined);
}
