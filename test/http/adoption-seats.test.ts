import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { allowUnusedNockMocks } from '../helpers/nock-rules.js';
import { ORG_MEMBERS, startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';

/* Adoption tiles say "of N seats" where the seat count is known (here acme's GitHub member count). */

let app: AppServer;
let cleanup: () => Promise<void>;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
}, 60_000);
afterAll(() => cleanup());
allowUnusedNockMocks('access_tokens');

const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
const tileNote = (html: string, metric: string) => text(html.match(new RegExp(`data-metric="${metric.replace('.', '\\.')}"[\\s\\S]*?</div>`))![0]);

describe('adoption tiles', () => {
  it('the active users tiles of the overview say of how many seats', async () => {
    nockInstallationTokenAnyTimes();
    const cookie = await signIn(app.http, { login: 'olivia', id: 4300 });
    nockOrgMembership('acme', 'olivia', 'admin');
    const res = await app.http.request(`/orgs/acme?${RANGE}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const metric of ['claude_code.active_users', 'usage.daily_active_users', 'usage.weekly_active_users', 'usage.monthly_active_users']) {
      expect([metric, tileNote(html, metric)]).toEqual([metric, expect.stringContaining(`of ${ORG_MEMBERS} seats`)]);
    }
  });
});
