/**
 * The small part of Tailscale's policy syntax we write and evaluate: selectors (who), port
 * specs (`tcp:5432`) and test targets (`tag:x:5432`). Anything else is reported as
 * unsupported rather than guessed at.
 */

export type Protocol = 'tcp' | 'udp';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];
export const MAX_PORT = 65535;

export type SelectorKind = 'tag' | 'group' | 'user' | 'wildcard' | 'autogroup' | 'unsupported';

/** What a `src`/`dst` entry names. */
export function selectorKind(selector: string): SelectorKind {
  if (selector === '*') return 'wildcard';
  if (selector.startsWith('tag:')) return 'tag';
  if (selector.startsWith('group:')) return 'group';
  if (selector.startsWith('autogroup:')) return 'autogroup';
  if (/^[^\s@:*]+@[^\s@:*]+$/.test(selector)) return 'user';
  return 'unsupported';
}

/** Inclusive port interval of one protocol. */
export interface PortRange {
  readonly proto: Protocol;
  readonly from: number;
  readonly to: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const PORT_SPEC_RULE = '"tcp:N", "udp:N" or a range "tcp:N-M" with 1 ≤ N ≤ M ≤ 65535';

/**
 * A grant's `ip` entry as port ranges. Wildcards (`*`, `tcp:*`) parse, so the evaluator sees
 * what a catch-all would open; validation refuses them separately.
 */
export function parsePortSpec(spec: string): Parsed<PortRange[]> {
  if (spec === '*') return { ok: true, value: PROTOCOLS.map((proto) => ({ proto, from: 0, to: MAX_PORT })) };
  const match = /^(tcp|udp):(\*|(\d{1,5})(?:-(\d{1,5}))?)$/.exec(spec);
  if (!match) return { ok: false, reason: `${JSON.stringify(spec)} is not ${PORT_SPEC_RULE}` };
  const proto = match[1] as Protocol;
  if (match[2] === '*') return { ok: true, value: [{ proto, from: 0, to: MAX_PORT }] };
  const from = Number(match[3]);
  const to = match[4] === undefined ? from : Number(match[4]);
  if (from < 1 || to > MAX_PORT || from > to) return { ok: false, reason: `${JSON.stringify(spec)} is not ${PORT_SPEC_RULE}` };
  return { ok: true, value: [{ proto, from, to }] };
}

/** True for port specs that open every port (`*`, `tcp:*`, or a range covering 1-65535). */
export function isWildcardPortSpec(spec: string): boolean {
  const parsed = parsePortSpec(spec);
  return spec.includes('*') || (parsed.ok && parsed.value.some((r) => r.from <= 1 && r.to >= MAX_PORT));
}

/** A test's `accept`/`deny` entry: `host:port`, where the host is a tag, group or user. */
export interface TestTarget {
  readonly host: string;
  readonly port: number;
}

export function parseTestTarget(target: string): Parsed<TestTarget> {
  const at = target.lastIndexOf(':');
  const host = target.slice(0, Math.max(at, 0));
  const port = Number(target.slice(at + 1));
  if (at <= 0 || !/^\d{1,5}$/.test(target.slice(at + 1)) || port < 1 || port > MAX_PORT) {
    return { ok: false, reason: `${JSON.stringify(target)} is not "<tag>:<port>" with one port from 1 to 65535` };
  }
  return { ok: true, value: { host, port } };
}

/** `tag:x:5432`: the form tests name a destination port in. */
export function testTarget(host: string, port: number): string {
  return `${host}:${port}`;
}

/** A test's protocol: `tcp` when absent (we always write it explicitly). */
export function parseTestProtocol(proto: string | undefined): Parsed<Protocol> {
  const value = proto ?? 'tcp';
  return (PROTOCOLS as readonly string[]).includes(value)
    ? { ok: true, value: value as Protocol }
    : { ok: false, reason: `proto ${JSON.stringify(proto)} is not one of ${PROTOCOLS.join(', ')}` };
}

/** `tcp:5432` or `tcp:8000-8010`: how a range is written back. */
export function formatPortRange(range: PortRange): string {
  return range.from === range.to ? `${range.proto}:${range.from}` : `${range.proto}:${range.from}-${range.to}`;
}
