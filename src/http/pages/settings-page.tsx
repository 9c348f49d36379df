import type { FC } from 'hono/jsx';
import type { ApiKey } from '../../db/api-keys.js';
import type { IngestToken } from '../../db/ingest-tokens.js';
import type { OrgSettings } from '../../db/org-settings.js';
import type { ProcessingRun } from '../../db/rollups.js';
import type { WebSession } from '../../db/web-sessions.js';
import { TableWrap } from './components.js';
import { Layout } from './layout.js';

/*
 * Owners' settings: who may see the metrics, Claude Code's managed settings for this server,
 * ingest tokens, API keys, identity links and processing. A secret is shown once, on the page
 * the creating form redirects to; revoking one asks first, naming what stops working.
 */

/** A GitHub login as a form's `pattern`: valid in the `v` mode browsers compile patterns in (no bare `-` in a class). */
export const GITHUB_LOGIN_PATTERN = '[A-Za-z0-9](?:[A-Za-z0-9]|-){0,38}';

/** A secret just created, shown this once. */
export interface CreatedSecret {
  kind: 'ingest-token' | 'api-key';
  secret: string;
  forLogin?: string | null | undefined;
}

export interface IdentityLinkRow {
  githubLogin: string;
  kind: 'email' | 'account_uuid' | 'user_id';
  value: string;
  source: string;
  createdAt: string;
}

export interface SettingsPageProps {
  org: string;
  viewer: WebSession | undefined;
  origin: string;
  settings: OrgSettings;
  tokens: IngestToken[];
  keys: ApiKey[];
  links: IdentityLinkRow[];
  runs: ProcessingRun[];
  /** Changes marked and not processed yet (incremental processing). */
  pendingChanges?: number;
  /** A secret just created, shown this once. */
  created?: CreatedSecret | undefined;
  notice?: { text: string; tone: 'ok' | 'bad' } | undefined;
}

/** Claude Code's managed settings pointing at this server: telemetry over OTLP/HTTP and the edit hook. */
export function managedSettings(origin: string, token: string) {
  return {
    env: {
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: origin,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
      OTEL_LOG_TOOL_DETAILS: '1',
    },
    hooks: {
      PostToolUse: [
        {
          matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash',
          hooks: [{ type: 'http', url: `${origin}/hooks/claude-code`, headers: { Authorization: `Bearer ${token}` } }],
        },
      ],
    },
  };
}

const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');

const PostButton: FC<{ action: string; label: string; danger?: boolean; fields?: Record<string, string> }> = ({ action, label, danger, fields = {} }) => (
  <form method="post" action={action}>
    {Object.entries(fields).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    <button type="submit" class={danger ? 'danger' : undefined}>
      {label}
    </button>
  </form>
);

/** Live ingest tokens or API keys: their visible prefix, for whom, when made and last used, and Revoke (which asks first). */
const SecretsTable: FC<{
  kind: 'Token' | 'Key';
  empty: string;
  rows: { id: number; prefix: string; forWhom?: string; createdAt: string; lastUsedAt: string | null }[];
  revokeHref: (id: number) => string;
}> = ({ kind, empty, rows, revokeHref }) => {
  const forColumn = rows.some((r) => r.forWhom !== undefined) || kind === 'Token';
  const columns = forColumn ? 5 : 4;
  return (
    <TableWrap label={kind === 'Token' ? 'Live ingest tokens' : 'Live API keys'}>
      <table>
        <thead>
          <tr>
            <th scope="col">{kind}</th>
            {forColumn ? <th scope="col">For</th> : null}
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Revoke</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colspan={columns} class="muted">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr data-secret={r.prefix}>
                <td>
                  <code>{r.prefix}…</code>
                </td>
                {forColumn ? <td>{r.forWhom}</td> : null}
                <td>{when(r.createdAt)}</td>
                <td>{when(r.lastUsedAt)}</td>
                <td>
                  <a class="button danger" href={revokeHref(r.id)} aria-label={`Revoke ${kind === 'Token' ? 'ingest token' : 'API key'} ${r.prefix}…`}>
                    Revoke
                  </a>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </TableWrap>
  );
};

export const SettingsPage: FC<SettingsPageProps> = ({ org, viewer, origin, settings, tokens, keys, links, runs, pendingChanges = 0, created, notice }) => {
  const base = `/orgs/${org}/settings`;
  const liveTokens = tokens.filter((t) => !t.revokedAt);
  const liveKeys = keys.filter((k) => !k.revokedAt);
  const token = created?.kind === 'ingest-token' ? created.secret : '<ingest token>';
  return (
    <Layout title="Settings" viewer={viewer} org={{ login: org, role: 'owner', section: 'settings' }}>
      <h1>Settings</h1>
      {notice ? (
        <p class={`notice ${notice.tone}`} role="status">
          {notice.text}
        </p>
      ) : null}
      {created ? (
        <div class="notice ok" role="status" data-created={created.kind}>
          <p>
            <strong>{created.kind === 'ingest-token' ? 'New ingest token' : 'New API key'}</strong>
            {created.forLogin ? ` for ${created.forLogin}` : ''}. Copy it now: it is shown only this once and stored only as a hash.
          </p>
          <p class="secret">
            <code id="new-secret">{created.secret}</code>
          </p>
          <button type="button" data-copy="new-secret" hidden>
            Copy
          </button>
        </div>
      ) : null}

      <section class="card" aria-labelledby="access-title">
        <h2 id="access-title">Who can see the metrics</h2>
        <p class="muted">
          Org owners see everything and manage these settings. Members of the teams listed here see the metrics pages; nobody else sees anything of{' '}
          {org}.
        </p>
        <form method="post" action={`${base}/access`}>
          <label>
            Teams (slugs, one per line)
            <textarea name="viewer_teams" rows={3} cols={40}>
              {settings.viewerTeams.join('\n')}
            </textarea>
          </label>
          <p>
            <label style="flex-direction:row;gap:.4rem;align-items:center">
              <input type="checkbox" name="members_see_spend" value="1" checked={settings.membersSeeSpend} />
              These members also see spend
            </label>
          </p>
          <button type="submit" class="primary">
            Save
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="setup-title">
        <h2 id="setup-title">Roll Claude Code out to developers</h2>
        <p>
          Deploy this as Claude Code's managed settings (<code>/etc/claude-code/managed-settings.json</code> on Linux,{' '}
          <code>/Library/Application Support/ClaudeCode/managed-settings.json</code> on macOS, <code>C:\ProgramData\ClaudeCode\managed-settings.json</code>{' '}
          on Windows). It turns on telemetry, sends it here, and sends edits to the hook that lets lines be matched; no code or prompt is stored.
          {created?.kind === 'ingest-token' ? ' It carries the token just created.' : ' Create an ingest token below and put it in place of <ingest token>.'}
        </p>
        <pre>
          <code id="managed-settings">{JSON.stringify(managedSettings(origin, token), null, 2)}</code>
        </pre>
        <button type="button" data-copy="managed-settings" hidden>
          Copy
        </button>
      </section>

      <section class="card" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Ingest tokens</h2>
        <p class="muted">What Claude Code sends telemetry and hook calls with. A personal token also says whose data it is (the strongest identity link).</p>
        <SecretsTable
          kind="Token"
          empty="No ingest tokens yet."
          rows={liveTokens.map((t) => ({ id: t.id, prefix: t.tokenPrefix, forWhom: t.githubLogin ?? 'the whole org', createdAt: t.createdAt, lastUsedAt: t.lastUsedAt }))}
          revokeHref={(id) => `${base}/ingest-tokens/${id}/revoke`}
        />
        <form method="post" action={`${base}/ingest-tokens`} class="row">
          <label>
            GitHub login (optional, for a personal token)
            <input type="text" name="login" pattern={GITHUB_LOGIN_PATTERN} maxlength={39} autocomplete="off" />
          </label>
          <button type="submit" class="primary">
            Create ingest token
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        <p class="muted">
          For analytics pipelines: <code>curl -H "x-api-key: …" {origin}/api/v1/orgs/{org}/summary</code>. See the <a href="/api/docs">API reference</a>.
        </p>
        <SecretsTable
          kind="Key"
          empty="No API keys yet."
          rows={liveKeys.map((k) => ({ id: k.id, prefix: k.keyPrefix, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt }))}
          revokeHref={(id) => `${base}/api-keys/${id}/revoke`}
        />
        <PostButton action={`${base}/api-keys`} label="Create API key" />
      </section>

      <section class="card" aria-labelledby="links-title">
        <h2 id="links-title">Identity links</h2>
        <p class="muted">
          Which GitHub login a Claude Code user is. Most are learned (personal tokens, commits Claude Code made, the <code>github.login</code> attribute,
          matching commit emails); add one here when nothing else can tell. Learned links win over yours.
        </p>
        <TableWrap label="All identity links">
          <table>
            <thead>
              <tr>
                <th scope="col">GitHub login</th>
                <th scope="col">Claude Code user</th>
                <th scope="col">Learned from</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span class="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {links.length === 0 ? (
                <tr>
                  <td colspan={5} class="muted">
                    No identity links yet.
                  </td>
                </tr>
              ) : (
                links.map((l) => (
                  <tr data-link={`${l.kind}:${l.value}`}>
                    <td>{l.githubLogin}</td>
                    <td>
                      {l.kind === 'email' ? '' : `${l.kind.replace('_', ' ')} `}
                      <code>{l.value}</code>
                    </td>
                    <td>{l.source.replace('_', ' ')}</td>
                    <td>{when(l.createdAt)}</td>
                    <td>
                      {l.source === 'admin' ? (
                        <PostButton action={`${base}/identity-links/remove`} label="Remove" danger fields={{ kind: l.kind, value: l.value }} />
                      ) : null}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableWrap>
        <form method="post" action={`${base}/identity-links`} class="row">
          <label>
            Claude Code user
            <select name="kind">
              <option value="email">email</option>
              <option value="account_uuid">account UUID</option>
            </select>
          </label>
          <label>
            Value
            <input type="text" name="value" required />
          </label>
          <label>
            GitHub login
            <input type="text" name="login" required pattern={GITHUB_LOGIN_PATTERN} maxlength={39} autocomplete="off" />
          </label>
          <button type="submit" class="primary">
            Add link
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="runs-title">
        <h2 id="runs-title">Processing</h2>
        <p class="muted">
          What arrives (merged PRs, telemetry, hook calls, identity links) is processed within a minute or two (<code>PROCESS_DELAY_SECONDS</code>); the
          scheduled run recomputes every day of the lookback and counts what it had to change. Process now recomputes them at once.
        </p>
        <p data-pending-changes={pendingChanges}>{pendingChanges === 0 ? 'Nothing is waiting to be processed.' : `${pendingChanges} ${pendingChanges === 1 ? 'change is' : 'changes are'} waiting to be processed.`}</p>
        <PostButton action={`${base}/process`} label="Process now" />
        <TableWrap label="Last processing runs">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Days</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col" class="num">
                  PRs attributed
                </th>
                <th scope="col" class="num" title="Attributions and days whose numbers the run changed">
                  Changes
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.length === 0 ? (
                <tr>
                  <td colspan={7} class="muted">
                    No processing run yet.
                  </td>
                </tr>
              ) : (
                runs.map((r) => (
                  <tr data-run={r.id}>
                    <td>
                      #{r.id} <span class="muted">({r.trigger})</span>
                    </td>
                    <td>
                      {r.fromDay} – {r.toDay}
                    </td>
                    <td title={r.error ?? undefined}>{r.status}</td>
                    <td>{when(r.startedAt)}</td>
                    <td>{when(r.finishedAt)}</td>
                    <td class="num">{r.attributed}</td>
                    <td class="num">{r.corrections ?? '–'}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableWrap>
      </section>
    </Layout>
  );
};

/** What a revoked secret stops, in the owner's words. */
export function whatStopsWorking(secret: { kind: 'ingest-token' | 'api-key'; forLogin: string | null }): string {
  if (secret.kind === 'api-key') return 'Every script, pipeline or dashboard reading the API with this key is refused (401) from then on.';
  if (secret.forLogin) {
    return `Claude Code sending with this personal token (${secret.forLogin}'s telemetry and edit hook calls) is refused from then on, until their managed settings carry a new token.`;
  }
  return 'Claude Code sending with this org token is refused from then on: all telemetry and edit hook calls of every developer whose managed settings carry it stop, until they carry a new token.';
}

/** Asks before revoking a token or key, naming what stops working; nothing received so far is deleted. */
export const RevokeConfirmPage: FC<{
  org: string;
  viewer: WebSession | undefined;
  secret: { kind: 'ingest-token' | 'api-key'; prefix: string; forLogin: string | null; lastUsedAt: string | null };
  action: string;
}> = ({ org, viewer, secret, action }) => {
  const name = secret.kind === 'api-key' ? 'API key' : secret.forLogin ? `personal ingest token for ${secret.forLogin}` : 'org ingest token';
  return (
    <Layout title="Revoke?" viewer={viewer} org={{ login: org, role: 'owner', section: 'settings' }} narrow>
      <h1>
        Revoke the {name} <code>{secret.prefix}…</code>?
      </h1>
      <p class="notice bad" data-stops>
        {whatStopsWorking(secret)}
      </p>
      <p class="muted">
        Last used: {when(secret.lastUsedAt)}. What it already sent stays counted. Revoking cannot be undone; a new one can be created on the settings page.
      </p>
      <form method="post" action={action} class="row">
        <button type="submit" class="danger">
          Revoke it
        </button>
        <a class="button" href={`/orgs/${org}/settings`}>
          Cancel
        </a>
      </form>
    </Layout>
  );
};
