// Method + path matching with `:name` segments. Static paths are a map lookup; patterns are tried
// in registration order (few per method), so matching stays cheap on the hot path.
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

interface Pattern<H> {
  segments: string[];
  handler: H;
}

export interface Match<H> {
  handler: H;
  pathParams: Record<string, string>;
  /** The registered pattern, e.g. `/v1/customers/:id` (for idempotency scoping and logs). */
  pattern: string;
}

export class Router<H> {
  private readonly exact = new Map<string, H>();
  private readonly patterns = new Map<HttpMethod, Array<Pattern<H>>>();

  add(method: HttpMethod, pattern: string, handler: H): void {
    if (!pattern.includes('/:')) {
      const key = `${method} ${pattern}`;
      if (this.exact.has(key)) throw new Error(`emulator: route ${key} registered twice`);
      this.exact.set(key, handler);
      return;
    }
    const list = this.patterns.get(method) ?? [];
    if (list.some((p) => p.segments.join('/') === pattern.split('/').join('/'))) {
      throw new Error(`emulator: route ${method} ${pattern} registered twice`);
    }
    list.push({ segments: pattern.split('/'), handler });
    this.patterns.set(method, list);
  }

  match(method: string, path: string): Match<H> | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact !== undefined) return { handler: exact, pathParams: {}, pattern: path };
    const list = this.patterns.get(method as HttpMethod);
    if (!list) return undefined;
    const parts = path.split('/');
    outer: for (const p of list) {
      if (p.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const seg = p.segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith(':')) {
          if (part === '') continue outer;
          const decoded = safeDecode(part);
          if (decoded === null) continue outer;
          params[seg.slice(1)] = decoded;
        } else if (seg !== part) continue outer;
      }
      return { handler: p.handler, pathParams: params, pattern: p.segments.join('/') };
    }
    return undefined;
  }

  /** Whether any method serves this path (for 404 vs 405-style messages). */
  hasPath(path: string): boolean {
    for (const m of ['GET', 'POST', 'DELETE'] as const) if (this.match(m, path)) return true;
    return false;
  }
}

/** A malformed percent-encoding in a path segment means "no such route", not a crash. */
function safeDecode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}
