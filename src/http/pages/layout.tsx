import type { Child, FC } from 'hono/jsx';
import type { WebSession } from '../../db/web-sessions.js';
import type { OrgRole } from '../auth/org-access.js';

/* The frame every metrics page shares: who is signed in, the org's sections, one stylesheet and script. */

export const ASSET_VERSION = '5';

export type Section = 'overview' | 'people' | 'pull-requests' | 'repositories' | 'teams' | 'settings';

export interface LayoutProps {
  title: string;
  viewer?: WebSession | undefined;
  /** `query` is the page's range (`start_date=…&end_date=…`), carried by the links to the other figures pages. */
  org?: { login: string; role: OrgRole; section?: Section | undefined; query?: string | undefined } | undefined;
  narrow?: boolean;
  /** Pages with charts load the chart library. */
  charts?: boolean;
  children?: Child;
}

const sections: { id: Section; label: string; path: string; ownersOnly?: boolean; ranged?: boolean }[] = [
  { id: 'overview', label: 'Overview', path: '', ranged: true },
  { id: 'people', label: 'People', path: '/users', ranged: true },
  { id: 'pull-requests', label: 'Pull requests', path: '/pull-requests', ranged: true },
  { id: 'repositories', label: 'Repositories', path: '/repositories', ranged: true },
  { id: 'teams', label: 'Teams', path: '/teams', ranged: true },
  { id: 'settings', label: 'Settings', path: '/settings', ownersOnly: true },
];

/** The path with the page's range kept, for a page that shows figures of a range. */
const withQuery = (path: string, query: string | undefined) => (query ? `${path}?${query}` : path);

export const Layout: FC<LayoutProps> = ({ title, viewer, org, narrow, charts, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>{org ? `${title} · ${org.login}` : title} · Claude Code contribution metrics</title>
      <link rel="icon" href={`/assets/favicon.svg?v=${ASSET_VERSION}`} type="image/svg+xml" />
      <link rel="stylesheet" href={`/assets/app.css?v=${ASSET_VERSION}`} />
      {charts ? <script src={`/assets/chart.umd.js?v=${ASSET_VERSION}`} defer></script> : null}
      <script src={`/assets/pages.js?v=${ASSET_VERSION}`} defer></script>
    </head>
    <body>
      <header class="top">
        <a class="brand" href={org ? withQuery(`/orgs/${org.login}`, org.query) : '/'}>
          Claude Code metrics{org ? ` · ${org.login}` : ''}
        </a>
        {org ? (
          <nav aria-label="Sections">
            {sections
              .filter((s) => !s.ownersOnly || org.role === 'owner')
              .map((s) => (
                <a href={s.ranged ? withQuery(`/orgs/${org.login}${s.path}`, org.query) : `/orgs/${org.login}${s.path}`} aria-current={org.section === s.id ? 'page' : undefined}>
                  {s.label}
                </a>
              ))}
          </nav>
        ) : null}
        {viewer ? (
          <div class="who">
            <span>
              Signed in as <strong>{viewer.githubLogin}</strong>
            </span>
            <form method="post" action="/auth/sign-out">
              <button type="submit">Sign out</button>
            </form>
          </div>
        ) : null}
      </header>
      <main class={narrow ? 'narrow' : undefined}>{children}</main>
    </body>
  </html>
);

/** A whole page that tells a person one thing and what to do about it. */
export const MessagePage: FC<{ title: string; viewer?: WebSession | undefined; org?: LayoutProps['org']; children?: Child }> = ({ title, viewer, org, children }) => (
  <Layout title={title} viewer={viewer} org={org} narrow>
    <h1>{title}</h1>
    {children}
  </Layout>
);
