// What the emulator's HTML pages share: escaping and one small page layout. The pages are plain
// server-rendered HTML with a little inline CSS, no script and no external assets.

/** Escapes a string for HTML text and double- or single-quoted attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const BASE_STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1a1f36}
h1{font-size:1.25rem}p{color:#4f566b}
button{padding:.75rem;border-radius:6px;border:1px solid #c1c9d2;font-size:1rem;cursor:pointer}
.primary{background:#635bff;color:#fff;border-color:#635bff}`;

/** A whole page: `title` is escaped here, `body` must already be safe HTML. */
export function layout(title: string, body: string, style = ''): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${BASE_STYLE}
${style}</style></head>
<body>
${body}
</body>
</html>
`;
}
