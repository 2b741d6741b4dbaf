/**
 * Issue 12 point 8: every correctly signed and decrypted WeCom message is acknowledged with 200 `success` (anything
 * else makes WeCom retry and, in the end, flag the callback URL). What is not a handled event is stored for
 * inspection and processed by nothing; 403 stays for bad signatures, 400 for envelopes that cannot be parsed.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { platformJobs } from '../../server/jobs/platform.job';
import { withTenant } from '../../server/tenancy/context';
import { createWecomCallbackRouter } from '../../server/wecom/callback.router';
import { buildCallbackXml, encryptMessage } from '../../server/wecom/crypto';
import { useTestServices } from '../support/db';
import { CALLBACK_TOKEN, connectedTenant, counts } from '../integration/wecom/helpers';
import { runJob } from '../support/jobs';
import { useLocalServer } from '../support/server';

const h = useTestServices();
const server = useLocalServer((app) => app.use(createWecomCallbackRouter(h.services)));

describe('authentic WeCom messages that are not handled events', () => {
  it('are acknowledged with 200 success, stored once as ignored with the reason, and change nothing', async () => {
    const { tenant, sim, aesKey } = await connectedTenant(h.services, { customers: 10, staff: 2, seed: 121 });
    const corp = sim.corpId;
    const post = async (plain: string, opts: { body?: (encrypt: string) => string; sig?: string } = {}) => {
      const m = encryptMessage({ token: CALLBACK_TOKEN, encodingAesKey: aesKey, receiveId: corp }, plain);
      const u = new URL(`${server.base()}/wecom/callback/${tenant.slug}`);
      u.searchParams.set('msg_signature', opts.sig ?? m.msgSignature);
      u.searchParams.set('timestamp', m.timestamp);
      u.searchParams.set('nonce', m.nonce);
      const res = await fetch(u, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: opts.body ? opts.body(m.encrypt) : buildCallbackXml(corp, m.encrypt) });
      return { status: res.status, text: await res.text() };
    };
    const before = await counts(h.services, tenant.id);
    const messages = {
      text: `<xml><ToUserName><![CDATA[${corp}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>1234567890123456</MsgId><AgentID>1000002</AgentID></xml>`,
      enterAgent: `<xml><ToUserName><![CDATA[${corp}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1408091189</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1000002</AgentID></xml>`,
      image: `<xml><ToUserName><![CDATA[${corp}]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1348831861</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://example.com/a.jpg]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123457</MsgId><AgentID>1000002</AgentID></xml>`,
      // A handled event with its subject missing: authentic, not processable.
      broken: `<xml><ToUserName><![CDATA[${corp}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[u1]]></UserID></xml>`,
      notXml: 'hello, not xml',
    };
    for (const [name, plain] of Object.entries(messages)) {
      expect({ name, ...(await post(plain)) }).toEqual({ name, status: 200, text: 'success' });
    }
    // WeCom's retry of the text message (same plaintext, new encryption): acknowledged, stored once.
    expect(await post(messages.text)).toEqual({ status: 200, text: 'success' });
    // The JSON envelope variant too.
    expect(await post(messages.enterAgent.replace('1408091189', '1408091190'), { body: (enc) => JSON.stringify({ tousername: corp, encrypt: enc, agentid: '1000002' }) })).toEqual({ status: 200, text: 'success' });

    const rows = await withTenant(h.services.dbs, tenant.id, (trx) =>
      trx.selectFrom('wecom_inbox').select(['event', 'status', 'result', 'payload']).where('tenant_id', '=', tenant.id).orderBy('id').execute(),
    );
    expect(rows.map((r) => `${r.event}:${r.status}`)).toEqual(['msg.text', 'enter_agent', 'msg.image', 'change_external_contact', 'unreadable', 'enter_agent'].map((e) => `${e}:ignored`));
    expect(rows.every((r) => typeof r.result === 'string' && r.result.length > 0)).toBe(true);
    expect(rows[3]!.result).toContain('ExternalUserID');
    expect(JSON.stringify(rows[0]!.payload)).toContain('你好');
    // Nothing was processed: no customer, relation or anything else changed.
    expect(await counts(h.services, tenant.id)).toEqual(before);

    // Still refused: a bad signature (403), an envelope that cannot be parsed (400).
    expect((await post(messages.text, { sig: 'f'.repeat(40) })).status).toBe(403);
    expect((await post(messages.text, { body: () => '<xml><ToUserName>x</ToUserName></xml>' })).status).toBe(400);
    expect((await post(messages.text, { body: () => '{not json' })).status).toBe(400);
    const after = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_inbox').select('id').where('tenant_id', '=', tenant.id).execute());
    expect(after).toHaveLength(rows.length);
  });

  it('stored unhandled messages are kept 30 days, then dropped by the hourly cleanup', async () => {
    const { tenant, sim, aesKey } = await connectedTenant(h.services, { customers: 5, staff: 1, seed: 122 });
    const m = encryptMessage({ token: CALLBACK_TOKEN, encodingAesKey: aesKey, receiveId: sim.corpId }, `<xml><ToUserName>${sim.corpId}</ToUserName><FromUserName>u</FromUserName><CreateTime>1700000001</CreateTime><MsgType>text</MsgType><Content>old</Content><MsgId>1</MsgId></xml>`);
    const u = new URL(`${server.base()}/wecom/callback/${tenant.slug}`);
    for (const [k, v] of [['msg_signature', m.msgSignature], ['timestamp', m.timestamp], ['nonce', m.nonce]] as const) u.searchParams.set(k, v);
    expect((await fetch(u, { method: 'POST', body: buildCallbackXml(sim.corpId, m.encrypt) })).status).toBe(200);
    const rows = () => withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_inbox').select(['event', 'status']).where('tenant_id', '=', tenant.id).execute());
    expect(await rows()).toEqual([{ event: 'msg.text', status: 'ignored' }]);
    await runJob(platformJobs, 'platform.cleanup-sessions', h.services, {});
    expect(await rows()).toHaveLength(1);
    await sql`update wecom_inbox set received_at = now() - interval '31 days' where tenant_id = ${tenant.id}::uuid`.execute(h.services.dbs.owner);
    await runJob(platformJobs, 'platform.cleanup-sessions', h.services, {});
    expect(await rows()).toEqual([]);
  });
});
