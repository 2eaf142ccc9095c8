/**
 * Go's `url.QueryEscape`, which ESO's template engine v2 calls for `urlquery`: the bytes of
 * the UTF-8 encoding, each kept when it is an unreserved character (`A-Z a-z 0-9 - _ . ~`),
 * a space becomes `+`, every other byte `%XX` in upper-case hex.
 */
const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;
/** With the `u` flag, a surrogate range matches only surrogates that are not part of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const encoder = new TextEncoder();

export function queryEscape(value: string): string {
  const lone = LONE_SURROGATE.exec(value);
  if (lone) {
    // TextEncoder would silently turn it into U+FFFD, which Go would not: refuse instead.
    throw new Error(
      `queryEscape: the value has a lone UTF-16 surrogate at index ${lone.index}; ` +
      'only well-formed Unicode text can be escaped like Go does. Pass the secret as valid UTF-8.',
    );
  }
  let out = '';
  for (const byte of encoder.encode(value)) {
    const char = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(char)) out += char;
    else if (char === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
