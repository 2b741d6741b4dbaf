/**
 * The simulator's campaign side beyond the basics: media uploads with WeCom's limits and error codes through the
 * real client (multipart), attachments that must use a live media_id, the receive-cap rules (status 3), and
 * simulated clerks who confirm after a delay or never.
 */
import { describe, expect, it } from 'vitest';
import { WecomClient } from '../../../server/wecom/client';
import { MemoryTokenStore } from '../../../server/wecom/token-store';
import { createSimulatorFetch } from '../../../server/wecom/simulator/fetch';
import { generateStaff } from '../../../server/wecom/simulator/population';
import { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import type { SimConfig } from '../../../server/wecom/simulator/config';

const T0 = Date.parse('2026-12-07T02:00:00Z');

function setup(config: Partial<SimConfig> = {}, customers = 60) {
  let clock = T0;
  const sim = new WecomSimulator({ populationOptions: { seed: 9, customers, staff: generateStaff(3, 9) }, now: () => clock, config: { rateLimitPerMinute: null, ...config } });
  const client = new WecomClient({ corpId: sim.corpId, secret: sim.secret, tokenStore: new MemoryTokenStore(), rateLimiter: false, fetch: createSimulatorFetch(sim), now: () => clock, sleep: async () => {}, retry: { maxRetries: 0 } });
  return { sim, client, advance: (ms: number) => (clock += ms) };
}

const png = (bytes: number) => ({ filename: 'poster.png', contentType: 'image/png', bytes: new Uint8Array(bytes).fill(7) });

describe('simulator media uploads', () => {
  it('uploads within the limits, refuses the rest with WeCom’s codes, and a media_id lives 3 days', async () => {
    const { sim, client, advance } = setup();
    const up = await client.uploadMedia('image', png(200_000));
    expect(up.media_id).toMatch(/^3a/);
    expect(sim.state.media.get(up.media_id)).toMatchObject({ type: 'image', filename: 'poster.png', bytes: 200_000 });
    await expect(client.uploadMedia('image', png(10 * 1024 * 1024 + 1))).rejects.toMatchObject({ errcode: 40009 });
    await expect(client.uploadMedia('image', { ...png(100), filename: 'poster.gif' })).rejects.toMatchObject({ errcode: 40004 });
    await expect(client.uploadMedia('video', { filename: 'a.mp4', contentType: 'video/mp4', bytes: new Uint8Array(10 * 1024 * 1024 + 1) })).rejects.toMatchObject({ errcode: 40011 });
    await expect(client.uploadMedia('file', { filename: 'a.pdf', contentType: 'application/pdf', bytes: new Uint8Array(20 * 1024 * 1024 + 1) })).rejects.toMatchObject({ errcode: 40006 });
    await expect(client.uploadMedia('file', { filename: 'a.pdf', contentType: 'application/pdf', bytes: new Uint8Array(3) })).rejects.toMatchObject({ errcode: 40006 });
    await expect(client.uploadMedia('image', png(0))).rejects.toMatchObject({ errcode: 44001 });
    await expect(client.uploadMedia('doc' as 'file', png(100))).rejects.toMatchObject({ errcode: 40005 });
    const url = await client.uploadImage(png(1000));
    await expect(client.uploadImage(png(2 * 1024 * 1024 + 1))).rejects.toMatchObject({ errcode: 40009 });

    // add_msg_template takes a live media_id or an uploaded image URL; a made-up or expired one is 40007 / 40058.
    const sender = [...sim.state.staff.keys()][0]!;
    const send = (attachments: unknown[]) => client.addMsgTemplate({ chat_type: 'single', sender, text: { content: '新品' }, attachments: attachments as never });
    await expect(send([{ msgtype: 'image', image: { media_id: up.media_id } }])).resolves.toMatchObject({ msgid: expect.any(String) });
    await expect(send([{ msgtype: 'image', image: { pic_url: url } }])).resolves.toMatchObject({ msgid: expect.any(String) });
    await expect(send([{ msgtype: 'image', image: { media_id: 'made-up' } }])).rejects.toMatchObject({ errcode: 40007 });
    await expect(send([{ msgtype: 'image', image: { pic_url: 'https://example.com/a.png' } }])).rejects.toMatchObject({ errcode: 40058 });
    await expect(send([{ msgtype: 'miniprogram', miniprogram: { title: '商城', pic_media_id: up.media_id, appid: 'wx1', page: 'pages/index' } }])).resolves.toBeDefined();
    advance(3 * 86_400_000);
    await expect(send([{ msgtype: 'image', image: { media_id: up.media_id } }])).rejects.toMatchObject({ errcode: 40007 });
  });
});

describe('simulator receive cap and clerks', () => {
  it('the 1-a-day rule answers status 3 to a second message the same day, and sends again the next day', async () => {
    const { sim, client, advance } = setup({ receiveCapRule: 'day_1' });
    const sender = [...sim.state.staff.keys()][0]!;
    const first = await client.addMsgTemplate({ chat_type: 'single', sender, text: { content: '一' } });
    const second = await client.addMsgTemplate({ chat_type: 'single', sender, text: { content: '二' } });
    sim.sendMassMessage(first.msgid);
    expect(sim.sendMassMessage(second.msgid)).toMatchObject({ sent: 0, capped: expect.any(Number) });
    expect(sim.state.massTasks.get(second.msgid)!.recipients.every((r) => r.status === 3 || r.status === 2)).toBe(true);
    advance(86_400_000);
    const third = await client.addMsgTemplate({ chat_type: 'single', sender, text: { content: '三' } });
    expect(sim.sendMassMessage(third.msgid).capped).toBe(0);
  });

  it('the 7-a-week rule caps the eighth message of an ISO week', async () => {
    const { sim, client } = setup({ receiveCapRule: 'week_7' }, 20);
    const sender = [...sim.state.staff.keys()][0]!;
    const results = [];
    for (let i = 0; i < 8; i++) {
      const m = await client.addMsgTemplate({ chat_type: 'single', sender, text: { content: `第${i}条` } });
      results.push(sim.sendMassMessage(m.msgid));
    }
    expect(results.slice(0, 7).every((r) => r.capped === 0 && r.sent > 0)).toBe(true);
    expect(results[7]).toMatchObject({ sent: 0, capped: results[0]!.sent });
  });

  it('simulated clerks confirm after a delay, some never; the task list shows who has', async () => {
    const { sim, client, advance } = setup({ clerks: { confirmShare: 0.6, medianDelayMs: 2 * 3_600_000, maxDelayMs: 3 * 86_400_000 } }, 200);
    const senders = [...sim.state.staff.keys()];
    const msgids: string[] = [];
    for (let i = 0; i < 20; i++) msgids.push((await client.addMsgTemplate({ chat_type: 'single', sender: senders[i % senders.length]!, text: { content: `任务${i}` } })).msgid);
    const confirmed = async () => {
      let n = 0;
      for (const id of msgids) for await (const t of client.iterateGroupMsgTasks(id)) if (t.status === 2) n++;
      return n;
    };
    expect(await confirmed()).toBe(0);
    advance(3_600_000);
    const early = await confirmed();
    advance(4 * 86_400_000);
    const late = await confirmed();
    expect(early).toBeLessThan(late);
    // Some clerks never confirm.
    expect(late).toBeGreaterThan(5);
    expect(late).toBeLessThan(20);
  });
});
