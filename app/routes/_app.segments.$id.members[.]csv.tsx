/**
 * Every member of a segment (in the viewer's scope) as CSV: UTF-8 with a BOM for Excel, written by the app's CSV
 * module (app/lib/csv.ts), which neutralises spreadsheet formulas (=, +, -, @) in text cells. Audited. Streamed: a
 * segment of any size is read a chunk at a time, never held in memory whole.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { GROUP_LABELS, STAGE_LABELS } from '~/lib/analytics-labels';
import { csvStream } from '~/lib/csv';
import { requireActor } from '~/lib/guards.server';
import { segmentMembersExport } from '~/lib/segments.server';

const COLUMNS = [
  { key: 'id', label: '客户ID / Customer id' },
  { key: 'name', label: '客户 / Customer' },
  { key: 'mobile', label: '手机 / Mobile' },
  { key: 'store', label: '门店 / Store' },
  { key: 'stage', label: '阶段 / Stage' },
  { key: 'group', label: 'RFM 分组 / RFM group' },
  { key: 'frequency', label: '购买天数 / Purchase days' },
  { key: 'monetary', label: '累计消费（元）/ Net spend (CNY)' },
  { key: 'last', label: '最近购买 / Last purchase' },
  { key: 'due', label: '待回购 / Due' },
];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'segments.view');
  // Checked, counted and audited before the first byte; then streamed from a cursor as the download pulls it.
  const { segment, chunks } = await segmentMembersExport(context.services, actor, params.id ?? '');
  const body = csvStream(COLUMNS, chunks, (r) => ({
    id: r.id,
    name: r.display_name,
    mobile: r.mobile_masked,
    store: r.store,
    stage: r.stage ? (STAGE_LABELS[r.stage]?.[0] ?? r.stage) : null,
    group: r.rfm_group ? (GROUP_LABELS[r.rfm_group]?.[0] ?? r.rfm_group) : null,
    frequency: r.frequency,
    monetary: r.monetary_fen === null ? null : (Number(r.monetary_fen) / 100).toFixed(2),
    last: r.last_purchase,
    due: r.is_due === null ? null : r.is_due ? 1 : 0,
  }));
  const file = `segment-${segment.id.slice(0, 8)}.csv`;
  return new Response(body, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${file}"; filename*=UTF-8''${encodeURIComponent(segment.name)}.csv`, 'Cache-Control': 'no-store' },
  });
}
