/**
 * A test send (issue #15 point 5): the campaign's message, with the sender's own per-clerk variables filled, goes
 * to the WeCom account of the person who asks (their staff member's userid) as an app message — they see the text
 * as a customer would, without any customer receiving anything. Attachments are listed under the text (an app
 * text message cannot carry them). Audited.
 */
import type { CampaignContent } from '../../app/lib/contracts/campaign';
import { ValidationError } from '../lib/errors';
import type { Services } from '../services';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant } from '../tenancy/context';
import { loadOpenConnection } from '../wecom/connection.service';
import { wecomClientFor } from '../wecom/runtime';
import { staffForTestSend } from './campaigns.repository';
import { loadCampaign } from './campaigns.service';
import { renderMessage } from './content';

/** WeCom's limit on an app text message (message/send), in UTF-8 bytes. */
const APP_TEXT_BYTES = 2048;

function attachmentLines(content: CampaignContent): string[] {
  return content.attachments.map((a) => {
    if (a.msgtype === 'link') return `[链接] ${a.link.title} ${a.link.url}`;
    if (a.msgtype === 'miniprogram') return `[小程序] ${a.miniprogram.title}`;
    return '[图片]';
  });
}

function clip(text: string, maxBytes: number): string {
  const enc = new TextEncoder();
  if (enc.encode(text).length <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (enc.encode(out + ch + '…').length > maxBytes) break;
    out += ch;
  }
  return out + '…';
}

export async function testSend(services: Services, actor: Actor, campaignId: string): Promise<{ to: string; text: string }> {
  assertCan(actor, 'campaigns.manage');
  if (!actor.staffId) throw new ValidationError('测试发送需要以员工身份登录 / A test send goes to your own WeCom account: sign in as a staff member');
  const { campaign, me } = await withTenant(services.dbs, actor.tenantId, async (trx) => ({ campaign: await loadCampaign(trx, actor.tenantId, campaignId), me: await staffForTestSend(trx, actor.tenantId, actor.staffId!) }));
  if (!me?.wecom_userid) throw new ValidationError('你的账号没有绑定企业微信 / Your account has no WeCom userid');
  const conn = await loadOpenConnection(services, actor.tenantId);
  if (conn.agentId === null) throw new ValidationError('请先在企业微信设置中填写 AgentId / Set the WeCom AgentId first');
  const rendered = renderMessage(campaign.content.text, { 导购: me.name, 门店: me.store_name, 门店地址: me.store_address });
  const text = clip(['【测试】' + rendered, ...attachmentLines(campaign.content)].join('\n'), APP_TEXT_BYTES);
  const client = await wecomClientFor(services, actor.tenantId);
  const r = await client.sendAppText({ touser: [me.wecom_userid], agentid: conn.agentId, content: text });
  if (r.invalid.length) throw new ValidationError('企业微信拒绝了你的账号 / WeCom does not know your userid');
  await withTenant(services.dbs, actor.tenantId, (trx) => audit(trx, actor, { action: 'campaign.test_send', entityType: 'campaign', entityId: campaignId, after: { to: me.wecom_userid } }));
  return { to: me.wecom_userid, text };
}
