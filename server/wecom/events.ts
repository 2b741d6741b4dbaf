/**
 * Callback bodies and event XML (wecom-api.md §8.3 and §8.5).
 *
 * - `parseCallbackEnvelope` reads the POST body (XML `<xml><ToUserName/><Encrypt/><AgentID/></xml>` or the JSON
 *   variant `{tousername, encrypt, agentid}`).
 * - `parseEventXml` turns the decrypted XML into a typed, zod-validated event with a stable `dedupeKey`.
 * - `openCallback` does both plus the signature check and decryption.
 * - `eventToXml` is the inverse, used by the simulator to emit the same XML WeCom sends.
 *
 * Anything authentic that is not one of the handled events (an unknown event or change type, a user's message to
 * the app such as `text` or `enter_agent`, a handled event with fields missing, even a plaintext that is not XML)
 * is returned as `{ event: 'unknown', reason }` (never thrown), so the receiver stores it for inspection, acks it
 * with `success` and WeCom stops retrying. Only an unreadable envelope throws `WecomCallbackParseError`.
 */
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { decryptMessage, type CallbackCryptoConfig, type VerifyOptions } from './crypto';

export class WecomCallbackParseError extends Error {
  override readonly name = 'WecomCallbackParseError';
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  isArray: (tagName) => tagName === 'Item',
});

/** Parses `<xml>…</xml>` into a flat record of its children (strings, or nested records for lists). */
export function parseXmlRecord(xml: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (e) {
    throw new WecomCallbackParseError('malformed XML', e instanceof Error ? e.message : String(e));
  }
  const root = z.object({ xml: z.record(z.string(), z.unknown()) }).safeParse(doc);
  if (!root.success) throw new WecomCallbackParseError('XML has no <xml> root element');
  return root.data.xml;
}

// ---------------------------------------------------------------------------------------------------------------
// Envelope

export interface CallbackEnvelope {
  toUserName: string;
  encrypt: string;
  agentId: string;
  format: 'xml' | 'json';
}

const text = z.union([z.string(), z.number()]).transform((v) => String(v));
const optText = text.optional();

const xmlEnvelopeSchema = z.object({ ToUserName: optText, Encrypt: text, AgentID: optText });
const jsonEnvelopeSchema = z.object({
  tousername: optText,
  ToUserName: optText,
  encrypt: optText,
  Encrypt: optText,
  agentid: optText,
  AgentID: optText,
});

/** Reads the encrypted envelope of a POST callback body (XML, or the JSON variant). */
export function parseCallbackEnvelope(body: string): CallbackEnvelope {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch {
      throw new WecomCallbackParseError('malformed JSON callback body');
    }
    const r = jsonEnvelopeSchema.safeParse(raw);
    const encrypt = r.success ? (r.data.encrypt ?? r.data.Encrypt) : undefined;
    if (!r.success || !encrypt) throw new WecomCallbackParseError('JSON callback body has no encrypt field');
    return { toUserName: r.data.tousername ?? r.data.ToUserName ?? '', encrypt, agentId: r.data.agentid ?? r.data.AgentID ?? '', format: 'json' };
  }
  const r = xmlEnvelopeSchema.safeParse(parseXmlRecord(trimmed));
  if (!r.success) throw new WecomCallbackParseError('XML callback body has no <Encrypt>', r.error.issues);
  return { toUserName: r.data.ToUserName ?? '', encrypt: r.data.Encrypt, agentId: r.data.AgentID ?? '', format: 'xml' };
}

// ---------------------------------------------------------------------------------------------------------------
// Events

export const EXTERNAL_CONTACT_CHANGE_TYPES = [
  'add_external_contact',
  'edit_external_contact',
  'add_half_external_contact',
  'del_external_contact',
  'del_follow_user',
  'transfer_fail',
] as const;
export const EXTERNAL_CHAT_CHANGE_TYPES = ['create', 'update', 'dismiss'] as const;
export const EXTERNAL_CHAT_UPDATE_DETAILS = ['add_member', 'del_member', 'change_owner', 'change_name', 'change_notice'] as const;
export const EXTERNAL_TAG_CHANGE_TYPES = ['create', 'update', 'delete', 'shuffle'] as const;

export type ExternalContactChangeType = (typeof EXTERNAL_CONTACT_CHANGE_TYPES)[number];
export type ExternalChatChangeType = (typeof EXTERNAL_CHAT_CHANGE_TYPES)[number];
export type ExternalChatUpdateDetail = (typeof EXTERNAL_CHAT_UPDATE_DETAILS)[number];
export type ExternalTagChangeType = (typeof EXTERNAL_TAG_CHANGE_TYPES)[number];

const eventBaseSchema = z.object({
  /** corpid (ToUserName; AuthCorpId in the third-party envelope). */
  toUserName: z.string(),
  fromUserName: z.string(),
  /** Seconds since epoch. */
  createTime: z.number(),
  /** Stable across WeCom's retries of the same event; use it as the idempotency key. */
  dedupeKey: z.string(),
});

const externalContactEventSchema = eventBaseSchema.extend({
  event: z.literal('change_external_contact'),
  changeType: z.enum(EXTERNAL_CONTACT_CHANGE_TYPES),
  userId: z.string(),
  externalUserId: z.string(),
  state: z.string().optional(),
  welcomeCode: z.string().optional(),
  /** transfer_fail: `customer_refused` | `customer_limit_exceed` (other values kept as is). */
  failReason: z.string().optional(),
  /** del_external_contact: `DELETE_BY_TRANSFER` when an on-job transfer removed the relationship. */
  source: z.string().optional(),
});

const externalChatEventSchema = eventBaseSchema.extend({
  event: z.literal('change_external_chat'),
  changeType: z.enum(EXTERNAL_CHAT_CHANGE_TYPES),
  chatId: z.string(),
  /** One of EXTERNAL_CHAT_UPDATE_DETAILS, or a value WeCom added since (kept as is). */
  updateDetail: z.string().optional(),
  /** 0 invited by a member (incl. link), 3 scanned the group QR. */
  joinScene: z.number().optional(),
  /** 0 left by themselves, 1 removed by the owner or an admin. */
  quitScene: z.number().optional(),
  memChangeCnt: z.number().optional(),
  memChangeList: z.array(z.string()).optional(),
  lastMemVer: z.string().optional(),
  curMemVer: z.string().optional(),
});

const externalTagEventSchema = eventBaseSchema.extend({
  event: z.literal('change_external_tag'),
  changeType: z.enum(EXTERNAL_TAG_CHANGE_TYPES),
  /** Tag or tag-group id; empty for a shuffle of all groups. */
  id: z.string(),
  tagType: z.enum(['tag', 'tag_group']).optional(),
  strategyId: z.string().optional(),
});

const unknownEventSchema = eventBaseSchema.extend({
  event: z.literal('unknown'),
  /** The Event (or InfoType) value as received; `msg.<MsgType>` for a message, `unreadable` for non-XML. */
  rawEvent: z.string(),
  changeType: z.string().optional(),
  /** Why it is not processed (shown with the stored inbox row). */
  reason: z.string(),
  raw: z.record(z.string(), z.unknown()),
});

/**
 * A callback event as Huike keeps it: what `openCallback` makes of WeCom's XML, stored as JSON in `wecom_inbox`
 * and parsed with this schema again when the inbox reads it back (inbox.service.ts).
 */
export const wecomEventSchema = z.discriminatedUnion('event', [externalContactEventSchema, externalChatEventSchema, externalTagEventSchema, unknownEventSchema]);

export type ExternalContactEvent = z.infer<typeof externalContactEventSchema>;
export type ExternalChatEvent = z.infer<typeof externalChatEventSchema>;
export type ExternalTagEvent = z.infer<typeof externalTagEventSchema>;
export type UnknownEvent = z.infer<typeof unknownEventSchema>;
export type WecomEvent = z.infer<typeof wecomEventSchema>;
export type KnownWecomEvent = Exclude<WecomEvent, UnknownEvent>;

const intText = text.pipe(z.string().regex(/^-?\d+$/)).transform((v) => Number(v));
const optInt = z
  .union([z.literal(''), intText])
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const emptyToUndef = optText.transform((v) => (v === '' ? undefined : v));

const commonSchema = z.object({
  ToUserName: text,
  FromUserName: optText.default(''),
  CreateTime: intText,
  Event: text,
  ChangeType: optText,
});

const contactSchema = z.object({
  ChangeType: z.enum(EXTERNAL_CONTACT_CHANGE_TYPES),
  UserID: text,
  ExternalUserID: text,
  State: emptyToUndef,
  WelcomeCode: emptyToUndef,
  FailReason: emptyToUndef,
  Source: emptyToUndef,
});

const memChangeListSchema = z
  .union([z.literal(''), z.object({ Item: z.array(text).optional() })])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === '' ? [] : (v.Item ?? [])));

const chatSchema = z.object({
  ChangeType: z.enum(EXTERNAL_CHAT_CHANGE_TYPES),
  ChatId: text,
  UpdateDetail: emptyToUndef,
  JoinScene: optInt,
  QuitScene: optInt,
  MemChangeCnt: optInt,
  MemChangeList: memChangeListSchema,
  LastMemVer: emptyToUndef,
  CurMemVer: emptyToUndef,
});

const tagSchema = z.object({
  ChangeType: z.enum(EXTERNAL_TAG_CHANGE_TYPES),
  Id: optText.default(''),
  TagType: z.enum(['tag', 'tag_group']).optional().or(z.literal('').transform(() => undefined)),
  StrategyId: emptyToUndef,
});

function key(parts: (string | number | undefined)[]): string {
  return parts.map((p) => (p === undefined ? '' : String(p))).join('|');
}

/** Short, fixed-length form of a dedupe key for a database column (sha1 hex of the readable key). */
export function hashDedupeKey(dedupeKey: string): string {
  return createHash('sha1').update(dedupeKey, 'utf8').digest('hex');
}

/**
 * Normalizes the third-party envelope (SuiteId/AuthCorpId/InfoType/TimeStamp) to the self-built one
 * (ToUserName/FromUserName/CreateTime/Event), so both parse the same way.
 */
function normalizeEnvelope(rec: Record<string, unknown>): Record<string, unknown> {
  if (rec.Event === undefined && rec.InfoType !== undefined) {
    return {
      ...rec,
      Event: rec.InfoType,
      ToUserName: rec.AuthCorpId ?? rec.ToUserName ?? '',
      FromUserName: rec.SuiteId ?? '',
      CreateTime: rec.TimeStamp ?? rec.CreateTime,
    };
  }
  return rec;
}

/** Parses decrypted event XML into a typed event; anything not handled comes back as an `UnknownEvent`. */
export function parseEventXml(xml: string): WecomEvent {
  let rec: Record<string, unknown>;
  try {
    rec = parseXmlRecord(xml);
  } catch (e) {
    const reason = e instanceof WecomCallbackParseError ? e.message : 'unreadable';
    return { toUserName: '', fromUserName: '', createTime: 0, event: 'unknown', rawEvent: 'unreadable', reason: `not handled: ${reason}`, raw: { text: xml.slice(0, 4000) }, dedupeKey: key(['unreadable', hashDedupeKey(xml)]) };
  }
  return parseEventRecord(rec);
}

const looseCommonSchema = z.object({ ToUserName: optText, FromUserName: optText, CreateTime: optText, Event: optText, MsgType: optText, ChangeType: optText });

/** A record that is authentic but not a handled event: kept as it came, with the reason it is not processed. */
function unhandled(rec: Record<string, unknown>, reason: string): UnknownEvent {
  const c = looseCommonSchema.safeParse(rec);
  const d = c.success ? c.data : {};
  const createTime = /^\d+$/.test(d.CreateTime ?? '') ? Number(d.CreateTime) : 0;
  const rawEvent = d.Event || (d.MsgType ? `msg.${d.MsgType}` : 'unrecognised');
  const out: UnknownEvent = { toUserName: d.ToUserName ?? '', fromUserName: d.FromUserName ?? '', createTime, event: 'unknown', rawEvent, reason, raw: rec, dedupeKey: '' };
  if (d.ChangeType) out.changeType = d.ChangeType;
  out.dedupeKey = key([out.toUserName, createTime, rawEvent, d.ChangeType, hashDedupeKey(JSON.stringify(rec))]);
  return out;
}

const NOT_HANDLED = 'not handled: acknowledged, not processed';

/** Same as `parseEventXml` for an already-parsed record. */
export function parseEventRecord(input: Record<string, unknown>): WecomEvent {
  const rec = normalizeEnvelope(input);
  const c = commonSchema.safeParse(rec);
  if (!c.success) return unhandled(rec, `${NOT_HANDLED} (no Event: a message or an unknown shape)`);
  const base = { toUserName: c.data.ToUserName, fromUserName: c.data.FromUserName, createTime: c.data.CreateTime };
  const ev = c.data.Event;
  const unknown = (reason = NOT_HANDLED): UnknownEvent => unhandled(rec, reason);
  const invalid = (issues: z.ZodIssue[]): UnknownEvent => unknown(`invalid ${ev} event, not processed: ${issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);

  if (ev === 'change_external_contact') {
    if (!(EXTERNAL_CONTACT_CHANGE_TYPES as readonly string[]).includes(c.data.ChangeType ?? '')) return unknown();
    const r = contactSchema.safeParse(rec);
    if (!r.success) return invalid(r.error.issues);
    const d = r.data;
    const out: ExternalContactEvent = {
      ...base,
      event: ev,
      changeType: d.ChangeType,
      userId: d.UserID,
      externalUserId: d.ExternalUserID,
      dedupeKey: key([base.toUserName, base.createTime, ev, d.ChangeType, d.UserID, d.ExternalUserID]),
    };
    if (d.State !== undefined) out.state = d.State;
    if (d.WelcomeCode !== undefined) out.welcomeCode = d.WelcomeCode;
    if (d.FailReason !== undefined) out.failReason = d.FailReason;
    if (d.Source !== undefined) out.source = d.Source;
    return out;
  }
  if (ev === 'change_external_chat') {
    if (!(EXTERNAL_CHAT_CHANGE_TYPES as readonly string[]).includes(c.data.ChangeType ?? '')) return unknown();
    const r = chatSchema.safeParse(rec);
    if (!r.success) return invalid(r.error.issues);
    const d = r.data;
    const out: ExternalChatEvent = {
      ...base,
      event: ev,
      changeType: d.ChangeType,
      chatId: d.ChatId,
      dedupeKey: key([base.toUserName, base.createTime, ev, d.ChangeType, d.ChatId, d.UpdateDetail, d.LastMemVer, d.CurMemVer]),
    };
    if (d.UpdateDetail !== undefined) out.updateDetail = d.UpdateDetail;
    if (d.JoinScene !== undefined) out.joinScene = d.JoinScene;
    if (d.QuitScene !== undefined) out.quitScene = d.QuitScene;
    if (d.MemChangeCnt !== undefined) out.memChangeCnt = d.MemChangeCnt;
    if (d.MemChangeList !== undefined) out.memChangeList = d.MemChangeList;
    if (d.LastMemVer !== undefined) out.lastMemVer = d.LastMemVer;
    if (d.CurMemVer !== undefined) out.curMemVer = d.CurMemVer;
    return out;
  }
  if (ev === 'change_external_tag') {
    if (!(EXTERNAL_TAG_CHANGE_TYPES as readonly string[]).includes(c.data.ChangeType ?? '')) return unknown();
    const r = tagSchema.safeParse(rec);
    if (!r.success) return invalid(r.error.issues);
    const d = r.data;
    const out: ExternalTagEvent = {
      ...base,
      event: ev,
      changeType: d.ChangeType,
      id: d.Id,
      dedupeKey: key([base.toUserName, base.createTime, ev, d.ChangeType, d.TagType, d.Id, d.StrategyId]),
    };
    if (d.TagType !== undefined) out.tagType = d.TagType;
    if (d.StrategyId !== undefined) out.strategyId = d.StrategyId;
    return out;
  }
  return unknown();
}

// ---------------------------------------------------------------------------------------------------------------
// Opening a callback request end to end

export interface CallbackQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
}

export interface OpenedCallback {
  envelope: CallbackEnvelope;
  xml: string;
  event: WecomEvent;
}

/**
 * Verifies, decrypts and parses one POST callback. Throws `WecomCryptoError` (signature, padding, receiveid…)
 * or `WecomCallbackParseError`.
 */
export function openCallback(cfg: CallbackCryptoConfig, query: CallbackQuery, body: string, opts?: VerifyOptions): OpenedCallback {
  const envelope = parseCallbackEnvelope(body);
  const xml = decryptMessage(cfg, { msgSignature: query.msg_signature, timestamp: query.timestamp, nonce: query.nonce, encrypt: envelope.encrypt }, opts);
  return { envelope, xml, event: parseEventXml(xml) };
}

// ---------------------------------------------------------------------------------------------------------------
// Serializing (the simulator emits exactly what it would receive)

const cdata = (v: string) => `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** A known event without its derived dedupeKey: what the simulator builds before serializing. */
export type EventInput =
  | Omit<ExternalContactEvent, 'dedupeKey'>
  | Omit<ExternalChatEvent, 'dedupeKey'>
  | Omit<ExternalTagEvent, 'dedupeKey'>;

/** Serializes a known event to the XML WeCom sends (inverse of `parseEventXml`). */
export function eventToXml(e: EventInput): string {
  const parts: string[] = [
    `<ToUserName>${cdata(e.toUserName)}</ToUserName>`,
    `<FromUserName>${cdata(e.fromUserName || 'sys')}</FromUserName>`,
    `<CreateTime>${e.createTime}</CreateTime>`,
    `<MsgType>${cdata('event')}</MsgType>`,
    `<Event>${cdata(e.event)}</Event>`,
  ];
  const s = (tag: string, v: string | undefined) => {
    if (v !== undefined) parts.push(`<${tag}>${cdata(v)}</${tag}>`);
  };
  const n = (tag: string, v: number | undefined) => {
    if (v !== undefined) parts.push(`<${tag}>${v}</${tag}>`);
  };
  if (e.event === 'change_external_contact') {
    s('ChangeType', e.changeType);
    s('UserID', e.userId);
    s('ExternalUserID', e.externalUserId);
    s('State', e.state);
    s('WelcomeCode', e.welcomeCode);
    s('FailReason', e.failReason);
    s('Source', e.source);
  } else if (e.event === 'change_external_chat') {
    s('ChatId', e.chatId);
    s('ChangeType', e.changeType);
    s('UpdateDetail', e.updateDetail);
    n('JoinScene', e.joinScene);
    n('QuitScene', e.quitScene);
    n('MemChangeCnt', e.memChangeCnt);
    if (e.memChangeList !== undefined) parts.push(`<MemChangeList>${e.memChangeList.map((u) => `<Item>${cdata(u)}</Item>`).join('')}</MemChangeList>`);
    s('LastMemVer', e.lastMemVer);
    s('CurMemVer', e.curMemVer);
  } else {
    s('ChangeType', e.changeType);
    s('Id', e.id);
    s('TagType', e.tagType);
    s('StrategyId', e.strategyId);
  }
  return `<xml>${parts.join('')}</xml>`;
}
