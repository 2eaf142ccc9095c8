import { staging, synth } from '../fixtures';
import { type PathFacts, readPathFacts } from './support/path-facts';
import { E2E_PASSWORD, vmUrls } from './support/vm-urls';

/** libpq decodes %XX in a URI's userinfo and nothing else: "+" stays "+". */
const libpqPassword = (url: string): string => decodeURIComponent(url.slice(url.indexOf(':', 'postgres://'.length) + 1, url.lastIndexOf('@')));

describe('vmUrls', () => {
  const facts = readPathFacts(synth(staging));
  const urls = vmUrls(facts, E2E_PASSWORD, '10.213.0.1:5433');

  test('uses a password holding every character the template must escape', () => {
    for (const char of ['@', ':', '/', '?', '#', '%', ' ', '+']) expect(E2E_PASSWORD).toContain(char);
  });

  test('renders the synthesized template, which libpq decodes back to the password', () => {
    expect(urls.pooled).toBe('postgres://tuist_processor:pa%20ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9@tuist-pg-pooler-staging:5432/tuist');
    expect(libpqPassword(urls.pooled)).toBe(E2E_PASSWORD);
    expect(urls.parts).toEqual({ host: 'tuist-pg-pooler-staging', port: 5432, database: 'tuist', role: 'tuist_processor' });
  });

  test('without the replace stage, the space arrives as "+" and the password is wrong', () => {
    expect(urls.withoutReplace).toBe('postgres://tuist_processor:pa+ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9@tuist-pg-pooler-staging:5432/tuist');
    expect(libpqPassword(urls.withoutReplace)).toBe('pa+ss@w:rd/x?y#z%41+é');
  });

  test('the direct URL differs only in the authority', () => {
    expect(urls.direct).toBe('postgres://tuist_processor:pa%20ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9@10.213.0.1:5433/tuist');
  });

  test('fails when the template has no replace stage to drop', () => {
    const bare: PathFacts = { ...facts, secret: { ...facts.secret, urlTemplate: 'postgres://u:{{ .password | urlquery }}@h:5432/d' } };
    expect(() => vmUrls(bare, E2E_PASSWORD, 'a:1')).toThrow(/template "xcresult-processor-database-url" has no '\| replace "\+" "%20"' stage/);
  });

  test('fails when the template renders something other than a postgres URL', () => {
    const http: PathFacts = { ...facts, secret: { ...facts.secret, urlTemplate: 'http://u:{{ .password | urlquery | replace "+" "%20" }}@h/d' } };
    expect(() => vmUrls(http, E2E_PASSWORD, 'a:1')).toThrow(/renders a http: URL; expected postgres:\/\//);
  });
});
