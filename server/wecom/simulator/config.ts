/** The simulator's knobs and injected faults: read by the world (./simulator) and the API handler (./api). */
import type { SimReceiveCapRule } from './state';
export interface SimConfig {
  /** gettoken expires_in. Default 7200. */
  tokenTtlSeconds: number;
  /** gettoken before expiry returns the same token and extends it (default true). */
  renewTokenOnRefetch: boolean;
  /** Calls per (corp, API) per clock minute before answering 45009; null disables. Default 10,000 (documented). */
  rateLimitPerMinute: number | null;
  /** Probability of answering errcode -1 (system busy). */
  busyRate: number;
  /** Probability of answering HTTP 503. */
  http5xxRate: number;
  /** Probability of a network failure (no answer). */
  networkRate: number;
  /** Latency applied by the transports (fetch.ts, standalone.ts, msw handlers). */
  latencyMs: number;
  /** Mass messages a recipient may receive per month; default: days in the month (doc 92135). */
  monthlyReceiveCap?: number | ((timeMs: number) => number);
  /** Mark mass messages as sent by their senders right after add_msg_template (demo). Default false. */
  /** The receive-cap rule set in 群发助手: per month (default; `monthlyReceiveCap` overrides the number), 7 a week, 1 a day. */
  receiveCapRule: SimReceiveCapRule;
  autoSendMassMessages: boolean;
  /**
   * Simulated clerks: each sender of a new mass message confirms it after a random delay (log-normal around
   * `medianDelayMs`, capped at `maxDelayMs`), or never (1 − `confirmShare`). Confirmations happen as the clock
   * passes them (on the next request or `settleClerks`). Null (default): only explicit `sendMassMessage` calls.
   */
  clerks: { confirmShare: number; medianDelayMs: number; maxDelayMs: number } | null;
  /** For this long after add_msg_template, queries about it answer 41063. Default 0. */
  dispatchDelayMs: number;
  /** groupchat/list without owner_filter answers 81017 above this many staff. Default 1000. */
  maxVisibleStaffWithoutOwnerFilter: number;
  /** Welcome codes live this long. Default 20 s. */
  welcomeCodeTtlMs: number;
  /** How many emitted events to keep in `sim.events`. Default 10,000. */
  eventLogLimit: number;
  /** Customers one staff member may have; a takeover beyond it ends in transfer status 4. Default 50,000. */
  staffCustomerLimit: number;
  /** add_moment_task jobs answer status 2 (running) for this long, then 3 (done). Default 0. */
  momentJobMs: number;
  /** Share of a sender's customers in range who are shown a post (get_moment_send_result). Default 0.7. */
  momentShownShare: number;
}

export const DEFAULT_SIM_CONFIG: SimConfig = {
  tokenTtlSeconds: 7200,
  renewTokenOnRefetch: true,
  rateLimitPerMinute: 10_000,
  busyRate: 0,
  http5xxRate: 0,
  networkRate: 0,
  latencyMs: 0,
  receiveCapRule: 'month_days',
  autoSendMassMessages: false,
  clerks: null,
  dispatchDelayMs: 0,
  maxVisibleStaffWithoutOwnerFilter: 1000,
  welcomeCodeTtlMs: 20_000,
  eventLogLimit: 10_000,
  staffCustomerLimit: 50_000,
  momentJobMs: 0,
  momentShownShare: 0.7,
};

export interface FaultSpec {
  /** Only requests to this API (path under /cgi-bin/); any API when omitted. */
  api?: string;
  /** 'errcode' answers HTTP 200 with errcode (default -1); 'http' answers status (default 503); 'network' no answer. */
  kind: 'errcode' | 'http' | 'network';
  errcode?: number;
  status?: number;
  /** How many matching requests this fault applies to. Default 1. */
  times?: number;
}
