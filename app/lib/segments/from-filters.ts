/**
 * "Save as segment" from the customers list: its current filters as a rule (client-safe). The list's search box
 * is not a segment condition and is left out. The list's clerk filter is the metrics' serving clerk; the rule's
 * clerk condition is any clerk with an open relation (a customer served by two clerks matches both).
 */
import type { Condition, Rule } from './rule';

export interface ListFilters {
  stage?: string;
  group?: string;
  r?: number;
  fm?: number;
  store?: string;
  region?: string;
  due?: boolean;
  clerk?: string;
  first_from?: string;
  first_to?: string;
  tag?: string;
}

export function ruleFromCustomerFilters(f: ListFilters): Rule {
  const c: Condition[] = [];
  if (f.stage) c.push({ field: 'stage', op: 'eq', value: f.stage });
  if (f.group) c.push({ field: 'rfm_group', op: 'eq', value: f.group });
  if (f.r) c.push({ field: 'r_score', op: 'eq', value: f.r });
  if (f.fm) c.push({ field: 'fm_score', op: 'eq', value: f.fm });
  if (f.store) c.push({ field: 'store', op: 'in', value: [f.store] });
  if (f.region) c.push({ field: 'region', op: 'in', value: [f.region] });
  if (f.due !== undefined) c.push({ field: 'due', op: 'eq', value: f.due });
  if (f.clerk) c.push({ field: 'clerk', op: 'in', value: [f.clerk] });
  if (f.first_from) c.push({ field: 'first_purchase_day', op: 'gte', value: f.first_from });
  if (f.first_to) c.push({ field: 'first_purchase_day', op: 'lte', value: f.first_to });
  if (f.tag) c.push({ field: 'tags', op: 'has_any', value: [f.tag] });
  return { all: c.map((x) => ({ any: [x] })), none: [] };
}

/** A link to the builder that opens with this rule. */
export function newSegmentHref(rule: Rule, name?: string): string {
  const p = new URLSearchParams({ rule: JSON.stringify(rule) });
  if (name) p.set('name', name);
  return `/segments/new?${p.toString()}`;
}
