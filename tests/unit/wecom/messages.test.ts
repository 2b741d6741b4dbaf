import { describe, expect, it } from 'vitest';
import { makeState } from '../../../server/wecom/channels.service';
import { maskOther, pairsFromBatch, pairsFromGet } from '../../../server/wecom/contacts.repository';
import { mobileHashKey } from '../../../server/customers/mobile-identity';
import { addWayLabel, describeWecomError, isTransientWecomError } from '../../../server/wecom/messages';
import { WecomApiError, WecomHttpError, WecomNetworkError } from '../../../server/wecom/types';
import * as s from '../../../server/wecom/schemas';

describe('readable WeCom failures', () => {
  it('explains the codes an admin can act on, in both languages', () => {
    expect(describeWecomError(new WecomApiError(40001, 'invalid credential, hint: [x]', 'gettoken'))).toMatch(/Secret 无效.*40001.*Invalid secret/);
    expect(describeWecomError(new WecomApiError(48002, 'api forbidden', 'externalcontact/get_follow_user_list'))).toMatch(/可调用接口的应用/);
    expect(describeWecomError(new WecomApiError(60020, 'not allow to access from your ip', 'gettoken'))).toMatch(/可信 IP/);
    expect(describeWecomError(new WecomApiError(40058, 'corp tag count exceeds 3000', 'externalcontact/add_corp_tag'))).toMatch(/3,000.*internal/s);
    expect(describeWecomError(new WecomApiError(40058, 'too many tags on one customer: 3000', 'externalcontact/mark_tag'))).toMatch(/该客户的标签已达/);
    expect(describeWecomError(new WecomApiError(99999, 'strange, hint: [1]', 'x'))).toBe('企业微信返回错误 99999 / WeCom error 99999: strange');
    expect(describeWecomError(new WecomNetworkError('gettoken', 5, new Error('ECONNRESET')))).toMatch(/5 attempts/);
    expect(describeWecomError(new WecomHttpError(502, 'x', 3))).toMatch(/HTTP 502/);
  });

  it('recognises client errors by shape, as thrown by another copy of the client module (the Remix bundle)', () => {
    const foreign = Object.assign(new Error('WeCom externalcontact/mark_tag failed: 40068 invalid tag'), { name: 'WecomApiError', kind: 'api', errcode: 40068, errmsg: 'invalid tag', api: 'externalcontact/mark_tag', attempts: 1 });
    expect(describeWecomError(foreign)).toMatch(/标签或标签组不存在/);
    expect(isTransientWecomError(foreign)).toBe(false);
    const http = Object.assign(new Error('x'), { kind: 'http', errcode: -90001, errmsg: 'HTTP 503', api: 'x', attempts: 5, status: 503 });
    expect(isTransientWecomError(http)).toBe(true);
    expect(describeWecomError(new Error('plain'))).toBe('plain');
  });

  it('retries later what may pass, not what will not', () => {
    expect(isTransientWecomError(new WecomApiError(-1, 'busy', 'x'))).toBe(true);
    expect(isTransientWecomError(new WecomApiError(45009, 'freq', 'x'))).toBe(true);
    expect(isTransientWecomError(new WecomApiError(42001, 'expired', 'x'))).toBe(true);
    expect(isTransientWecomError(new WecomApiError(40001, 'bad secret', 'x'))).toBe(false);
    expect(isTransientWecomError(new WecomApiError(40068, 'bad tag', 'x'))).toBe(false);
    expect(isTransientWecomError(new WecomHttpError(503, 'x', 5))).toBe(true);
    expect(isTransientWecomError(new WecomHttpError(404, 'x', 1))).toBe(false);
  });

  it('labels add ways, including unknown ones', () => {
    expect(addWayLabel(1)).toEqual(['扫描二维码', 'Scanned a QR code']);
    expect(addWayLabel(202)[1]).toBe('Assigned by an admin');
    expect(addWayLabel(77)).toEqual(['其他来源（77）', 'Other (77)']);
    expect(addWayLabel(null)).toEqual(['—', '—']);
  });
});

describe('channel states and contact pairs', () => {
  it('makes readable, unique-looking states within 30 characters', () => {
    expect(makeState(['S001', 'zhangwei', '双12活动'], () => 'abc123')).toBe('hk_S001_zhangwei_12_abc123');
    const long = makeState(['VERYLONGSTORECODE', 'averyveryverylongclerkid', 'campaign2026'], () => 'zzzzzz');
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long).toMatch(/^hk_[A-Za-z0-9_]+_zzzzzz$/);
    expect(makeState([null, undefined], () => 'q1w2e3')).toBe('hk_q1w2e3');
  });

  it('normalises batch and get answers into (customer, follower) pairs; phone numbers never in clear', () => {
    const key = mobileHashKey(Buffer.alloc(32, 7).toString('base64'));
    const batch = s.batchGetByUserResponseSchema.parse({
      errcode: 0,
      external_contact_list: [
        {
          external_contact: { external_userid: 'wmA', name: '李雷', type: 1, gender: 1, unionid: 'oA', avatar: 'https://x/a' },
          follow_info: { userid: 'u1', remark: '李雷-VIP', createtime: 1700000000, tag_id: ['et1', 'et2'], remark_mobiles: ['+86 138-0013-8000', '021-5555 1234'], add_way: 1, state: 'store_S001', oper_userid: 'wmA' },
        },
      ],
      next_cursor: '',
    });
    const [p] = pairsFromBatch(batch.external_contact_list, key);
    expect(p).toMatchObject({ external_userid: 'wmA', userid: 'u1', unionid: 'oA', remark: '李雷-VIP', description: null, add_way: 1, state: 'store_S001', tag_ids: ['et1', 'et2'], mobiles_masked: ['138****8000', '021******34'] });
    expect(p!.mobiles).toHaveLength(1);
    expect(JSON.stringify(p)).not.toContain('13800138000');
    const get = s.externalContactGetResponseSchema.parse({
      errcode: 0,
      external_contact: { external_userid: 'wmB', name: 'B', type: 1 },
      follow_user: [
        { userid: 'u2', createtime: 1, tags: [{ group_name: 'g', tag_name: 't', tag_id: 'et9', type: 1 }, { group_name: 'p', tag_name: 'personal', type: 2 }] },
        { userid: 'u3', createtime: 2, state: 'poster_618' },
      ],
    });
    const pairs = pairsFromGet(get, key, { userid: 'u2', state: 'store_S002' });
    expect(pairs.map((x) => [x.userid, x.state, x.tag_ids])).toEqual([
      ['u2', 'store_S002', ['et9']],
      ['u3', 'poster_618', []],
    ]);
    expect(maskOther('12345')).toBe('*****');
  });
});
