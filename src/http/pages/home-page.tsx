import type { FC } from 'hono/jsx';
import type { StoredCounts } from '../../db/overview.js';

/** What the home page shows of one org, only to people who may see that org. */
export interface HomeOrg {
  login: string;
  role: string;
  counts: StoredCounts;
  jobs: { pending: number; running: number; failed: number };
  lastRun: { status: string; finishedAt: string | null; startedAt: string } | undefined;
}

export interface HomePageProps {
  githubConfigured: boolean;
  webhooksUrl: string;
  /** Who is signed in to the metrics pages, and the orgs they may see. */
  viewer?: { login: string; orgs: HomeOrg[] } | undefined;
  signInConfigured: boolean;
}

const styles = `
  :root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --card: #f6f8fa; --accent: #c2570c; --ok: #1a7f37; --warn: #9a6700; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --card: #161b22; --accent: #f0883e; --ok: #3fb950; --warn: #d29922; } }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
  main { max-width: 52rem; margin: 0 auto; padding: 2rem 1rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
  p.lead { color: var(--muted); margin-top: 0; }
  section { background: var(--card); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
  h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
  code, pre { font: 14px/1.4 ui-monospace, monospace; }
  /* Addresses and commands in running text wrap anywhere, so a phone never scrolls sideways. */
  p code, li code { overflow-wrap: anywhere; }
  pre { overflow-x: auto; padding: .75rem; background: var(--bg); border-radius: 6px; }
  dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 0; }
  dt { color: var(--muted); font-size: .85rem; } dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
  .ok { color: var(--ok); } .warn { color: var(--warn); }
`;

/**
 * The first page a person sees: whether the app is connected to GitHub, and what to do next. An
 * org's figures, the webhook address and the last runs are shown only to people who may see that
 * org; signed out, or without access, the page says only how to sign in and what the app is.
 */
export const HomePage: FC<HomePageProps> = ({ githubConfigured, webhooksUrl, viewer, signInConfigured }) => {
  const orgs = viewer?.orgs ?? [];
  return (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>Claude Code contribution metrics</title>
      <style>{styles}</style>
    </head>
    <body>
      <main>
        <h1>Claude Code contribution metrics</h1>
        <p class="lead">
          How much of what your organization ships was written with Claude Code, from GitHub webhooks and Claude
          Code's own telemetry, on your own server.
        </p>

        <section aria-labelledby="pages-title">
          <h2 id="pages-title">Metrics pages</h2>
          {viewer ? (
            <>
              <p>
                Signed in as <strong>{viewer.login}</strong>.{' '}
                {viewer.orgs.length === 0 ? 'None of the organizations this app is installed on shows you its metrics.' : 'Your organizations:'}
              </p>
              {viewer.orgs.length > 0 ? (
                <ul>
                  {viewer.orgs.map((o) => (
                    <li>
                      <a href={`/orgs/${o.login}`}>{o.login}</a> <span class="muted">({o.role})</span>
                    </li>
                  ))}
                </ul>
              ) : null}
              <form method="post" action="/auth/sign-out">
                <button type="submit">Sign out</button>
              </form>
            </>
          ) : signInConfigured ? (
            <p>
              <a href="/auth/sign-in">Sign in with GitHub</a> to see your organization's metrics (owners of the organization, and members of the
              teams they choose).
            </p>
          ) : (
            <p class="warn">
              Sign-in is not set up: set <code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code> (the GitHub App's OAuth client); see{' '}
              <a href="/auth/sign-in">what to do</a>.
            </p>
          )}
        </section>

        <section aria-labelledby="github-status">
          <h2 id="github-status">GitHub App</h2>
          {githubConfigured ? (
            <p class="ok">
              Connected.{orgs.length > 0 ? <> GitHub delivers webhooks to <code>{webhooksUrl}</code>.</> : null}
            </p>
          ) : (
            <>
              <p class="warn">Not configured yet: webhooks are refused until the app has its GitHub credentials.</p>
              <ol>
                <li>
                  Register a GitHub App from <code>app.yml</code> (its permissions and events), with the webhook URL{' '}
                  <code>{webhooksUrl}</code>.
                </li>
                <li>
                  Set <code>APP_ID</code>, <code>PRIVATE_KEY</code> (or <code>PRIVATE_KEY_PATH</code>) and{' '}
                  <code>WEBHOOK_SECRET</code> in the environment or in <code>.env</code> (see <code>.env.example</code>).
                </li>
                <li>Restart the server and install the app on your organization.</li>
              </ol>
            </>
          )}
        </section>

        {orgs.map((org) => (
          <section aria-labelledby={`org-${org.login}`} data-org={org.login}>
            <h2 id={`org-${org.login}`}>
              <a href={`/orgs/${org.login}`}>{org.login}</a>: recorded so far
            </h2>
            <dl>
              <div>
                <dt>Repositories</dt>
                <dd data-count="repositories">{org.counts.repositories}</dd>
              </div>
              <div>
                <dt>Pull requests</dt>
                <dd data-count="pull_requests">{org.counts.pullRequests}</dd>
              </div>
              <div>
                <dt>Merged</dt>
                <dd data-count="merged_pull_requests">{org.counts.mergedPullRequests}</dd>
              </div>
              <div>
                <dt>Commits</dt>
                <dd data-count="commits">{org.counts.commits}</dd>
              </div>
            </dl>
            <p>
              GitHub fetches waiting: {org.jobs.pending + org.jobs.running}
              {org.jobs.failed > 0 ? <span class="warn"> · failed for good: {org.jobs.failed}</span> : null}
            </p>
            <p>
              {org.lastRun
                ? `Last processing run: ${org.lastRun.status}, ${org.lastRun.finishedAt ?? `started ${org.lastRun.startedAt}`}.`
                : 'No processing run yet: it runs daily, or now with `npm run cli -- process`.'}
            </p>
          </section>
        ))}

        <section aria-labelledby="api">
          <h2 id="api">API</h2>
          <p>
            The metrics API and its reference: <a href="/api/docs">/api/docs</a>. Keys: <code>npm run cli -- keys create --org ORG</code>.
          </p>
        </section>

        <section aria-labelledby="health">
          <h2 id="health">Health</h2>
          <p>
            <a href="/healthz">/healthz</a> answers <code>{'{"status":"ok"}'}</code> while the database is reachable.
          </p>
        </section>
      </main>
    </body>
  </html>
  );
};
