/**
 * Client side of the WeCom JS-SDK in the sidebar (wecom-api.md section 11): loads the SDK (WeCom's, or the
 * simulator's stand-in), runs wx.config and wx.agentConfig with the server's signatures, and wraps wx.invoke in
 * promises. Client-safe: imports nothing from server/.
 */
export type WxResult = { err_msg?: string; errMsg?: string; [k: string]: unknown };
interface Wx {
  config(c: Record<string, unknown>): void;
  ready(f: () => void): void;
  error(f: (e: WxResult) => void): void;
  agentConfig(c: Record<string, unknown>): void;
  invoke(name: string, args: Record<string, unknown>, cb: (r: WxResult) => void): void;
}
declare global {
  interface Window {
    wx?: Wx;
  }
}

export const JS_API_LIST = ['getContext', 'getCurExternalContact', 'getCurExternalChat', 'sendChatMessage'];
export const WECOM_SDK_URLS = ['https://res.wx.qq.com/open/js/jweixin-1.2.0.js', 'https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js'];
export const SIM_SDK_URLS = ['/wecom/sim/jssdk.js'];

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (document.querySelector(`script[src="${src}"]`)) return resolve();
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(s);
  });
}

/** Loads the SDK and registers the page with both signatures; resolves once agentConfig succeeded. */
export async function setupWecom(sdk: 'sim' | 'wecom'): Promise<Wx> {
  for (const src of sdk === 'sim' ? SIM_SDK_URLS : WECOM_SDK_URLS) await loadScript(src);
  const wx = window.wx;
  if (!wx) throw new Error('WeCom JS-SDK missing');
  const url = window.location.href.split('#')[0]!;
  const res = await fetch(`/wecom/sidebar/sign?url=${encodeURIComponent(url)}`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `signature failed (${res.status})`);
  const s = (await res.json()) as { corpId: string; agentId: number | null; timestamp: number; nonceStr: string; signature: string; agentSignature: string };
  await new Promise<void>((resolve, reject) => {
    wx.error((e) => reject(new Error(String(e.errMsg ?? e.err_msg ?? 'config failed'))));
    wx.ready(() => resolve());
    wx.config({ beta: true, debug: false, appId: s.corpId, timestamp: s.timestamp, nonceStr: s.nonceStr, signature: s.signature, jsApiList: JS_API_LIST });
  });
  await new Promise<void>((resolve, reject) => {
    wx.agentConfig({
      corpid: s.corpId,
      agentid: s.agentId,
      timestamp: s.timestamp,
      nonceStr: s.nonceStr,
      signature: s.agentSignature,
      jsApiList: JS_API_LIST,
      success: () => resolve(),
      fail: (e: WxResult) => reject(new Error(String(e.errMsg ?? e.err_msg ?? 'agentConfig failed'))),
    });
  });
  return wx;
}

/** wx.invoke as a promise: resolves with the result on "<name>:ok", rejects otherwise. */
export function invoke(wx: Wx, name: string, args: Record<string, unknown> = {}): Promise<WxResult> {
  return new Promise((resolve, reject) => {
    wx.invoke(name, args, (r) => {
      const msg = String(r.err_msg ?? r.errMsg ?? '');
      if (msg === `${name}:ok`) resolve(r);
      else reject(new Error(msg || `${name} failed`));
    });
  });
}
