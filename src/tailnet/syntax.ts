/**
 * The syntax of Tailscale's policy language that the evaluator reads
 * (https://tailscale.com/kb/1337/policy-syntax): selectors (who and what), port specs of
 * grants (`tcp:5432`, `*`), ACL destinations (`host:22,80-90`), test targets (`tag:x:5432`)
 * and IPv4 addresses and CIDRs. What it cannot read is reported, never guessed at.
 */

import { memoTable } from './memo';

export type Protocol = 'tcp' | 'udp';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];
export const MAX_PORT = 65535;

export type SelectorKind = 'tag' | 'group' | 'user' | 'wildcard' | 'autogroup' | 'address' | 'host' | 'unsupported';

/** `user@domain` (a login), or `user@github` style identities. */
const USER = /^[^\s@:*]+@[^\s@:*]+$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;
/** A `hosts` alias: a name without `:`, `@` or `/` (Tailscale: letters, digits, `-`, `.`). */
const HOST_ALIAS = /^[A-Za-z][A-Za-z0-9.-]*$/;

/** What a `src`/`dst` entry names. */
export function selectorKind(selector: string): SelectorKind {
  if (selector === '*') return 'wildcard';
  if (selector.startsWith('tag:')) return 'tag';
  if (selector.startsWith('group:')) return 'group';
  if (selector.startsWith('autogroup:')) return 'autogroup';
  if (USER.test(selector)) return 'user';
  if (parseCidr(selector).ok || selector.includes(':') && /^[0-9a-fA-F:]+(\/\d+)?$/.test(selector)) return 'address';
  if (HOST_ALIAS.test(selector)) return 'host';
  return 'unsupported';
}

/** Inclusive port interval of one protocol. */
export interface PortRange {
  readonly proto: Protocol;
  readonly from: number;
  readonly to: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const PORT_SPEC_RULE = '"*", "tcp:*", "tcp:N", "udp:N-M" or a comma list "tcp:80,443" with 1 ≤ N ≤ M ≤ 65535 (another protocol, e.g. "icmp:*", opens no TCP or UDP port)';

/** `*`, `N`, `N-M`, or a comma list of them, as inclusive intervals. */
export function parsePortList(text: string): Parsed<{ from: number; to: number }[]> {
  if (text === '*') return { ok: true, value: [{ from: 1, to: MAX_PORT }] };
  const ranges: { from: number; to: number }[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    if (!m) return { ok: false, reason: `${JSON.stringify(text)} is not "*", "N", "N-M" or a comma list of them` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 0 || to > MAX_PORT || from > to) return { ok: false, reason: `${JSON.stringify(part)} is not a port range within 0-${MAX_PORT}` };
    ranges.push({ from, to });
  }
  return { ok: true, value: ranges };
}

/** IANA protocol numbers Tailscale accepts for TCP and UDP. */
const PROTOCOL_NUMBERS: Readonly<Record<string, Protocol>> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp' };

/**
 * A grant's `ip` entry as TCP/UDP port ranges. `*` and a bare port list cover both protocols;
 * another protocol (`icmp:*`, `sctp:*`) parses to no TCP/UDP range.
 */
export function parsePortSpec(spec: string): Parsed<readonly PortRange[]> {
  const known = memoTable('portSpecs', () => new Map<string, Parsed<readonly PortRange[]>>());
  let parsed = known.get(spec);
  if (parsed === undefined) {
    parsed = readPortSpec(spec);
    // Shared by every caller from now on: frozen, so no one can edit another's ranges.
    if (parsed.ok) {
      for (const range of parsed.value) Object.freeze(range);
      Object.freeze(parsed.value);
    }
    Object.freeze(parsed);
    if (known.size < MAX_REMEMBERED_SPECS) known.set(spec, parsed);
  }
  return parsed;
}

/** Parsed specs are remembered by text (memo.ts): a tailnet's rules repeat a few specs, and every document built from them reads them. */
const MAX_REMEMBERED_SPECS = 10_000;

function readPortSpec(spec: string): Parsed<readonly PortRange[]> {
  if (spec === '*') return { ok: true, value: PROTOCOLS.map((proto) => ({ proto, from: 1, to: MAX_PORT })) };
  const colon = spec.indexOf(':');
  const protoText = colon < 0 ? undefined : spec.slice(0, colon).toLowerCase();
  const portText = colon < 0 ? spec : spec.slice(colon + 1);
  const ports = parsePortList(portText);
  if (!ports.ok) return { ok: false, reason: `${JSON.stringify(spec)} is not ${PORT_SPEC_RULE}` };
  if (protoText === undefined) return { ok: true, value: PROTOCOLS.flatMap((proto) => ports.value.map((r) => ({ proto, ...r }))) };
  const proto = PROTOCOL_NUMBERS[protoText];
  if (proto === undefined) {
    return /^[a-z0-9-]+$/.test(protoText) ? { ok: true, value: [] } : { ok: false, reason: `${JSON.stringify(spec)} is not ${PORT_SPEC_RULE}` };
  }
  return { ok: true, value: ports.value.map((r) => ({ proto, ...r })) };
}

/** An ACL rule's `proto`: absent means TCP and UDP (and ICMP, which no query here asks about). */
export function aclProtocols(proto: string | number | undefined): Protocol[] {
  if (proto === undefined || proto === '') return [...PROTOCOLS];
  const p = PROTOCOL_NUMBERS[String(proto).toLowerCase()];
  return p === undefined ? [] : [p];
}

/** An ACL `dst` entry: `host:ports`, where the host is a selector (an IPv6 host is bracketed). */
export function parseAclDestination(entry: string): Parsed<{ host: string; ports: { from: number; to: number }[] }> {
  const at = entry.lastIndexOf(':');
  if (at <= 0) return { ok: false, reason: `${JSON.stringify(entry)} is not "<host>:<ports>"` };
  const ports = parsePortList(entry.slice(at + 1));
  if (!ports.ok) return { ok: false, reason: `${JSON.stringify(entry)}: ${ports.reason}` };
  return { ok: true, value: { host: entry.slice(0, at).replace(/^\[(.*)\]$/, '$1'), ports: ports.value } };
}

/** Ports covered by the union of `ranges` of one protocol. */
export function coveredPortCount(ranges: readonly { from: number; to: number }[]): number {
  const sorted = [...ranges].map((r) => ({ from: Math.max(1, r.from), to: r.to })).filter((r) => r.from <= r.to).sort((a, b) => a.from - b.from);
  let count = 0;
  let end = 0;
  for (const r of sorted) {
    if (r.to <= end) continue;
    count += r.to - Math.max(r.from, end + 1) + 1;
    end = r.to;
  }
  return count;
}

/**
 * A rule's ports that are a wildcard in all but name: for some protocol, the union of its
 * ranges covers at least {@link WIDE_PORT_THRESHOLD} of the 65535 ports.
 */
export const WIDE_PORT_THRESHOLD = 65534;

/** True for one port spec that opens every port (`*`, `tcp:*`, or a range covering 1-65535). */
export function isWildcardPortSpec(spec: string): boolean {
  const parsed = parsePortSpec(spec);
  return spec.includes('*') || (parsed.ok && parsed.value.some((r) => r.from <= 1 && r.to >= MAX_PORT));
}

/** A test's `accept`/`deny` entry: `host:port`, the host a tag, user, group, host alias or IP. */
export interface TestTarget {
  readonly host: string;
  readonly port: number;
}

export function parseTestTarget(target: string): Parsed<TestTarget> {
  const at = target.lastIndexOf(':');
  const host = target.slice(0, Math.max(at, 0));
  const port = Number(target.slice(at + 1));
  if (at <= 0 || !/^\d{1,5}$/.test(target.slice(at + 1)) || port < 1 || port > MAX_PORT) {
    return { ok: false, reason: `${JSON.stringify(target)} is not "<host>:<port>" with one port from 1 to 65535` };
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

/** An IPv4 address or CIDR as an inclusive interval of 32-bit numbers. */
export interface AddressRange {
  readonly lo: number;
  readonly hi: number;
}

export function parseCidr(text: string): Parsed<AddressRange> {
  const m = IPV4.exec(text);
  if (!m) return { ok: false, reason: `${JSON.stringify(text)} is not an IPv4 address or CIDR` };
  const octets = m.slice(1, 5).map(Number);
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return { ok: false, reason: `${JSON.stringify(text)} is not an IPv4 address or CIDR` };
  const ip = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const lo = Math.floor(ip / size) * size;
  return { ok: true, value: { lo, hi: lo + size - 1 } };
}

/** Where Tailscale numbers its devices (100.64.0.0/10): a tag or user may hold any address in it. */
export const TAILNET_RANGE: AddressRange = { lo: 100 * 2 ** 24 + 64 * 2 ** 16, hi: 100 * 2 ** 24 + 128 * 2 ** 16 - 1 };

export function overlaps(a: AddressRange, b: AddressRange): boolean {
  return a.lo <= b.hi && b.lo <= a.hi;
}

export function contains(outer: AddressRange, inner: AddressRange): boolean {
  return outer.lo <= inner.lo && inner.hi <= outer.hi;
}

/** Private, loopback, link-local and CGNAT ranges: never "the internet". */
export const NON_INTERNET: readonly AddressRange[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10']
  .map((c) => (parseCidr(c) as { ok: true; value: AddressRange }).value);
