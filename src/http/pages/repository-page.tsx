import type { FC } from 'hono/jsx';
import type { OutcomesReport } from '../../metrics/outcomes-report.js';
import type { DurabilityReport } from '../../metrics/durability-report.js';
import { rangeQuery, ChartData, RangePicker, type OrgPageFrame } from './components.js';
import { Layout } from './layout.js';
import { outcomesChart, OutcomesSection } from './outcomes-section.js';
import { durabilityChart, DurabilitySection } from './durability-section.js';

/* One repository: its Outcomes and Durability (the API's `outcomes?repository=`, `durability?repository=`). Spend is not known per repository. */

export interface RepositoryPageProps extends OrgPageFrame {
  repository: string;
  processedAt: string | null;
  outcomes: OutcomesReport;
  durability?: DurabilityReport | undefined;
}

export const RepositoryPage: FC<RepositoryPageProps> = (p) => (
  <Layout title={p.repository} viewer={p.viewer} org={{ login: p.org, role: p.role, section: 'repositories', query: rangeQuery(p.range) }} charts>
    <h1>{p.repository}</h1>
    <RangePicker path={`/orgs/${p.org}/repositories/${p.repository}`} preset={p.preset} startDate={p.range.startDate} endDate={p.range.endDate} processedAt={p.processedAt} />
    <OutcomesSection report={p.outcomes} chartId="repository-outcomes" spend={false} who={p.repository} />
    {p.durability ? <DurabilitySection report={p.durability} chartId="repository-durability" who={p.repository} /> : null}
    <ChartData specs={{ 'repository-outcomes': outcomesChart(p.outcomes), ...(p.durability ? { 'repository-durability': durabilityChart(p.durability) } : {}) }} />
  </Layout>
);
