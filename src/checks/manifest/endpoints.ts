/**
 * The network endpoints a process's environment points at, read from its rendered container:
 * URLs (`scheme://host:port/…`) and `host:port/…` references in literal values, and the
 * database URL composed by the processor ExternalSecret. A value that is neither is not an endpoint.
 */
import type { KubeObject } from '../../synth/manifests';
import { databaseUrlOf } from './database-url';
import type { Container } from './objects';
import { envSecretRef, isBroken, producerOf } from './secret-reference';

export interface Endpoint {
  /** The variable it is configured in. */
  readonly variable: string;
  readonly host: string;
  readonly port: number;
}

/** Ports a scheme implies when the URL names none. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, grpc: 80, grpcs: 443, postgres: 5432, postgresql: 5432 };

/** `host:port` at the start of a value, optionally followed by a path (an OCI reference). */
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})(\/.*)?$/;

/** The endpoint a literal value names, or undefined when it names none. */
export function endpointOf(variable: string, value: string): Endpoint | undefined {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? safeUrl(value) : undefined;
  if (url !== undefined && url.hostname !== '') {
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
    return port === undefined ? undefined : { variable, host: url.hostname.replace(/^\[|\]$/g, ''), port };
  }
  const match = HOST_PORT.exec(value);
  if (match === null || !/[A-Za-z.[]/.test(match[1]!)) return undefined;
  return { variable, host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Every endpoint in a container's literal env values. */
export function literalEndpoints(container: Container): Endpoint[] {
  return (container.env ?? []).flatMap((variable) => {
    if (variable.value === undefined) return [];
    const endpoint = endpointOf(variable.name, variable.value);
    return endpoint === undefined ? [] : [endpoint];
  });
}

/** The database endpoint of `DATABASE_URL`, when its Secret key is composed in the manifest. */
export function databaseEndpoint(objects: readonly KubeObject[], deploymentName: string, variable: string): Endpoint | undefined {
  const source = envSecretRef(objects, deploymentName, variable);
  if (isBroken(source)) return undefined;
  const producer = producerOf(objects, source, variable);
  if (isBroken(producer)) return undefined;
  const result = databaseUrlOf(producer, source.ref.key);
  return result.kind === 'parsed' && result.url.port !== undefined ? { variable, host: result.url.host, port: result.url.port } : undefined;
}

/** Cluster-local names: a Service's DNS name, or anything under the cluster domain. */
export function isClusterLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h.endsWith('.svc') || h.includes('.svc.') || h.endsWith('.cluster.local') || h === 'localhost';
}

/** An IPv4 or IPv6 address rather than a name. */
export function isAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
