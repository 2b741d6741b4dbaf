import { describe, expect, it } from 'vitest';
import { encryptMessage, buildCallbackXml } from '../../../server/wecom/crypto';
import {
  eventToXml,
  hashDedupeKey,
  openCallback,
  parseCallbackEnvelope,
  parseEventXml,
  WecomCallbackParseError,
  type EventInput,
} from '../../../server/wecom/events';

const corp = 'ww0123456789abcdef';
const head = (event: string, t = 1700000000) =>
  `<ToUserName><![CDATA[${corp}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${t}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>`;

describe('callback envelopes', () => {
  it('reads the XML envelope', () => {
    const env = parseCallbackEnvelope(`<xml><ToUserName><![CDATA[${corp}]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`);
    expect(env).toEqual({ toUserName: corp, encrypt: 'abc+/=', agentId: '1000002', format: 'xml' });
  });

  it('reads the JSON variant', () => {
    expect(parseCallbackEnvelope(JSON.stringify({ tousername: corp, encrypt: 'xyz', agentid: 1000002 }))).toEqual({ toUserName: corp, encrypt: 'xyz', agentId: '1000002', format: 'json' });
  });

  it('rejects bodies without Encrypt and malformed bodies', () => {
    expect(() => parseCallbackEnvelope('<xml><ToUserName>x</ToUserName></xml>')).toThrow(WecomCallbackParseError);
    expect(() => parseCallbackEnvelope('{"tousername":"x"}')).toThrow(WecomCallbackParseError);
    expect(() => parseCallbackEnvelope('{not json')).toThrow(WecomCallbackParseError);
    expect(() => parseCallbackEnvelope('<root><Encrypt>a</Encrypt></root>')).toThrow(WecomCallbackParseError);
  });
});

describe('change_external_contact', () => {
  it('parses every change type with its fields, keeping ids as strings', () => {
    const e = parseEventXml(
      `<xml>${head('change_external_contact')}<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[wm123]]></ExternalUserID><State><![CDATA[00123]]></State><WelcomeCode><![CDATA[WC]]></WelcomeCode></xml>`,
    );
    expect(e).toEqual({
      toUserName: corp,
      fromUserName: 'sys',
      createTime: 1700000000,
      event: 'change_external_contact',
      changeType: 'add_external_contact',
      userId: 'zhangsan',
      externalUserId: 'wm123',
      state: '00123',
      welcomeCode: 'WC',
      dedupeKey: `${corp}|1700000000|change_external_contact|add_external_contact|zhangsan|wm123`,
    });
    const del = parseEventXml(`<xml>${head('change_external_contact')}<ChangeType>del_external_contact</ChangeType><UserID>u</UserID><ExternalUserID>wm</ExternalUserID><Source>DELETE_BY_TRANSFER</Source></xml>`);
    expect(del).toMatchObject({ changeType: 'del_external_contact', source: 'DELETE_BY_TRANSFER' });
    const tf = parseEventXml(`<xml>${head('change_external_contact')}<ChangeType>transfer_fail</ChangeType><UserID>u</UserID><ExternalUserID>wm</ExternalUserID><FailReason>customer_refused</FailReason></xml>`);
    expect(tf).toMatchObject({ changeType: 'transfer_fail', failReason: 'customer_refused' });
    for (const ct of ['edit_external_contact', 'add_half_external_contact', 'del_follow_user']) {
      expect(parseEventXml(`<xml>${head('change_external_contact')}<ChangeType>${ct}</ChangeType><UserID>u</UserID><ExternalUserID>wm</ExternalUserID></xml>`)).toMatchObject({ changeType: ct });
    }
  });

  it('drops empty optional fields and rejects a known change type without its ids', () => {
    const e = parseEventXml(`<xml>${head('change_external_contact')}<ChangeType>edit_external_contact</ChangeType><UserID>u</UserID><ExternalUserID>wm</ExternalUserID><State><![CDATA[]]></State></xml>`);
    expect(e).not.toHaveProperty('state');
    // A handled event with a field missing is not processed, but it is authentic: kept with the reason, not thrown.
    expect(parseEventXml(`<xml>${head('change_external_contact')}<ChangeType>add_external_contact</ChangeType><UserID>u</UserID></xml>`)).toMatchObject({
      event: 'unknown',
      rawEvent: 'change_external_contact',
      reason: expect.stringContaining('ExternalUserID'),
    });
  });
});

describe('change_external_chat and change_external_tag', () => {
  it('parses an update with its member list (one item is still a list)', () => {
    const one = parseEventXml(
      `<xml>${head('change_external_chat')}<ChatId><![CDATA[wrAbc]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene><MemChangeCnt>1</MemChangeCnt><MemChangeList><Item><![CDATA[wm1]]></Item></MemChangeList><LastMemVer><![CDATA[v1]]></LastMemVer><CurMemVer><![CDATA[v2]]></CurMemVer></xml>`,
    );
    expect(one).toMatchObject({ event: 'change_external_chat', changeType: 'update', chatId: 'wrAbc', updateDetail: 'add_member', joinScene: 3, memChangeCnt: 1, memChangeList: ['wm1'], lastMemVer: 'v1', curMemVer: 'v2' });
    const two = parseEventXml(`<xml>${head('change_external_chat')}<ChatId>wrAbc</ChatId><ChangeType>update</ChangeType><UpdateDetail>del_member</UpdateDetail><QuitScene>1</QuitScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item>a</Item><Item>b</Item></MemChangeList></xml>`);
    expect(two).toMatchObject({ quitScene: 1, memChangeList: ['a', 'b'] });
    expect(parseEventXml(`<xml>${head('change_external_chat')}<ChatId>wrAbc</ChatId><ChangeType>dismiss</ChangeType></xml>`)).toMatchObject({ changeType: 'dismiss', chatId: 'wrAbc' });
  });

  it('parses tag events, including a shuffle of all groups (empty Id)', () => {
    expect(parseEventXml(`<xml>${head('change_external_tag')}<Id><![CDATA[etX]]></Id><TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType></xml>`)).toMatchObject({
      event: 'change_external_tag',
      changeType: 'create',
      id: 'etX',
      tagType: 'tag',
    });
    expect(parseEventXml(`<xml>${head('change_external_tag')}<Id><![CDATA[]]></Id><ChangeType>shuffle</ChangeType><StrategyId>3</StrategyId></xml>`)).toMatchObject({ changeType: 'shuffle', id: '', strategyId: '3' });
  });

  it('returns unknown events instead of throwing, so they can be acked', () => {
    // A user's text message to the app has no <Event> at all.
    const text = parseEventXml(`<xml><ToUserName>${corp}</ToUserName><FromUserName>messense</FromUserName><CreateTime>1411525903</CreateTime><MsgType>text</MsgType><Content>test</Content><MsgId>4363689963896700987</MsgId></xml>`);
    expect(text).toMatchObject({ event: 'unknown', rawEvent: 'msg.text', toUserName: corp, createTime: 1411525903 });
    const enter = parseEventXml(`<xml><ToUserName>${corp}</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>1408091189</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey><AgentID>1</AgentID></xml>`);
    expect(enter).toMatchObject({ event: 'unknown', rawEvent: 'enter_agent' });
    expect(parseEventXml('not xml at all')).toMatchObject({ event: 'unknown', rawEvent: 'unreadable', raw: { text: 'not xml at all' } });
    const odd = parseEventXml(`<xml>${head('change_external_contact')}<ChangeType>brand_new_type</ChangeType></xml>`);
    expect(odd).toMatchObject({ event: 'unknown', rawEvent: 'change_external_contact', changeType: 'brand_new_type' });
  });

  it('normalizes the third-party envelope (AuthCorpId / InfoType / TimeStamp)', () => {
    const e = parseEventXml(`<xml><SuiteId>ww_suite</SuiteId><AuthCorpId>${corp}</AuthCorpId><InfoType>change_external_contact</InfoType><TimeStamp>1700000001</TimeStamp><ChangeType>del_follow_user</ChangeType><UserID>u</UserID><ExternalUserID>wm</ExternalUserID></xml>`);
    expect(e).toMatchObject({ event: 'change_external_contact', toUserName: corp, createTime: 1700000001, changeType: 'del_follow_user' });
  });
});

describe('serializing and dedupe keys', () => {
  const samples: EventInput[] = [
    { event: 'change_external_contact', toUserName: corp, fromUserName: 'sys', createTime: 1, changeType: 'add_external_contact', userId: 'u', externalUserId: 'wm', state: 'a]]>b', welcomeCode: 'w' },
    { event: 'change_external_chat', toUserName: corp, fromUserName: 'sys', createTime: 2, changeType: 'update', chatId: 'wr', updateDetail: 'del_member', quitScene: 0, memChangeCnt: 0, memChangeList: [], lastMemVer: 'a', curMemVer: 'b' },
    { event: 'change_external_tag', toUserName: corp, fromUserName: 'sys', createTime: 3, changeType: 'delete', id: 'et', tagType: 'tag_group' },
  ];

  it('round-trips eventToXml through parseEventXml (CDATA terminators included)', () => {
    for (const s of samples) {
      const { dedupeKey, ...parsed } = parseEventXml(eventToXml(s)) as EventInput & { dedupeKey: string };
      expect(parsed).toEqual(s);
      expect(dedupeKey).toContain(String(s.createTime));
    }
  });

  it('gives the same key to a re-encrypted retry and different keys to different events', () => {
    const cfg = { token: 't', encodingAesKey: 'a'.repeat(43), receiveId: corp };
    const xml = eventToXml(samples[0]!);
    const open = () => {
      const m = encryptMessage(cfg, xml);
      return openCallback(cfg, { msg_signature: m.msgSignature, timestamp: m.timestamp, nonce: m.nonce }, buildCallbackXml(corp, m.encrypt)).event.dedupeKey;
    };
    const k1 = open();
    expect(open()).toBe(k1);
    const other = parseEventXml(eventToXml({ ...samples[0]!, createTime: 99 } as EventInput)).dedupeKey;
    expect(other).not.toBe(k1);
    expect(hashDedupeKey(k1)).toMatch(/^[0-9a-f]{40}$/);
    // Two chat updates in the same second differ by their member versions.
    const a = parseEventXml(eventToXml(samples[1]!)).dedupeKey;
    const b = parseEventXml(eventToXml({ ...samples[1]!, lastMemVer: 'b', curMemVer: 'c' } as EventInput)).dedupeKey;
    expect(a).not.toBe(b);
  });
});
