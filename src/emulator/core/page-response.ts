// A non-JSON answer from a control route: an HTML page or a redirect. The HTTP server writes it as
// is (status, headers, body) instead of serializing it as JSON.

export class PageResponse {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {}

  static html(body: string, status = 200): PageResponse {
    return new PageResponse(status, body, { 'Content-Type': 'text/html; charset=utf-8' });
  }

  /** 303 See Other, so a browser follows a form POST with a GET. */
  static redirect(location: string): PageResponse {
    return new PageResponse(303, '', { Location: location, 'Content-Type': 'text/plain; charset=utf-8' });
  }
}
