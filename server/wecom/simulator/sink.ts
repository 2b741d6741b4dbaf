/**
 * Delivers the simulator's events to a callback URL the way WeCom does: encrypted and signed with the configured
 * Token / EncodingAESKey, POSTed as `<xml><ToUserName/><Encrypt/><AgentID/></xml>` (or the JSON variant) with
 * `?msg_signature=&timestamp=&nonce=`, retried when the receiver does not answer 2xx (3 attempts in total).
 *
 * The chaos switch reproduces what receivers must survive: duplicates (WeCom's retries), random delays and
 * therefore reordering. Deterministic by seed; time is injectable.
 */
import { buildCallbackXml, encryptMessage } from '../crypto';
import type { EventInput } from '../events';
import { mulberry32 } from './state';
import type { SimEmittedEvent, WecomSimulator } from './simulator';

export type SinkFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface ChaosOptions {
  /** Probability that an event is delivered twice. Default 0.3. */
  duplicateRate?: number;
  /** Each delivery waits a random 0..maxDelayMs; deliveries go out in delay order (so they reorder). Default 3000. */
  maxDelayMs?: number;
  seed?: number;
}

export interface EventSinkOptions {
  url: string;
  token: string;
  encodingAesKey: string;
  /** receiveid: the corp id for self-built apps. */
  corpId: string;
  agentId?: string;
  format?: 'xml' | 'json';
  fetch?: SinkFetch;
  chaos?: ChaosOptions | false;
  /** Attempts per delivery (WeCom: 3 in total). */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Deliver automatically shortly after events are emitted (standalone/demo). Default false: call flush(). */
  autoFlush?: boolean;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Source of the 16-byte random prefix and nonces (deterministic tests). */
  seed?: number;
}

export interface Delivery {
  event: EventInput;
  xml: string;
  duplicate: boolean;
  delayMs: number;
  attempts: number;
  /** HTTP status of the last attempt, or 0 for a network error. */
  status: number;
  ok: boolean;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class EventSink {
  readonly deliveries: Delivery[] = [];
  private queue: SimEmittedEvent[] = [];
  private drain: Promise<unknown> = Promise.resolve();
  private scheduled = false;
  private readonly rand: () => number;
  private readonly chaosRand: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly fetchImpl: SinkFetch;

  constructor(private readonly opts: EventSinkOptions) {
    this.rand = mulberry32((opts.seed ?? 7) ^ 0x51a4);
    this.chaosRand = mulberry32(opts.chaos ? (opts.chaos.seed ?? 11) : 11);
    this.sleep = opts.sleep ?? realSleep;
    this.now = opts.now ?? Date.now;
    this.fetchImpl = opts.fetch ?? ((url, init) => globalThis.fetch(url, init));
  }

  /** Subscribes to a simulator's events; returns the unsubscribe function. */
  attach(sim: WecomSimulator): () => void {
    return sim.onEvent((e) => this.enqueue(e));
  }

  enqueue(e: SimEmittedEvent): void {
    this.queue.push(e);
    if (this.opts.autoFlush && !this.scheduled) {
      this.scheduled = true;
      setTimeout(() => {
        this.scheduled = false;
        this.drain = this.drain.then(() => this.flush()).catch(() => undefined);
      }, 0);
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when automatic deliveries scheduled so far are done. */
  async idle(): Promise<void> {
    while (this.scheduled) await realSleep(1);
    await this.drain;
  }

  /** Delivers everything queued (with chaos when configured) and returns those deliveries. */
  async flush(): Promise<Delivery[]> {
    const batch = this.queue.splice(0);
    const chaos = this.opts.chaos || null;
    const plan: { e: SimEmittedEvent; duplicate: boolean; delayMs: number }[] = [];
    for (const e of batch) {
      if (!chaos) {
        plan.push({ e, duplicate: false, delayMs: 0 });
        continue;
      }
      const maxDelay = chaos.maxDelayMs ?? 3000;
      plan.push({ e, duplicate: false, delayMs: Math.floor(this.chaosRand() * maxDelay) });
      if (this.chaosRand() < (chaos.duplicateRate ?? 0.3)) plan.push({ e, duplicate: true, delayMs: Math.floor(this.chaosRand() * maxDelay) });
    }
    if (chaos) plan.sort((a, b) => a.delayMs - b.delayMs);
    const out: Delivery[] = [];
    let elapsed = 0;
    for (const p of plan) {
      if (p.delayMs > elapsed) {
        await this.sleep(p.delayMs - elapsed);
        elapsed = p.delayMs;
      }
      const d = await this.deliver(p.e, p.duplicate, p.delayMs);
      out.push(d);
      this.deliveries.push(d);
    }
    return out;
  }

  private random16(): Buffer {
    const b = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) b[i] = Math.floor(this.rand() * 256);
    return b;
  }

  /** The signed request for one event (fresh random prefix and nonce each time, like a real retry). */
  buildRequest(xml: string): { url: string; init: RequestInit } {
    const m = encryptMessage({ token: this.opts.token, encodingAesKey: this.opts.encodingAesKey, receiveId: this.opts.corpId }, xml, {
      random16: this.random16(),
      nonce: String(Math.floor(this.rand() * 1e9)),
      now: this.now,
    });
    const u = new URL(this.opts.url);
    u.searchParams.set('msg_signature', m.msgSignature);
    u.searchParams.set('timestamp', m.timestamp);
    u.searchParams.set('nonce', m.nonce);
    const agentId = this.opts.agentId ?? '';
    const body =
      this.opts.format === 'json'
        ? JSON.stringify({ tousername: this.opts.corpId, encrypt: m.encrypt, agentid: agentId })
        : buildCallbackXml(this.opts.corpId, m.encrypt, agentId);
    return { url: u.toString(), init: { method: 'POST', headers: { 'content-type': this.opts.format === 'json' ? 'application/json' : 'text/xml' }, body } };
  }

  private async deliver(e: SimEmittedEvent, duplicate: boolean, delayMs: number): Promise<Delivery> {
    const max = this.opts.maxAttempts ?? 3;
    let status = 0;
    let attempts = 0;
    while (attempts < max) {
      attempts += 1;
      const { url, init } = this.buildRequest(e.xml);
      try {
        const res = await this.fetchImpl(url, init);
        status = res.status;
        await res.text().catch(() => '');
        if (res.ok) return { event: e.event, xml: e.xml, duplicate, delayMs, attempts, status, ok: true };
      } catch {
        status = 0;
      }
      if (attempts < max) await this.sleep(this.opts.retryDelayMs ?? 1000);
    }
    return { event: e.event, xml: e.xml, duplicate, delayMs, attempts, status, ok: false };
  }
}
