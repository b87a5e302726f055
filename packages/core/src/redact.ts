/**
 * A URL fit for error messages and events: user info and every query value (where tokens travel) are
 * masked, so logs of Lifeline's errors never carry credentials.
 */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = '***';
    if (parsed.password) parsed.password = '***';
    for (const key of new Set(parsed.searchParams.keys())) parsed.searchParams.set(key, '***');
    return parsed.href;
  } catch {
    return url;
  }
}
