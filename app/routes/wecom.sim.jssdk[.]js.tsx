/**
 * The simulator's stand-in for WeCom's JS-SDK (`wx`): config / agentConfig check the signatures against the
 * tickets the simulator issued (/wecom/sim/verify); invoke answers from the WeCom client around the page — the
 * test harness (/wecom/harness), which opens the sidebar (as WeCom opens it beside the chat) and exposes
 * `window.__wecomClient` to it (window.opener, or window.parent when framed).
 */
import type { LoaderFunctionArgs } from '@remix-run/node';

const SDK = `(function () {
  var client = null;
  try { client = (window.opener && window.opener.__wecomClient) || (window.parent && window.parent !== window ? window.parent.__wecomClient : null) || null; } catch (e) { client = null; }
  var configured = false, agentOk = false, readyCbs = [], errorCbs = [];
  function verify(kind, c) {
    var q = new URLSearchParams({ kind: kind, url: location.href.split('#')[0], corpId: String(c.appId || c.corpid || ''), agentId: String(c.agentid || ''),
      timestamp: String(c.timestamp), nonceStr: String(c.nonceStr), signature: String(c.signature) });
    return fetch('/wecom/sim/verify?' + q.toString(), { headers: { Accept: 'application/json' } }).then(function (r) { return r.json(); });
  }
  window.wx = {
    config: function (c) {
      verify('corp', c).then(function (r) {
        if (r.ok) { configured = true; readyCbs.forEach(function (f) { f(); }); }
        else errorCbs.forEach(function (f) { f({ errMsg: 'config:fail ' + r.error }); });
      });
    },
    ready: function (f) { if (configured) f(); else readyCbs.push(f); },
    error: function (f) { errorCbs.push(f); },
    agentConfig: function (c) {
      verify('agent', c).then(function (r) {
        if (r.ok) { agentOk = true; c.success && c.success({ errMsg: 'agentConfig:ok' }); }
        else c.fail && c.fail({ errMsg: 'agentConfig:fail ' + r.error });
      });
    },
    invoke: function (name, args, cb) {
      if (!client) return cb({ err_msg: name + ':fail not inside the WeCom client' });
      if (!agentOk) return cb({ err_msg: name + ':fail no permission (agentConfig)' });
      client.invoke(name, args || {}, cb);
    }
  };
})();`;

export async function loader({ context }: LoaderFunctionArgs) {
  if (context.services.config.isProduction) return new Response('Not found', { status: 404 });
  return new Response(SDK, { headers: { 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'no-store' } });
}
