/**
 * zod schemas for every WeCom response the client reads (wecom-api.md §1–§6, plus user/list and user/list_id).
 *
 * Rules: WeCom omits fields freely (by app type, customer type, permissions), so anything not guaranteed is
 * optional; lists default to []; unknown fields are stripped; `errcode`/`errmsg` are checked by the client
 * before these schemas run (see `errorEnvelopeSchema`).
 */
import { z } from 'zod';

/** Every answer: errcode 0 = ok. Some successful answers omit both. */
export const errorEnvelopeSchema = z.looseObject({
  errcode: z.number().int().optional().default(0),
  errmsg: z.string().optional().default(''),
});

const ok = z.object({ errcode: z.number().int().optional().default(0), errmsg: z.string().optional().default('') });
const cursor = z.string().optional().default('');
const strList = z.array(z.string()).optional().default([]);

// ---- token -------------------------------------------------------------------------------------------------------
export const getTokenResponseSchema = ok.extend({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

// ---- staff -------------------------------------------------------------------------------------------------------
export const userSchema = z.object({
  userid: z.string(),
  name: z.string().optional(),
  department: z.array(z.number().int()).optional().default([]),
  position: z.string().optional(),
  status: z.number().int().optional(),
  open_userid: z.string().optional(),
});
export const userListResponseSchema = ok.extend({ userlist: z.array(userSchema).optional().default([]) });

export const userListIdResponseSchema = ok.extend({
  next_cursor: cursor,
  dept_user: z.array(z.object({ userid: z.string(), department: z.number().int() })).optional().default([]),
});

export const followUserListResponseSchema = ok.extend({ follow_user: strList });

// ---- customers ---------------------------------------------------------------------------------------------------
export const externalAttrSchema = z.object({
  type: z.number().int(),
  name: z.string(),
  text: z.object({ value: z.string() }).optional(),
  web: z.object({ url: z.string(), title: z.string() }).optional(),
  miniprogram: z.object({ appid: z.string(), pagepath: z.string().optional(), title: z.string().optional() }).optional(),
});

export const externalContactSchema = z.object({
  external_userid: z.string(),
  name: z.string().optional().default(''),
  position: z.string().optional(),
  avatar: z.string().optional(),
  corp_name: z.string().optional(),
  corp_full_name: z.string().optional(),
  /** 1 WeChat user, 2 WeCom user; other values kept. */
  type: z.number().int().optional(),
  /** 0 unknown, 1 male, 2 female. */
  gender: z.number().int().optional(),
  unionid: z.string().optional(),
  external_profile: z.object({ external_attr: z.array(externalAttrSchema).optional().default([]) }).optional(),
});

const wechatChannelsSchema = z.object({ nickname: z.string().optional(), source: z.number().int().optional() }).optional();

export const followTagSchema = z.object({
  group_name: z.string().optional(),
  tag_name: z.string().optional(),
  /** Absent for personal (type 2) tags. */
  tag_id: z.string().optional(),
  /** 1 corp, 2 personal, 3 strategy. */
  type: z.number().int().optional(),
});

const followCommon = {
  userid: z.string(),
  remark: z.string().optional().default(''),
  description: z.string().optional().default(''),
  createtime: z.number().int(),
  remark_corp_name: z.string().optional(),
  remark_mobiles: strList,
  oper_userid: z.string().optional(),
  /** See the add_way table (wecom-api.md §2.3); unknown codes are kept. */
  add_way: z.number().int().optional(),
  state: z.string().optional(),
  wechat_channels: wechatChannelsSchema,
};

export const followUserSchema = z.object({ ...followCommon, tags: z.array(followTagSchema).optional().default([]) });
export const followInfoSchema = z.object({ ...followCommon, tag_id: strList });

export const externalContactListResponseSchema = ok.extend({ external_userid: strList });

export const externalContactGetResponseSchema = ok.extend({
  external_contact: externalContactSchema,
  follow_user: z.array(followUserSchema).optional().default([]),
  next_cursor: cursor,
});

export const batchContactItemSchema = z.object({ external_contact: externalContactSchema, follow_info: followInfoSchema });
export const batchGetByUserResponseSchema = ok.extend({
  external_contact_list: z.array(batchContactItemSchema).optional().default([]),
  next_cursor: cursor,
});

/** Answers that carry only errcode/errmsg (remark, edit/del/mark tag, remind/cancel, send_welcome_msg…). */
export const emptyResponseSchema = ok;

// ---- tags --------------------------------------------------------------------------------------------------------
export const corpTagSchema = z.object({
  id: z.string(),
  name: z.string(),
  create_time: z.number().int().optional(),
  order: z.number().optional().default(0),
  deleted: z.boolean().optional(),
});
export const corpTagGroupSchema = z.object({
  group_id: z.string(),
  group_name: z.string(),
  create_time: z.number().int().optional(),
  order: z.number().optional().default(0),
  deleted: z.boolean().optional(),
  tag: z.array(corpTagSchema).optional().default([]),
});
export const getCorpTagListResponseSchema = ok.extend({ tag_group: z.array(corpTagGroupSchema).optional().default([]) });
export const addCorpTagResponseSchema = ok.extend({ tag_group: corpTagGroupSchema });

// ---- group chats -------------------------------------------------------------------------------------------------
export const groupChatListResponseSchema = ok.extend({
  group_chat_list: z.array(z.object({ chat_id: z.string(), status: z.number().int().optional().default(0) })).optional().default([]),
  next_cursor: cursor,
});

export const groupChatMemberSchema = z.object({
  userid: z.string(),
  /** 1 staff, 2 external. */
  type: z.number().int(),
  unionid: z.string().optional(),
  join_time: z.number().int().optional(),
  /** 1 direct invite, 2 invite link, 3 scanned group QR. */
  join_scene: z.number().int().optional(),
  invitor: z.object({ userid: z.string() }).optional(),
  group_nickname: z.string().optional(),
  name: z.string().optional(),
  state: z.string().optional(),
});
export const groupChatSchema = z.object({
  chat_id: z.string(),
  name: z.string().optional().default(''),
  owner: z.string().optional().default(''),
  create_time: z.number().int().optional(),
  notice: z.string().optional(),
  member_list: z.array(groupChatMemberSchema).optional().default([]),
  admin_list: z.array(z.object({ userid: z.string() })).optional().default([]),
  member_version: z.string().optional(),
});
export const groupChatGetResponseSchema = ok.extend({ group_chat: groupChatSchema });

// ---- contact ways and messages -----------------------------------------------------------------------------------
export const addContactWayResponseSchema = ok.extend({ config_id: z.string(), qr_code: z.string().optional() });

export const addMsgTemplateResponseSchema = ok.extend({ fail_list: strList, msgid: z.string().optional().default('') });

export const groupMsgSchema = z.object({
  msgid: z.string(),
  creator: z.string().optional(),
  create_time: z.union([z.number(), z.string()]).transform((v) => Number(v)).optional(),
  /** 0 enterprise, 1 individual. */
  create_type: z.number().int().optional(),
  text: z.object({ content: z.string().optional().default('') }).optional(),
  attachments: z.array(z.record(z.string(), z.unknown())).optional().default([]),
});
export const getGroupMsgListV2ResponseSchema = ok.extend({ group_msg_list: z.array(groupMsgSchema).optional().default([]), next_cursor: cursor });

export const groupMsgTaskSchema = z.object({
  userid: z.string(),
  /** 0 not sent, 2 sent. */
  status: z.number().int(),
  send_time: z.number().int().optional(),
});
export const getGroupMsgTaskResponseSchema = ok.extend({ task_list: z.array(groupMsgTaskSchema).optional().default([]), next_cursor: cursor });

export const groupMsgSendResultSchema = z.object({
  external_userid: z.string().optional(),
  chat_id: z.string().optional(),
  userid: z.string(),
  /** 0 not sent, 1 sent, 2 no longer a friend, 3 receive cap reached. */
  status: z.number().int(),
  send_time: z.number().int().optional(),
});
export const getGroupMsgSendResultResponseSchema = ok.extend({
  send_list: z.array(groupMsgSendResultSchema).optional().default([]),
  next_cursor: cursor,
});

// ---- the clerk's side (wecom-api.md section 11) --------------------------------------------------------------
/** auth/getuserinfo: `userid` for a member of the corp, `openid` for anyone else. */
export const getUserInfoResponseSchema = ok.extend({ userid: z.string().optional(), openid: z.string().optional(), user_ticket: z.string().optional() });
/** get_jsapi_ticket and ticket/get?type=agent_config. */
export const jsapiTicketResponseSchema = ok.extend({ ticket: z.string().min(1), expires_in: z.number().int().positive() });
/** message/send (app message to staff). */
export const messageSendResponseSchema = ok.extend({ invaliduser: z.string().optional().default(''), msgid: z.string().optional() });

// ---- customer transfer (在职继承 / 离职继承, wecom-api.md 7) -----------------------------------------------------------
export const transferCustomerResponseSchema = ok.extend({
  customer: z.array(z.object({ external_userid: z.string(), errcode: z.number().int() })).optional().default([]),
});
export const transferResultResponseSchema = ok.extend({
  customer: z.array(z.object({ external_userid: z.string(), status: z.number().int(), takeover_time: z.number().int().optional() })).optional().default([]),
  next_cursor: cursor,
});
export const unassignedListResponseSchema = ok.extend({
  info: z.array(z.object({ handover_userid: z.string(), external_userid: z.string(), dimission_time: z.number().int().optional() })).optional().default([]),
  is_last: z.boolean().optional().default(true),
  next_cursor: cursor,
});

// ---- moments (客户朋友圈, wecom-api.md 12) -----------------------------------------------------------------------------
export const addMomentTaskResponseSchema = ok.extend({ jobid: z.string() });
export const momentTaskResultResponseSchema = ok.extend({
  /** 1 started, 2 running, 3 done. */
  status: z.number().int(),
  type: z.string().optional(),
  result: z
    .object({
      errcode: z.number().int().optional(),
      errmsg: z.string().optional(),
      moment_id: z.string().optional(),
      invalid_sender_list: z.object({ user_list: strList, department_list: z.array(z.number().int()).optional().default([]) }).optional(),
      invalid_external_contact_list: z.object({ tag_list: strList }).optional(),
    })
    .optional(),
});
export const momentTaskResponseSchema = ok.extend({
  task_list: z.array(z.object({ userid: z.string(), publish_status: z.number().int() })).optional().default([]),
  next_cursor: cursor,
});
export const momentCustomerListResponseSchema = ok.extend({
  customer_list: z.array(z.object({ userid: z.string(), external_userid: z.string() })).optional().default([]),
  next_cursor: cursor,
});
export const momentSendResultResponseSchema = ok.extend({
  customer_list: z.array(z.object({ external_userid: z.string() })).optional().default([]),
  next_cursor: cursor,
});
const momentInteraction = z.object({ external_userid: z.string().optional(), userid: z.string().optional(), create_time: z.number().int().optional() });
export const momentCommentsResponseSchema = ok.extend({
  comment_list: z.array(momentInteraction).optional().default([]),
  like_list: z.array(momentInteraction).optional().default([]),
});

/** media/upload (created_at is a string of unix seconds). */
export const mediaUploadResponseSchema = z.object({ type: z.string(), media_id: z.string().min(1), created_at: z.coerce.number().int() });
export const mediaUploadImgResponseSchema = z.object({ url: z.string().min(1) });
