/**
 * A URL fit for error messages and events: user info, every query value and the fragment (where tokens
 * travel) are masked, so logs of Lifeline's errors never carry credentials. A string that does not parse
 * is masked from its first `?` or `#`, and between `//` and `@`.
 */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = '***';
    if (parsed.password) parsed.password = '***';
    for (const key of new Set(parsed.searchParams.keys())) parsed.searchParams.set(key, '***');
    if (parsed.hash) parsed.hash = '***';
    return parsed.href;
  } catch {
    return url.replace(/[?#].*/s, '?***').replace(/\/\/[^/]*@/, '//***@');
  }
}
