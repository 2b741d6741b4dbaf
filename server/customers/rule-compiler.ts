/**
 * The compiler from a segment rule (app/lib/segments/rule.ts) to one parameterised SQL predicate over
 * `customers c` left-joined to `customer_metrics cm`, inside the viewer's scope (server/customers/scope.ts) and
 * under RLS (the statement runs in the caller's withTenant transaction).
 *
 * Compiling is async only to check and resolve references before the statement runs: store/region codes, clerk
 * userids, tag and group-chat names become ids (inside the viewer's scope: a manager cannot name another region's
 * store), saved segments are inlined ("in segment X", cycles refused). Every refusal names the condition.
 *
 * Semantics (docs in the catalogue's hints):
 * - dates count back from D, the reference day of the tenant's metrics (analytics_state.as_of; today before the
 *   first refresh); order windows are local calendar days (orders.paid_day), both ends included, never after D;
 * - WeCom fields are per customer over all their relations: a tag counts when any open relation carries it or it
 *   is an internal tag ("has all of A and B" holds when clerk 1 tagged A and clerk 2 tagged B);
 * - negations (not in, has none, the exclusion group, not in segment) hold for customers without the data.
 *
 * Set-based (docs/decisions/0011-set-based-rule-compilation.md): every condition over other rows (relations,
 * tags, orders, identities, members) is an EXISTS over the set of matching customer ids — never a scalar subquery
 * per customer. A per-customer aggregate (orders or spend in a window, clerks) is an EXISTS over one GROUP BY …
 * HAVING of the window's rows; when the comparison also holds for customers without rows (`orders lt 3`) it is the
 * NOT EXISTS of the complement. EXISTS is never NULL, so negations need no coalesce: a condition alone in its group,
 * or in the exclusion group, stays at the top level of the WHERE where PostgreSQL turns it into a hash semi- or
 * anti-join (one pass over the set); inside an OR the planner still picks a hashed subplan or per-row probes.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { conditionsOf, fieldDef, parseRule, type Condition, type Rule, type RelationState, type RuleWindow } from '../../app/lib/segments/rule';
import { addDays } from '../analytics/lifecycle';
import { ValidationError } from '../lib/errors';
import type { Actor } from '../tenancy/actor';
import type { Tx } from '../tenancy/context';
import { customerScopeSql, storeScopeSql } from './scope';

type Pred = RawBuilder<SqlBool>;

/** A saved segment as the compiler needs it (loaded by the segments repository). */
export interface SegmentRef {
  id: string;
  name: string;
  kind: 'dynamic' | 'static';
  rule: unknown;
  /** A job still owes the segment its members: a static one has none yet, so it is refused, not read as empty. */
  filling?: boolean;
}

export interface CompileContext {
  trx: Tx;
  actor: Actor;
  /** Loads a saved segment for "in segment X"; without it segment conditions are refused. */
  loadSegment?: (id: string) => Promise<SegmentRef | null>;
  /** The reference day and the tenant's zone when the caller has read them (see referenceDay): one query fewer. */
  reference?: { d: string; tz: string };
}

export interface CompiledRule {
  /** The whole WHERE: tenant, not merged, viewer's scope and the rule, over `c` and `cm`. */
  where: Pred;
  /** Reference day D (YYYY-MM-DD). */
  refDay: string;
}

/** FROM clause every compiled predicate is written against. */
export const RULE_FROM = sql`customers c left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id`;

interface Env {
  ctx: CompileContext;
  t: string;
  d: string;
  tz: string;
  /** Segments being compiled (cycle detection). */
  stack: string[];
  issues: string[];
}

/** Compiles a rule (unparsed JSON) or throws a ValidationError whose message names each bad condition. */
export async function compileRule(ctx: CompileContext, input: unknown, opts: { segmentId?: string } = {}): Promise<CompiledRule> {
  const { d, tz } = ctx.reference ?? (await referenceDay(ctx.trx, ctx.actor));
  const env: Env = { ctx, t: ctx.actor.tenantId, d, tz, stack: opts.segmentId ? [opts.segmentId] : [], issues: [] };
  const pred = await compileParsed(env, input, '');
  if (env.issues.length) throw new ValidationError(env.issues.join('; '), env.issues.map((message) => ({ message })));
  const where = sql<SqlBool>`c.tenant_id = ${env.t}::uuid and c.merged_into is null and ${customerScopeSql(ctx.actor, 'c.id', 'c.primary_store_id')} and ${pred}`;
  return { where, refDay: d };
}

/** D and the tenant's zone: the metrics' reference day, or the tenant's today before any refresh. */
export async function referenceDay(trx: Tx, actor: Actor): Promise<{ d: string; tz: string }> {
  const r = await sql<{ d: string; tz: string }>`
    select coalesce((select s.as_of from analytics_state s where s.tenant_id = t.id), (now() at time zone t.timezone)::date)::text as d, t.timezone as tz
    from tenants t where t.id = ${actor.tenantId}::uuid`.execute(trx);
  const row = r.rows[0];
  if (!row) throw new Error('tenant not found');
  return row;
}

async function compileParsed(env: Env, input: unknown, prefix: string): Promise<Pred> {
  const parsed = parseRule(input);
  if (!parsed.ok) {
    env.issues.push(...parsed.issues.map((i) => prefix + i.message));
    return sql<SqlBool>`false`;
  }
  return compileRuleTree(env, parsed.rule, prefix);
}

async function compileRuleTree(env: Env, rule: Rule, prefix: string): Promise<Pred> {
  const named = new Map(conditionsOf(rule).map((x) => [x.cond, x.path]));
  const one = async (c: Condition) => {
    const path = named.get(c)!;
    try {
      return await condition(env, c);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      env.issues.push(`${prefix}${path} (${c.field} ${c.op}): ${e.message}`);
      return sql<SqlBool>`false`;
    }
  };
  // Compiled in the rule's order (so are its issues), evaluated cheapest first (costOf).
  const groups: Costed[] = [];
  for (const g of rule.all) {
    const ors: Costed[] = [];
    for (const c of g.any) ors.push({ p: await one(c), cost: costOf(c) });
    groups.push({ p: sql<SqlBool>`(${sql.join(byCost(ors).map((x) => x.p), sql` or `)})`, cost: Math.max(...ors.map((x) => x.cost)) });
  }
  const none: Costed[] = [];
  for (const c of rule.none) none.push({ p: not(await one(c)), cost: costOf(c) });
  const all = [...byCost(groups), ...byCost(none)].map((x) => x.p);
  return all.length ? sql<SqlBool>`(${sql.join(all, sql` and `)})` : sql<SqlBool>`true`;
}

type Costed = { p: Pred; cost: number };

/**
 * What a condition costs per customer, for the order in which AND and OR evaluate them: a column of the customer or
 * their metrics (0), a lookup by key in another table (1), an aggregate over the window's orders (2). AND and OR
 * are commutative in SQL (NULLs included), but an aggregate's FILTER (the builder's estimate) and a per-row check
 * evaluate them as written, stopping at the first that decides: cheap ones first spare the lookups.
 */
function costOf(c: Condition): number {
  const f = fieldDef(c.field);
  if (!f) return 1;
  if (f.category === 'metrics' || f.category === 'member' || c.field === 'store' || c.field === 'gender') return 0;
  return f.category === 'orders' ? 2 : 1;
}

/** Cheapest first (a stable sort: equal costs keep the rule's order). */
const byCost = (xs: readonly Costed[]): Costed[] => [...xs].sort((a, b) => a.cost - b.cost);

class ConditionError extends Error {}

/** Predicates that are never NULL (EXISTS, its negation): negated without coalesce, so NOT EXISTS stays an anti-join. */
const neverNull = new WeakSet<Pred>();
function exists(body: RawBuilder<unknown>): Pred {
  const p = sql<SqlBool>`exists (${body})`;
  neverNull.add(p);
  return p;
}
/** NOT, with NULL as false (a customer without the data is "not"). */
function not(p: Pred): Pred {
  const q = neverNull.has(p) ? sql<SqlBool>`not ${p}` : sql<SqlBool>`not coalesce(${p}, false)`;
  neverNull.add(q);
  return q;
}

// ------------------------------------------------------------------------------------------------ conditions

async function condition(env: Env, c: Condition): Promise<Pred> {
  const f = fieldDef(c.field)!;
  const t = env.t;
  const follows = (extra: RawBuilder<unknown>, open = true) =>
    exists(sql`select 1 from customer_follows f where f.tenant_id = ${t}::uuid and f.customer_id = c.id ${open ? sql`and f.ended_at is null` : sql``} and ${extra}`);
  switch (c.field) {
    case 'store': {
      if (c.op === 'empty') return sql<SqlBool>`c.primary_store_id is null`;
      if (c.op === 'not_empty') return sql<SqlBool>`c.primary_store_id is not null`;
      const ids = await resolveStores(env, c.value as string[]);
      return listOp(c.op, sql<SqlBool>`c.primary_store_id = any(${ids}::uuid[])`);
    }
    case 'region': {
      const inRegion = (ids: string[] | null) =>
        exists(sql`select 1 from stores s where s.tenant_id = ${t}::uuid and s.id = c.primary_store_id and ${ids ? sql`s.region_id = any(${ids}::uuid[])` : sql`s.region_id is not null`}`);
      if (c.op === 'empty') return not(inRegion(null));
      if (c.op === 'not_empty') return inRegion(null);
      return listOp(c.op, inRegion(await resolveRegions(env, c.value as string[])));
    }
    case 'clerk': {
      if (c.op === 'empty' || c.op === 'not_empty') return emptyOp(c.op, follows(sql`true`));
      return listOp(c.op, follows(sql`f.staff_id = any(${await resolveClerks(env, c.value as string[])}::uuid[])`));
    }
    case 'channel':
      return textOp(c, (p) => follows(p(sql`f.state`), false));
    case 'remark':
      return textOp(c, (p) => follows(p(sql`f.remark`), false));
    case 'member_no':
      return textOp(c, (p) => exists(sql`select 1 from customer_identities ci where ci.tenant_id = ${t}::uuid and ci.customer_id = c.id and ci.kind = 'member_no' and ${p(sql`ci.value`)}`));
    case 'wecom_added_at': {
      const day = sql`(f.added_at at time zone ${env.tz})::date`;
      if (c.op === 'empty' || c.op === 'not_empty') return emptyOp(c.op, follows(sql`f.added_at is not null`, false));
      return follows(dateOp(env, c, day), false);
    }
    case 'gender':
      return enumOp(c, sql`c.gender::text`);
    case 'member_level':
      return textOp(c, (p) => sql<SqlBool>`coalesce(${p(sql`c.member_level`)}, false)`);
    case 'member_points':
      return numberOp(c, sql`c.member_points`);
    case 'birthday':
      return birthdayOp(env, c);
    case 'registered_store': {
      if (c.op === 'empty') return sql<SqlBool>`c.registered_store_id is null`;
      if (c.op === 'not_empty') return sql<SqlBool>`c.registered_store_id is not null`;
      return listOp(c.op, sql<SqlBool>`c.registered_store_id = any(${await resolveStores(env, c.value as string[])}::uuid[])`);
    }
    case 'registered_on':
      return c.op === 'empty' || c.op === 'not_empty' ? emptyOp(c.op, sql<SqlBool>`c.registered_on is not null`) : dateOp(env, c, sql`c.registered_on`);
    case 'marketing_opt_out':
      return sql<SqlBool>`c.marketing_opt_out = ${c.value === true}`;
    case 'serving_clerk': {
      if (c.op === 'empty') return sql<SqlBool>`cm.clerk_id is null`;
      if (c.op === 'not_empty') return sql<SqlBool>`cm.clerk_id is not null`;
      return listOp(c.op, sql<SqlBool>`cm.clerk_id = any(${await resolveClerks(env, c.value as string[])}::uuid[])`);
    }
    case 'has_mobile': {
      const identity = exists(sql`select 1 from customer_identities ci where ci.tenant_id = ${t}::uuid and ci.customer_id = c.id and ci.kind = 'mobile'`);
      return c.value === true ? sql<SqlBool>`(c.mobile_masked is not null or ${identity})` : sql<SqlBool>`(c.mobile_masked is null and ${not(identity)})`;
    }
    case 'tags':
      return tagsOp(env, c);
    case 'groups':
      return groupsOp(env, c);
    case 'relation':
      return relationOp(env, c);
    case 'clerk_count':
      return aggregateOp(c, sql`customer_follows f`, sql`f.customer_id`, sql`f.tenant_id = ${t}::uuid and f.ended_at is null`, sql`count(*)`);
    case 'segment':
      return segmentOp(env, c);
    case 'orders':
    case 'spend_fen':
    case 'bought_sku':
    case 'bought_category':
    case 'bought_store':
      return orderOp(env, c);
    default:
      return metricOp(env, c, f.type);
  }
}

const METRIC_EXPR: Record<string, string> = {
  frequency: 'cm.frequency',
  monetary_fen: 'cm.monetary_fen',
  recency_days: 'cm.recency_days',
  aov_fen: 'round(cm.monetary_fen::numeric / nullif(cm.frequency, 0))',
  first_purchase_day: 'cm.first_purchase',
  last_purchase_day: 'cm.last_purchase',
  median_interval_days: 'cm.median_interval_days',
  r_score: 'cm.r_score',
  f_score: 'cm.f_score',
  m_score: 'cm.m_score',
  fm_score: 'cm.fm_score',
  rfm_group: 'cm.rfm_group',
  stage: 'cm.stage',
  due: 'cm.is_due',
  next_purchase_day: 'cm.expected_next_purchase',
  // Under BG/NBD one purchase gives P(alive) = 1 by construction: not a probability (docs/metrics.md).
  p_alive: 'case when cm.frequency >= 2 then cm.p_alive end',
  expected_purchases_90: 'cm.exp_purchases_90',
  predicted_value_fen: 'cm.predicted_value_12m_fen',
};

function metricOp(env: Env, c: Condition, type: string): Pred {
  if (c.field === 'days_overdue') return numberOp(c, sql`case when cm.is_due then ${env.d}::date - cm.expected_next_purchase end`);
  const expr = METRIC_EXPR[c.field];
  if (!expr) throw new ConditionError(`unknown field "${c.field}"`);
  const x = sql.raw(expr);
  if (type === 'date') return c.op === 'empty' || c.op === 'not_empty' ? emptyOp(c.op, sql<SqlBool>`${x} is not null`) : dateOp(env, c, x);
  if (type === 'enum') return enumOp(c, x);
  if (type === 'bool') return sql<SqlBool>`${x} = ${c.value === true}`;
  return numberOp(c, x);
}

/**
 * Month-day keys (month × 100 + day) of the N days from D on, any year. A 29 February birthday is celebrated on
 * 28 February in a common year, so a window over 28 February of a common year includes it.
 */
export function birthdayKeys(d: string, n: number): number[] {
  const keys = new Set<number>();
  for (let i = 0; i < Math.min(n, 366); i++) {
    const day = addDays(d, i);
    const [y, m, dd] = day.split('-').map(Number) as [number, number, number];
    keys.add(m * 100 + dd);
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    if (m === 2 && dd === 28 && !leap) keys.add(229);
  }
  return [...keys].sort((a, b) => a - b);
}

function birthdayOp(env: Env, c: Condition): Pred {
  if (c.op === 'empty' || c.op === 'not_empty') return emptyOp(c.op, sql<SqlBool>`c.birth_month is not null`);
  const keys = birthdayKeys(env.d, c.value as number);
  if (keys.length === 0) return sql<SqlBool>`false`;
  const months = [...new Set(keys.map((k) => Math.floor(k / 100)))];
  return sql<SqlBool>`(c.birth_month = any(${months}::int[]) and c.birth_month * 100 + c.birth_day = any(${keys}::int[]))`;
}

function emptyOp(op: 'empty' | 'not_empty', present: Pred): Pred {
  return op === 'not_empty' ? present : not(present);
}

function listOp(op: string, member: Pred): Pred {
  return op === 'not_in' ? not(member) : member;
}

/** numberOp's comparison evaluated on a number (which customers without rows, aggregate 0, satisfy). */
function comparisonHolds(op: string, value: unknown, x: number): boolean {
  const v = value as number;
  switch (op) {
    case 'eq': return x === Number(v);
    case 'neq': return x !== Number(v);
    case 'gt': return x > v;
    case 'gte': return x >= v;
    case 'lt': return x < v;
    case 'lte': return x <= v;
    case 'between': return x >= (value as [number, number])[0] && x <= (value as [number, number])[1];
    case 'not_empty': return true;
    default: return false;
  }
}

/**
 * A per-customer aggregate (`count(*)`, `coalesce(sum(…), 0)`: 0 for a customer without rows) compared with
 * numberOp, set-based: EXISTS over the customers whose rows' aggregate passes (GROUP BY … HAVING), or, when 0 passes
 * too, NOT EXISTS over those whose aggregate fails. A count compared only with "at least one row" (≥ 1, > 0, < 1,
 * = 0 …) is a plain EXISTS / NOT EXISTS over the rows. `from`/`key`/`where` name the rows without correlating them.
 */
function aggregateOp(c: Condition, from: RawBuilder<unknown>, key: RawBuilder<unknown>, where: RawBuilder<unknown>, agg: RawBuilder<unknown>, isCount = true): Pred {
  if (c.op === 'empty') return sql<SqlBool>`false`;
  if (c.op === 'not_empty') return sql<SqlBool>`true`;
  const atZero = comparisonHolds(c.op, c.value, 0);
  const monotonic = ['gt', 'gte', 'lt', 'lte'].includes(c.op) || ((c.op === 'eq' || c.op === 'neq') && Number(c.value) === 0);
  if (isCount && monotonic && comparisonHolds(c.op, c.value, 1) !== atZero && comparisonHolds(c.op, c.value, 1) === comparisonHolds(c.op, c.value, 2 ** 40)) {
    const any = exists(sql`select 1 from ${from} where ${where} and ${key} = c.id`);
    return atZero ? not(any) : any;
  }
  const test = numberOp(c, agg);
  const passing = (having: RawBuilder<unknown>) =>
    exists(sql`select 1 from (select ${key} as customer_id from ${from} where ${where} and ${key} is not null group by ${key} having ${having}) x where x.customer_id = c.id`);
  return atZero ? not(passing(sql`not (${test})`)) : passing(test);
}

/**
 * A number parameter typed so the column is not cast: a whole number as bigint (int, bigint and float columns
 * compare with it as they are, so their statistics and indexes apply), a fraction as numeric.
 */
const num = (v: unknown) => (Number.isInteger(v) ? sql`${v}::bigint` : sql`${v}::numeric`);

function numberOp(c: Condition, x: RawBuilder<unknown>): Pred {
  const v = c.value;
  switch (c.op) {
    case 'eq': return sql<SqlBool>`${x} = ${num(v)}`;
    case 'neq': return sql<SqlBool>`${x} <> ${num(v)}`;
    case 'gt': return sql<SqlBool>`${x} > ${num(v)}`;
    case 'gte': return sql<SqlBool>`${x} >= ${num(v)}`;
    case 'lt': return sql<SqlBool>`${x} < ${num(v)}`;
    case 'lte': return sql<SqlBool>`${x} <= ${num(v)}`;
    case 'between': {
      const [a, b] = v as [number, number];
      return sql<SqlBool>`${x} between ${num(a)} and ${num(b)}`;
    }
    case 'empty': return sql<SqlBool>`${x} is null`;
    case 'not_empty': return sql<SqlBool>`${x} is not null`;
    default: throw new ConditionError(`operator ${c.op} does not apply`);
  }
}

/** [from, to] local days of a relative-date operator (null = open end). */
function relativeRange(d: string, op: string, v: unknown): [string | null, string | null] | null {
  switch (op) {
    case 'in_last_days': return [addDays(d, -((v as number) - 1)), d];
    case 'more_than_days_ago': return [null, addDays(d, -(v as number) - 1)];
    case 'between_days_ago': return [addDays(d, -(v as [number, number])[1]), addDays(d, -(v as [number, number])[0])];
    case 'in_next_days': return [d, addDays(d, (v as number) - 1)];
    default: return null;
  }
}

function dateOp(env: Env, c: Condition, x: RawBuilder<unknown>): Pred {
  const range = relativeRange(env.d, c.op, c.value);
  if (range) {
    const [a, b] = range;
    if (c.op === 'in_last_days' || c.op === 'in_next_days') if ((c.value as number) < 1) return sql<SqlBool>`false`;
    return sql<SqlBool>`(${a ? sql`${x} >= ${a}::date` : sql`true`} and ${b ? sql`${x} <= ${b}::date` : sql`true`})`;
  }
  const v = c.value;
  switch (c.op) {
    case 'eq': return sql<SqlBool>`${x} = ${v}::date`;
    case 'gt': return sql<SqlBool>`${x} > ${v}::date`;
    case 'gte': return sql<SqlBool>`${x} >= ${v}::date`;
    case 'lt': return sql<SqlBool>`${x} < ${v}::date`;
    case 'lte': return sql<SqlBool>`${x} <= ${v}::date`;
    case 'between': {
      const [a, b] = v as [string, string];
      return sql<SqlBool>`${x} between ${a}::date and ${b}::date`;
    }
    default: throw new ConditionError(`operator ${c.op} does not apply`);
  }
}

function enumOp(c: Condition, x: RawBuilder<unknown>): Pred {
  switch (c.op) {
    case 'eq': return sql<SqlBool>`${x} = ${String(c.value)}`;
    case 'neq': return sql<SqlBool>`${x} <> ${String(c.value)}`;
    case 'in': return sql<SqlBool>`${x} = any(${(c.value as unknown[]).map(String)}::text[])`;
    case 'not_in': return sql<SqlBool>`not coalesce(${x} = any(${(c.value as unknown[]).map(String)}::text[]), false)`;
    case 'empty': return sql<SqlBool>`${x} is null`;
    case 'not_empty': return sql<SqlBool>`${x} is not null`;
    default: throw new ConditionError(`operator ${c.op} does not apply`);
  }
}

/**
 * Text over a set of rows (relations, identities): positive operators hold when any row matches, negative ones
 * (neq, not in, not contains) when none does; empty = no row with a value.
 */
function textOp(c: Condition, exists: (p: (col: RawBuilder<unknown>) => RawBuilder<unknown>) => Pred): Pred {
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  const v = c.value;
  switch (c.op) {
    case 'eq': return exists((col) => sql`${col} = ${v}`);
    case 'neq': return sql<SqlBool>`not ${exists((col) => sql`${col} = ${v}`)}`;
    case 'in': return exists((col) => sql`${col} = any(${v}::text[])`);
    case 'not_in': return sql<SqlBool>`not ${exists((col) => sql`${col} = any(${v}::text[])`)}`;
    case 'contains': return exists((col) => sql`${col} ilike ${like(String(v))}`);
    case 'not_contains': return sql<SqlBool>`not ${exists((col) => sql`${col} ilike ${like(String(v))}`)}`;
    case 'empty': return sql<SqlBool>`not ${exists((col) => sql`nullif(${col}, '') is not null`)}`;
    case 'not_empty': return exists((col) => sql`nullif(${col}, '') is not null`);
    default: throw new ConditionError(`operator ${c.op} does not apply`);
  }
}

/** Tag ids by where they live: WeCom tags on the relations (`tag_ids`), internal tags in customer_internal_tags. */
interface TagIds {
  wecom: string[];
  internal: string[];
}

/**
 * "Carries one of the tags", one EXISTS per table that holds some of them (a WeCom tag on any open relation, any
 * clerk; an internal tag): a rule naming only WeCom tags is one semi-join on the relations. `null` = any tag.
 */
function tagSets(t: string, ids: TagIds | null): Pred[] {
  const sets: Pred[] = [];
  if (!ids || ids.wecom.length) {
    const carries = ids ? sql`f.tag_ids && ${ids.wecom}::uuid[]` : sql`cardinality(f.tag_ids) > 0`;
    sets.push(exists(sql`select 1 from customer_follows f where f.tenant_id = ${t}::uuid and f.customer_id = c.id and f.ended_at is null and ${carries}`));
  }
  if (!ids || ids.internal.length) {
    sets.push(exists(sql`select 1 from customer_internal_tags it where it.tenant_id = ${t}::uuid and it.customer_id = c.id ${ids ? sql`and it.tag_id = any(${ids.internal}::uuid[])` : sql``}`));
  }
  return sets;
}

/** Any of the sets (OR), never NULL. */
function anyOf(sets: Pred[]): Pred {
  if (sets.length === 1) return sets[0]!;
  const p = sets.length ? sql<SqlBool>`(${sql.join(sets, sql` or `)})` : sql<SqlBool>`false`;
  neverNull.add(p);
  return p;
}

/** None of the sets, written as NOT EXISTS … AND NOT EXISTS … (each an anti-join), not NOT (… OR …). */
function noneOf(sets: Pred[]): Pred {
  const p = sets.length ? sql<SqlBool>`(${sql.join(sets.map(not), sql` and `)})` : sql<SqlBool>`true`;
  neverNull.add(p);
  return p;
}

async function tagsOp(env: Env, c: Condition): Promise<Pred> {
  if (c.op === 'empty') return noneOf(tagSets(env.t, null));
  if (c.op === 'not_empty') return anyOf(tagSets(env.t, null));
  const byValue = await resolveTags(env, c.value as string[]);
  if (c.op === 'has_all') return sql<SqlBool>`(${sql.join(byValue.map((ids) => anyOf(tagSets(env.t, ids))), sql` and `)})`;
  const all = { wecom: byValue.flatMap((x) => x.wecom), internal: byValue.flatMap((x) => x.internal) };
  return c.op === 'has_none' ? noneOf(tagSets(env.t, all)) : anyOf(tagSets(env.t, all));
}

async function groupsOp(env: Env, c: Condition): Promise<Pred> {
  const member = (ids: string[] | null) => exists(sql`select 1 from wecom_group_members gm join wecom_group_chats gc on gc.tenant_id = gm.tenant_id and gc.chat_id = gm.chat_id
      where gm.tenant_id = ${env.t}::uuid and gm.customer_id = c.id and gm.left_at is null and gc.dismissed_at is null ${ids ? sql`and gm.chat_id = any(${ids}::text[])` : sql``}`);
  if (c.op === 'empty' || c.op === 'not_empty') return emptyOp(c.op, member(null));
  const ids = await resolveGroups(env, c.value as string[]);
  return c.op === 'has_none' ? not(member(ids)) : member(ids);
}

function relationOp(env: Env, c: Condition): Pred {
  const t = env.t;
  const f = (cond: RawBuilder<unknown>) =>
    exists(sql`select 1 from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id where f.tenant_id = ${t}::uuid and f.customer_id = c.id and ${cond}`);
  // Every relation state of the catalogue (RELATION_STATES), checked by the type.
  const state: Record<RelationState, Pred> = {
    active: f(sql`f.ended_at is null and f.customer_deleted_at is null and s.active`),
    deleted_by_customer: f(sql`f.customer_deleted_at is not null`),
    clerk_left: f(sql`(not s.active or f.end_reason = 'transfer')`),
    ended: f(sql`f.ended_at is not null`),
    none: not(exists(sql`select 1 from customer_follows f where f.tenant_id = ${t}::uuid and f.customer_id = c.id`)),
  };
  const values = c.value as RelationState[];
  const any = values.length === 1 ? state[values[0]!] : sql<SqlBool>`(${sql.join(values.map((v) => state[v]), sql` or `)})`;
  if (values.length > 1) neverNull.add(any);
  return listOp(c.op, any);
}

/** [from, to] of an order window, never after D. */
function windowRange(d: string, w: RuleWindow | undefined): [string | null, string] {
  if (!w) return [null, d];
  if ('last_days' in w) return [addDays(d, -(w.last_days - 1)), d];
  if ('days_ago' in w) return [addDays(d, -w.days_ago[1]), addDays(d, -w.days_ago[0])];
  return [w.since, d];
}

async function orderOp(env: Env, c: Condition): Promise<Pred> {
  const [from, to] = windowRange(env.d, c.window);
  const window = sql`o.tenant_id = ${env.t}::uuid and not o.is_refund and o.amount_fen > 0
    and o.paid_day <= ${to}::date ${from ? sql`and o.paid_day >= ${from}::date` : sql``}`;
  if (c.field === 'orders') return aggregateOp(c, sql`orders o`, sql`o.customer_id`, window, sql`count(*)`);
  if (c.field === 'spend_fen') return aggregateOp(c, sql`orders o`, sql`o.customer_id`, window, sql`coalesce(sum(o.amount_fen), 0)`, false);
  const paid = sql`${window} and o.customer_id = c.id`;
  let bought: Pred;
  if (c.field === 'bought_store') {
    const ids = await resolveStores(env, c.value as string[]);
    bought = exists(sql`select 1 from orders o where ${paid} and o.store_id = any(${ids}::uuid[])`);
  } else {
    const col = sql.raw(c.field === 'bought_sku' ? 'i.sku' : 'i.category');
    bought = exists(sql`select 1 from orders o join order_items i on i.tenant_id = o.tenant_id and i.order_id = o.id where ${paid} and ${col} = any(${c.value as string[]}::text[])`);
  }
  return listOp(c.op, bought);
}

async function segmentOp(env: Env, c: Condition): Promise<Pred> {
  if (!env.ctx.loadSegment) throw new ConditionError('segments cannot be referenced here');
  const preds: Pred[] = [];
  for (const id of c.value as string[]) {
    if (env.stack.includes(id)) {
      throw new ConditionError(`segment cycle refused: ${[...env.stack, id].join(' → ')}`);
    }
    const seg = /^[0-9a-f-]{36}$/i.test(id) ? await env.ctx.loadSegment(id) : null;
    if (!seg) throw new ConditionError(`unknown segment "${id}"`);
    if (seg.kind === 'static') {
      if (seg.filling) throw new ConditionError(`segment "${seg.name}": 成员还在计算中，请稍后再试 / its members are still being computed, try again shortly`);
      preds.push(exists(sql`select 1 from segment_members sm where sm.tenant_id = ${env.t}::uuid and sm.segment_id = ${seg.id}::uuid and sm.customer_id = c.id`));
      continue;
    }
    // A saved rule was checked when saved: its references resolve tenant-wide (a manager counting an ops segment
    // that names another region's store gets 0 there, not a refusal); the viewer's scope applies at the top.
    const inner: Env = { ...env, ctx: { ...env.ctx, actor: { ...env.ctx.actor, storeScope: null } }, stack: [...env.stack, id], issues: [] };
    const p = await compileParsed(inner, seg.rule, `segment "${seg.name}": `);
    if (inner.issues.length) {
      const cycle = inner.issues.find((m) => m.includes('segment cycle refused'));
      throw new ConditionError(cycle ? cycle.slice(cycle.indexOf('segment cycle refused')) : `segment "${seg.name}" has a bad rule: ${inner.issues.join('; ')}`);
    }
    preds.push(p);
  }
  return listOp(c.op, preds.length === 1 ? preds[0]! : sql<SqlBool>`(${sql.join(preds, sql` or `)})`);
}

// ------------------------------------------------------------------------------------------------ references

function missing(values: string[], found: Set<string>, what: string): void {
  const unknown = values.filter((v) => !found.has(v));
  if (unknown.length) throw new ConditionError(`unknown ${what} ${unknown.map((v) => `"${v}"`).join(', ')}`);
}

/** Store ids by id or code, inside the viewer's scope. */
async function resolveStores(env: Env, values: string[]): Promise<string[]> {
  const r = await sql<{ id: string; code: string }>`select id, code from stores s where s.tenant_id = ${env.t}::uuid
    and (s.id::text = any(${values}::text[]) or s.code = any(${values}::text[])) and ${storeScopeSql(env.ctx.actor, 's.id')}`.execute(env.ctx.trx);
  missing(values, new Set(r.rows.flatMap((x) => [x.id, x.code])), 'store');
  return r.rows.map((x) => x.id);
}

async function resolveRegions(env: Env, values: string[]): Promise<string[]> {
  const scope = env.ctx.actor.storeScope;
  const r = await sql<{ id: string; code: string }>`select g.id, g.code from regions g where g.tenant_id = ${env.t}::uuid
    and (g.id::text = any(${values}::text[]) or g.code = any(${values}::text[]))
    ${scope ? sql`and exists (select 1 from stores s where s.tenant_id = g.tenant_id and s.region_id = g.id and ${storeScopeSql(env.ctx.actor, 's.id')})` : sql``}`.execute(env.ctx.trx);
  missing(values, new Set(r.rows.flatMap((x) => [x.id, x.code])), 'region');
  return r.rows.map((x) => x.id);
}

/** Staff by id or WeCom userid; a manager names only clerks of their stores. */
async function resolveClerks(env: Env, values: string[]): Promise<string[]> {
  const scope = env.ctx.actor.storeScope;
  const r = await sql<{ id: string; userid: string | null }>`select s.id, s.wecom_userid as userid from staff s where s.tenant_id = ${env.t}::uuid
    and (s.id::text = any(${values}::text[]) or s.wecom_userid = any(${values}::text[])) ${scope ? sql`and ${storeScopeSql(env.ctx.actor, 's.store_id')}` : sql``}`.execute(env.ctx.trx);
  missing(values, new Set(r.rows.flatMap((x) => (x.userid ? [x.id, x.userid] : [x.id]))), 'clerk');
  return r.rows.map((x) => x.id);
}

/** Per value, the live tags it names (by id, or by name: one name may be a tag in several groups), by kind. */
async function resolveTags(env: Env, values: string[]): Promise<TagIds[]> {
  const r = await sql<{ id: string; name: string; kind: 'wecom' | 'internal' }>`select t.id, t.name, g.kind from tags t
    join tag_groups g on g.tenant_id = t.tenant_id and g.id = t.group_id
    where t.tenant_id = ${env.t}::uuid and t.deleted_at is null and (t.id::text = any(${values}::text[]) or t.name = any(${values}::text[]))`.execute(env.ctx.trx);
  missing(values, new Set(r.rows.flatMap((x) => [x.id, x.name])), 'tag');
  return values.map((v) => {
    const named = r.rows.filter((x) => x.id === v || x.name === v);
    return { wecom: named.filter((x) => x.kind !== 'internal').map((x) => x.id), internal: named.filter((x) => x.kind === 'internal').map((x) => x.id) };
  });
}

async function resolveGroups(env: Env, values: string[]): Promise<string[]> {
  const r = await sql<{ chat_id: string; name: string }>`select chat_id, name from wecom_group_chats where tenant_id = ${env.t}::uuid and dismissed_at is null
    and (chat_id = any(${values}::text[]) or name = any(${values}::text[]))`.execute(env.ctx.trx);
  missing(values, new Set(r.rows.flatMap((x) => [x.chat_id, x.name])), 'group chat');
  return r.rows.map((x) => x.chat_id);
}
