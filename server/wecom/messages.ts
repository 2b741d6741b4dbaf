/**
 * Readable, bilingual explanations of WeCom failures and codes, for the settings page ("test connection"), sync
 * history, tag write-back states and channel creation. Pure; branch on errcode, never on errmsg.
 */
import { TRANSIENT_ERRCODES, WecomApiError, WecomHttpError } from './types';

const ERRCODE_TEXT: Record<number, [string, string]> = {
  [-1]: ['企业微信系统繁忙，已多次重试仍失败', 'WeCom was busy and the retries did not help'],
  6000: ['数据版本冲突（有人同时修改），请稍后重试', 'Data version conflict (concurrent change); retry later'],
  40001: ['Secret 无效：请检查企业ID与应用 Secret 是否匹配、Secret 是否已重置或应用是否已停用', 'Invalid secret: check that the corp id and app secret match, the secret was not reset and the app is enabled'],
  40003: ['无效的成员 UserID', 'Invalid staff UserID'],
  40013: ['企业ID（CorpID）无效', 'Invalid corp id'],
  40014: ['访问令牌无效', 'Invalid access token'],
  40058: ['参数不合法', 'Invalid parameter'],
  40068: ['标签或标签组不存在（可能已在企业微信后台删除）', 'The tag or tag group does not exist (it may have been deleted in the WeCom console)'],
  40071: ['同一标签组内已有同名标签', 'A tag with this name already exists in the group'],
  40096: ['无效的外部联系人 ID（客户不在应用可见范围内）', 'Invalid external contact id (the customer is outside the app’s visible range)'],
  41001: ['缺少访问令牌', 'Access token missing'],
  41051: ['欢迎语已发送或会话已开始', 'The welcome message was already sent or the chat has started'],
  42001: ['访问令牌已过期', 'Access token expired'],
  45009: ['接口调用超过频率限制，已退避重试', 'API rate limit reached; backed off and retried'],
  45033: ['接口并发调用超过限制', 'Too many concurrent calls'],
  48002: ['应用没有此接口权限：请在「客户联系 → 可调用接口的应用」中加入本应用', 'The app may not call this API: add it under Customer Contact → apps that may call the API'],
  60011: ['应用对该成员没有权限（不在可见范围内）', 'No privilege for this member (outside the app’s visible range)'],
  60020: ['服务器 IP 不在应用的可信 IP 列表中', 'This server’s IP is not in the app’s trusted IP list'],
  81017: ['可见成员超过 1,000 人时必须按群主筛选', 'More than 1,000 staff are visible: group chats must be listed by owner'],
  84061: ['不存在外部联系人关系（员工已删除该客户）', 'No external-contact relationship (the clerk deleted the customer)'],
  84074: ['没有外部联系人权限', 'No external-contact permission'],
};

/** "中文 / English" text for one errcode. */
export function errcodeText(errcode: number, errmsg = ''): string {
  const t = ERRCODE_TEXT[errcode];
  if (t) return `${t[0]}（${errcode}）/ ${t[1]} (${errcode})`;
  return `企业微信返回错误 ${errcode} / WeCom error ${errcode}${errmsg ? `: ${errmsg.split(',')[0]}` : ''}`;
}

/**
 * What a WeCom client failure carries, read by shape rather than by class: the Remix server bundle and the host
 * each hold a copy of the client module, and a cached client of one copy may throw to code of the other.
 */
export interface WecomErrorInfo {
  kind: 'api' | 'http' | 'network' | 'invalid_response';
  errcode: number;
  errmsg: string;
  api: string;
  attempts: number;
  status?: number;
}

export function wecomErrorInfo(e: unknown): WecomErrorInfo | null {
  if (e instanceof WecomApiError) return { kind: e.kind, errcode: e.errcode, errmsg: e.errmsg, api: e.api, attempts: e.attempts, ...(e instanceof WecomHttpError ? { status: e.status } : {}) };
  if (typeof e !== 'object' || e === null) return null;
  const x = e as Partial<Record<'kind' | 'errcode' | 'errmsg' | 'api' | 'attempts' | 'status', unknown>>;
  if (typeof x.errcode !== 'number' || typeof x.api !== 'string' || (x.kind !== 'api' && x.kind !== 'http' && x.kind !== 'network' && x.kind !== 'invalid_response')) return null;
  return { kind: x.kind, errcode: x.errcode, errmsg: typeof x.errmsg === 'string' ? x.errmsg : '', api: x.api, attempts: typeof x.attempts === 'number' ? x.attempts : 1, ...(typeof x.status === 'number' ? { status: x.status } : {}) };
}

/** A WeCom API answer with one of these errcodes (not an HTTP or network failure). */
export function isWecomErrcode(e: unknown, ...codes: number[]): boolean {
  const i = wecomErrorInfo(e);
  return i !== null && i.kind === 'api' && codes.includes(i.errcode);
}

/** A readable message for anything a WeCom call can throw. */
export function describeWecomError(e: unknown): string {
  const i = wecomErrorInfo(e);
  if (!i) return e instanceof Error ? e.message : String(e);
  if (i.kind === 'network') return `无法连接企业微信服务器（网络错误，已重试 ${i.attempts} 次）/ Could not reach WeCom (network error after ${i.attempts} attempts)`;
  if (i.kind === 'http') return `企业微信服务器返回 HTTP ${i.status ?? '?'} / WeCom answered HTTP ${i.status ?? '?'}`;
  if (i.kind === 'invalid_response') return `企业微信返回的数据格式不符合文档（${i.api}）/ WeCom answered with an undocumented shape (${i.api})`;
  if (i.errcode === 40058 && /3000/.test(i.errmsg)) {
    return i.api.endsWith('mark_tag')
      ? '该客户的标签已达企业微信 3,000 个上限 / This customer already has the WeCom maximum of 3,000 tags'
      : '企业标签已达企业微信 3,000 个上限：请先删除不用的标签，或改建为“仅回客内部”标签 / WeCom allows at most 3,000 corp tags: delete unused tags first, or create it as a Huike-internal tag';
  }
  return errcodeText(i.errcode, i.errmsg);
}

/** Failures worth retrying later (the client already retried them a few times). */
export function isTransientWecomError(e: unknown): boolean {
  const i = wecomErrorInfo(e);
  if (!i) return true;
  if (i.kind === 'network') return true;
  if (i.kind === 'http') return (i.status ?? 0) >= 500 || i.status === 429;
  if (i.kind === 'invalid_response') return false;
  // 40014/42001 surviving the client's refresh-and-retry are worth another try later; 40001 (wrong secret) is not.
  return TRANSIENT_ERRCODES.has(i.errcode) || i.errcode === 40014 || i.errcode === 42001;
}

/** A WeCom failure that will not pass by retrying (wrong secret, no permission, invalid tag …). */
export function isPermanentWecomError(e: unknown): boolean {
  return wecomErrorInfo(e) !== null && !isTransientWecomError(e);
}

/** add_way codes (wecom-api.md §2.3), as [中文, English]. Unknown codes are shown as such. */
export const ADD_WAY_LABELS: Record<number, [string, string]> = {
  0: ['未知来源', 'Unknown'],
  1: ['扫描二维码', 'Scanned a QR code'],
  2: ['搜索手机号', 'Searched phone number'],
  3: ['名片分享', 'Business card'],
  4: ['群聊', 'Group chat'],
  5: ['手机通讯录', 'Phone contacts'],
  6: ['微信联系人', 'WeChat contact'],
  7: ['微信好友申请', 'WeChat friend request'],
  8: ['安装第三方应用时自动添加的客服人员', 'Added by a third-party app'],
  9: ['搜索邮箱', 'Searched email'],
  10: ['视频号添加', 'WeChat Channels'],
  11: ['日程参与人', 'Schedule participant'],
  12: ['会议参与人', 'Meeting participant'],
  13: ['添加微信好友对应的企业微信', 'WeCom behind a WeChat friend'],
  14: ['智慧硬件专属客服', 'Smart-hardware customer service'],
  15: ['上门服务客服', 'On-site service'],
  16: ['获客链接', 'Acquisition link'],
  17: ['定制开发', 'Custom development'],
  18: ['需求回复', 'Demand reply'],
  201: ['内部成员共享', 'Shared by a colleague'],
  202: ['管理员/负责人分配', 'Assigned by an admin'],
};

export function addWayLabel(code: number | null | undefined): [string, string] {
  if (code === null || code === undefined) return ['—', '—'];
  return ADD_WAY_LABELS[code] ?? [`其他来源（${code}）`, `Other (${code})`];
}
