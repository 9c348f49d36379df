import type { FC } from 'hono/jsx';

/*
 * A readable reference of the metrics API, rendered on the server from the same OpenAPI document
 * the API serves: it works with no internet access and cannot drift from the API.
 */

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: { type?: string; default?: unknown; enum?: unknown[] };
}
interface Operation {
  /** Anthropic's paths name their own server (`/v1/organizations`). */
  servers?: { url: string }[];
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
export interface OpenApiDocument {
  info: { title: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, { properties?: Record<string, { type?: string | string[]; description?: string }> }> };
}

const styles = `
  :root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --card: #f6f8fa; --line: #d1d9e0; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --card: #161b22; --line: #3d444d; } }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
  /* Long field names and paths wrap anywhere, so a phone never scrolls sideways. */
  td, p, code { overflow-wrap: anywhere; }
  main { max-width: 60rem; margin: 0 auto; padding: 2rem 1rem; }
  section { background: var(--card); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
  h2 { font: 600 1rem ui-monospace, monospace; margin: 0 0 .25rem; overflow-wrap: anywhere; }
  code { font: 13px ui-monospace, monospace; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
  th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; }
  .muted { color: var(--muted); }
`;

const refName = (ref: string | undefined) => ref?.split('/').at(-1);

export const ApiDocsPage: FC<{ doc: OpenApiDocument }> = ({ doc }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{doc.info.title}</title>
      <style>{styles}</style>
    </head>
    <body>
      <main>
        <h1>{doc.info.title}</h1>
        <p>{doc.info.description}</p>
        <p>
          Every route is under <code>/api/v1</code> and needs an API key (<code>npm run cli -- keys create --org ORG</code>) sent as{' '}
          <code>x-api-key</code> or <code>Authorization: Bearer</code>. Errors answer{' '}
          <code>{'{"error": {"type", "message"}}'}</code>. The machine-readable document is{' '}
          <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. The same reports also answer at Anthropic’s own paths under{' '}
          <code>/v1/organizations</code>, in Anthropic’s shapes and error envelope <code>{'{"type": "error", "error": {"type", "message"}}'}</code>,
          for Anthropic’s SDKs: the key decides the org.
        </p>
        {Object.entries(doc.paths).map(([path, methods]) =>
          Object.entries(methods).map(([method, op]) => (
            <section>
              <h2>
                {method.toUpperCase()} {op.servers?.[0]?.url ?? '/api/v1'}
                {path}
              </h2>
              <p>{op.summary}</p>
              {op.description ? <p class="muted">{op.description}</p> : null}
              {op.parameters && op.parameters.length > 0 ? (
                <table>
                  <caption class="muted">Parameters</caption>
                  <thead>
                    <tr>
                      <th scope="col">name</th>
                      <th scope="col">in</th>
                      <th scope="col">meaning</th>
                    </tr>
                  </thead>
                  <tbody>
                    {op.parameters.map((p) => (
                      <tr>
                        <td>
                          <code>{p.name}</code>
                          {p.required ? ' (required)' : ''}
                        </td>
                        <td>{p.in}</td>
                        <td>
                          {p.description ?? ''}
                          {p.schema?.enum ? ` One of: ${p.schema.enum.join(', ')}.` : ''}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
              <table>
                <caption class="muted">Responses</caption>
                <tbody>
                  {Object.entries(op.responses ?? {}).map(([status, r]) => (
                    <tr>
                      <td>{status}</td>
                      <td>
                        {r.description}
                        {Object.entries(r.content ?? {}).map(([type, c]) => (
                          <span class="muted">
                            {' '}
                            · {type}
                            {refName(c.schema?.$ref) ? ` (${refName(c.schema?.$ref)})` : ''}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )),
        )}
        <h2>Schemas</h2>
        {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
          <section>
            <h2>{name}</h2>
            <table>
              <tbody>
                {Object.entries(schema.properties ?? {}).map(([field, p]) => (
                  <tr>
                    <td>
                      <code>{field}</code>
                    </td>
                    <td class="muted">{Array.isArray(p.type) ? p.type.join(' | ') : (p.type ?? 'object')}</td>
                    <td>{p.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </main>
    </body>
  </html>
);
