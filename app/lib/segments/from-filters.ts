/**
 * The customers list's filters as a rule (client-safe). The list is served through the rule compiler
 * (server/customers/customer-list.service.ts): its filters become this rule, so the list, "save as segment" and
 * the dashboards' click-throughs (RFM cell, lifecycle stage, a store's due customers, a clerk's customers) share
 * one code path. The list's search box is not a segment condition and is left out of the rule. The list's clerk
 * filter is the main serving clerk of the metrics (as the Stores & clerks dashboard counts), the rule field
 * `serving_clerk`.
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
  /** Member data: level (exact), birthday in the next N days, points at least, opted out of marketing, register store. */
  level?: string;
  birthday?: number;
  points_min?: number;
  opt_out?: boolean;
  reg_store?: string;
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
  if (f.clerk) c.push({ field: 'serving_clerk', op: 'in', value: [f.clerk] });
  if (f.first_from) c.push({ field: 'first_purchase_day', op: 'gte', value: f.first_from });
  if (f.first_to) c.push({ field: 'first_purchase_day', op: 'lte', value: f.first_to });
  if (f.tag) c.push({ field: 'tags', op: 'has_any', value: [f.tag] });
  if (f.level) c.push({ field: 'member_level', op: 'eq', value: f.level });
  if (f.birthday) c.push({ field: 'birthday', op: 'in_next_days', value: f.birthday });
  if (f.points_min !== undefined) c.push({ field: 'member_points', op: 'gte', value: f.points_min });
  if (f.opt_out !== undefined) c.push({ field: 'marketing_opt_out', op: 'eq', value: f.opt_out });
  if (f.reg_store) c.push({ field: 'registered_store', op: 'in', value: [f.reg_store] });
  return { all: c.map((x) => ({ any: [x] })), none: [] };
}

/** A link to the builder that opens with this rule. */
export function newSegmentHref(rule: Rule, name?: string): string {
  const p = new URLSearchParams({ rule: JSON.stringify(rule) });
  if (name) p.set('name', name);
  return `/segments/new?${p.toString()}`;
}
