/**
 * Types of the WeCom client: API names, request bodies, parsed responses (inferred from ./schemas), and the
 * typed errors every call can end in.
 */
import type { z } from 'zod';
import type * as s from './schemas';

/** Every endpoint the client calls, as the path under /cgi-bin/. Used as the key for stats and rate limits. */
export const WECOM_APIS = [
  'gettoken',
  'user/list',
  'user/list_id',
  'externalcontact/get_follow_user_list',
  'externalcontact/list',
  'externalcontact/get',
  'externalcontact/batch/get_by_user',
  'externalcontact/remark',
  'externalcontact/get_corp_tag_list',
  'externalcontact/add_corp_tag',
  'externalcontact/edit_corp_tag',
  'externalcontact/del_corp_tag',
  'externalcontact/mark_tag',
  'externalcontact/groupchat/list',
  'externalcontact/groupchat/get',
  'externalcontact/add_contact_way',
  'externalcontact/send_welcome_msg',
  'externalcontact/add_msg_template',
  'externalcontact/get_groupmsg_list_v2',
  'externalcontact/get_groupmsg_task',
  'externalcontact/get_groupmsg_send_result',
  'externalcontact/remind_groupmsg_send',
  'externalcontact/cancel_groupmsg_send',
  'auth/getuserinfo',
  'get_jsapi_ticket',
  'ticket/get',
  'message/send',
  'externalcontact/transfer_customer',
  'externalcontact/transfer_result',
  'externalcontact/get_unassigned_list',
  'externalcontact/resigned/transfer_customer',
  'externalcontact/resigned/transfer_result',
  'externalcontact/add_moment_task',
  'externalcontact/get_moment_task_result',
  'externalcontact/get_moment_task',
  'externalcontact/get_moment_customer_list',
  'externalcontact/get_moment_send_result',
  'externalcontact/get_moment_comments',
  'externalcontact/cancel_moment_task',
  'media/upload',
  'media/uploadimg',
] as const;
export type WecomApiName = (typeof WECOM_APIS)[number];

/** Documented maxima (wecom-api.md). */
export const WECOM_LIMITS = {
  batchUseridList: 100,
  batchPageSize: 100,
  batchDefaultPageSize: 50,
  groupChatOwnerFilter: 100,
  groupChatPageSize: 1000,
  groupChatVisibleStaffWithoutFilter: 1000,
  massMessageRecipients: 10_000,
  massMessageChats: 2_000,
  massMessageAttachments: 9,
  massMessageTextBytes: 4_000,
  groupMsgListPageSize: 100,
  groupMsgListDefaultPageSize: 50,
  groupMsgTaskPageSize: 1000,
  groupMsgTaskDefaultPageSize: 500,
  remindPerDay: 3,
  corpTags: 3_000,
  tagNameChars: 30,
  remarkChars: 20,
  descriptionChars: 150,
  contactWayStateChars: 30,
  contactWayRemarkChars: 30,
  contactWayUsers: 100,
  followUserPage: 500,
  userListIdPageSize: 10_000,
  tokenExpiresInSeconds: 7200,
  welcomeCodeSeconds: 20,
  /** transfer_customer / resigned/transfer_customer: customers per call (wecom-api.md 7). */
  transferBatch: 100,
  transferMessageChars: 200,
  transferResultPageSize: 1000,
  unassignedPageSize: 1000,
  /** An on-job customer can be assigned at most this many times; after a transfer, 90 natural days of protection. */
  onJobTransfersPerCustomer: 2,
  transferProtectionDays: 90,
  /** Takeover happens automatically this long after the transfer started. */
  transferTakeoverHours: 24,
  momentTextChars: 2_000,
  momentImages: 9,
  momentTaskPageSize: 1000,
  momentCustomerPageSize: 1000,
  momentSendResultPageSize: 5000,
  momentSenders: 100_000,
} as const;

/** WeCom error codes the client and simulator branch on (wecom-api.md §1). */
export const WECOM_ERRCODES = {
  busy: -1,
  ok: 0,
  dataVersionConflict: 6000,
  invalidCredential: 40001,
  invalidUserId: 40003,
  invalidCorpId: 40013,
  invalidAccessToken: 40014,
  invalidParameter: 40058,
  invalidTag: 40068,
  duplicateTagName: 40071,
  invalidExternalUserId: 40096,
  missingAccessToken: 41001,
  welcomeCodeUsed: 41051,
  groupMsgDispatching: 41063,
  accessTokenExpired: 42001,
  requireGet: 43001,
  requirePost: 43002,
  rateLimited: 45009,
  concurrencyLimited: 45033,
  badJson: 47001,
  apiForbidden: 48002,
  noPrivilege: 60011,
  tooManyItems: 81017,
  noExternalContactRelation: 84061,
  noExternalContactPermission: 84074,
} as const;

export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([WECOM_ERRCODES.invalidCredential, WECOM_ERRCODES.invalidAccessToken, WECOM_ERRCODES.accessTokenExpired]);
export const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([WECOM_ERRCODES.busy, WECOM_ERRCODES.dataVersionConflict, WECOM_ERRCODES.rateLimited, WECOM_ERRCODES.concurrencyLimited]);

// ---- errors ------------------------------------------------------------------------------------------------------

export type WecomErrorKind = 'api' | 'http' | 'network' | 'invalid_response';

/** Synthetic errcodes for failures that never produced a WeCom errcode (outside WeCom's ranges). */
export const CLIENT_ERRCODES = { http: -90001, network: -90002, invalidResponse: -90003 } as const;

/**
 * Every failure of a client call. `kind: 'api'` carries WeCom's own errcode/errmsg; the subclasses below carry
 * a synthetic errcode from CLIENT_ERRCODES. Branch on errcode, never on errmsg (Tencent may change the text).
 */
export class WecomApiError extends Error {
  override readonly name: string = 'WecomApiError';
  readonly kind: WecomErrorKind = 'api';
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly api: string,
    /** How many HTTP attempts were made before giving up (1 = no retry). */
    readonly attempts = 1,
  ) {
    super(`WeCom ${api} failed: ${errcode} ${errmsg}`);
  }
  get isTokenError(): boolean {
    return TOKEN_ERRCODES.has(this.errcode);
  }
  get isTransient(): boolean {
    return TRANSIENT_ERRCODES.has(this.errcode);
  }
}

/** HTTP status other than 2xx (5xx after the retries, or any other status at once). */
export class WecomHttpError extends WecomApiError {
  override readonly name = 'WecomHttpError';
  override readonly kind: WecomErrorKind = 'http';
  constructor(
    readonly status: number,
    api: string,
    attempts: number,
  ) {
    super(CLIENT_ERRCODES.http, `HTTP ${status}`, api, attempts);
  }
}

/** The request never got an answer (DNS, reset, timeout), after the retries. */
export class WecomNetworkError extends WecomApiError {
  override readonly name = 'WecomNetworkError';
  override readonly kind: WecomErrorKind = 'network';
  constructor(
    api: string,
    attempts: number,
    override readonly cause: unknown,
  ) {
    super(CLIENT_ERRCODES.network, cause instanceof Error ? cause.message : String(cause), api, attempts);
  }
}

/** errcode 0 but the body does not match the documented shape. Never retried. */
export class WecomResponseError extends WecomApiError {
  override readonly name = 'WecomResponseError';
  override readonly kind: WecomErrorKind = 'invalid_response';
  constructor(
    api: string,
    readonly issues: unknown,
  ) {
    super(CLIENT_ERRCODES.invalidResponse, 'response does not match the documented shape', api, 1);
  }
}

// ---- responses ---------------------------------------------------------------------------------------------------

export type GetTokenResponse = z.infer<typeof s.getTokenResponseSchema>;
export type WecomUser = z.infer<typeof s.userSchema>;
export type UserListResponse = z.infer<typeof s.userListResponseSchema>;
export type UserListIdResponse = z.infer<typeof s.userListIdResponseSchema>;
export type ExternalContact = z.infer<typeof s.externalContactSchema>;
export type FollowUser = z.infer<typeof s.followUserSchema>;
export type FollowInfo = z.infer<typeof s.followInfoSchema>;
export type ExternalContactGetResponse = z.infer<typeof s.externalContactGetResponseSchema>;
export type BatchContactItem = z.infer<typeof s.batchContactItemSchema>;
export type BatchGetByUserResponse = z.infer<typeof s.batchGetByUserResponseSchema>;
export type CorpTag = z.infer<typeof s.corpTagSchema>;
export type CorpTagGroup = z.infer<typeof s.corpTagGroupSchema>;
export type GetCorpTagListResponse = z.infer<typeof s.getCorpTagListResponseSchema>;
export type AddCorpTagResponse = z.infer<typeof s.addCorpTagResponseSchema>;
export type GroupChatListResponse = z.infer<typeof s.groupChatListResponseSchema>;
export type GroupChat = z.infer<typeof s.groupChatSchema>;
export type GroupChatMember = z.infer<typeof s.groupChatMemberSchema>;
export type AddContactWayResponse = z.infer<typeof s.addContactWayResponseSchema>;
export type AddMsgTemplateResponse = z.infer<typeof s.addMsgTemplateResponseSchema>;
export type GroupMsg = z.infer<typeof s.groupMsgSchema>;
export type GetGroupMsgListV2Response = z.infer<typeof s.getGroupMsgListV2ResponseSchema>;
export type GroupMsgTask = z.infer<typeof s.groupMsgTaskSchema>;
export type GetGroupMsgTaskResponse = z.infer<typeof s.getGroupMsgTaskResponseSchema>;
export type GroupMsgSendResult = z.infer<typeof s.groupMsgSendResultSchema>;
export type GetGroupMsgSendResultResponse = z.infer<typeof s.getGroupMsgSendResultResponseSchema>;

// ---- requests ----------------------------------------------------------------------------------------------------

export interface BatchGetByUserRequest {
  userid_list: string[];
  cursor?: string;
  limit?: number;
}

export interface RemarkRequest {
  userid: string;
  external_userid: string;
  remark?: string;
  description?: string;
  remark_company?: string;
  remark_mobiles?: string[];
  remark_pic_mediaid?: string;
}

export interface GetCorpTagListRequest {
  tag_id?: string[];
  group_id?: string[];
}

export interface AddCorpTagRequest {
  group_id?: string;
  group_name?: string;
  order?: number;
  tag: { name: string; order?: number }[];
  agentid?: number;
}

export interface EditCorpTagRequest {
  id: string;
  name?: string;
  order?: number;
  agentid?: number;
}

export interface DelCorpTagRequest {
  tag_id?: string[];
  group_id?: string[];
  agentid?: number;
}

export interface MarkTagRequest {
  userid: string;
  external_userid: string;
  add_tag?: string[];
  remove_tag?: string[];
}

export interface GroupChatListRequest {
  status_filter?: 0 | 1 | 2 | 3;
  owner_filter?: { userid_list: string[] };
  cursor?: string;
  limit: number;
}

export type MsgAttachment =
  | { msgtype: 'image'; image: { media_id?: string; pic_url?: string } }
  | { msgtype: 'link'; link: { title: string; picurl?: string; desc?: string; url: string } }
  | { msgtype: 'miniprogram'; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } };

export interface AddContactWayRequest {
  type: 1 | 2;
  scene: 1 | 2;
  style?: number;
  remark?: string;
  skip_verify?: boolean;
  state?: string;
  user?: string[];
  party?: number[];
  is_temp?: boolean;
  expires_in?: number;
  chat_expires_in?: number;
  unionid?: string;
  is_exclusive?: boolean;
}

export interface SendWelcomeMsgRequest {
  welcome_code: string;
  text?: { content: string };
  attachments?: MsgAttachment[];
}

export interface TransferCustomerRequest {
  handover_userid: string;
  takeover_userid: string;
  external_userid: string[];
  /** On-job only, ≤200 characters; WeCom uses a default text when empty. */
  transfer_success_msg?: string;
}
export type TransferCustomerResponse = z.output<typeof s.transferCustomerResponseSchema>;
export type TransferResultResponse = z.output<typeof s.transferResultResponseSchema>;
export type UnassignedListResponse = z.output<typeof s.unassignedListResponseSchema>;
/** transfer_result status: 1 done, 2 waiting, 3 customer refused, 4 takeover member hit the customer limit, 5 no record. */
export type TransferStatus = 1 | 2 | 3 | 4 | 5;

export interface MomentAttachment {
  msgtype: 'image' | 'video' | 'link';
  image?: { media_id: string };
  video?: { media_id: string };
  link?: { title?: string; url: string; media_id?: string };
}
export interface AddMomentTaskRequest {
  text?: { content: string };
  attachments?: MomentAttachment[];
  visible_range?: { sender_list?: { user_list?: string[]; department_list?: number[] }; external_contact_list?: { tag_list?: string[] } };
}
export type MomentTaskResultResponse = z.output<typeof s.momentTaskResultResponseSchema>;
export type MomentTaskResponse = z.output<typeof s.momentTaskResponseSchema>;
export type MomentCustomerListResponse = z.output<typeof s.momentCustomerListResponseSchema>;
export type MomentSendResultResponse = z.output<typeof s.momentSendResultResponseSchema>;
export type MomentCommentsResponse = z.output<typeof s.momentCommentsResponseSchema>;

export interface AddMsgTemplateRequest {
  chat_type?: 'single' | 'group';
  external_userid?: string[];
  chat_id_list?: string[];
  tag_filter?: { group_list: { tag_list: string[] }[] };
  sender?: string;
  allow_select?: boolean;
  text?: { content: string };
  attachments?: MsgAttachment[];
}

export interface GetGroupMsgListV2Request {
  chat_type: 'single' | 'group';
  start_time: number;
  end_time: number;
  creator?: string;
  filter_type?: 0 | 1 | 2;
  limit?: number;
  cursor?: string;
}

export interface GetGroupMsgTaskRequest {
  msgid: string;
  limit?: number;
  cursor?: string;
}

export interface GetGroupMsgSendResultRequest {
  msgid: string;
  userid: string;
  limit?: number;
  cursor?: string;
}
