/**
 * The WeCom chat sidebar's layout (聊天工具栏): requires the OAuth session (requireSidebarActor), loads and
 * registers the JS-SDK once, and hands `invoke` to the pages below through the outlet context.
 */
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Outlet, useLoaderData, useOutletContext } from '@remix-run/react';
import { useEffect, useMemo, useState } from 'react';
import { useT } from '~/lib/i18n';
import { invoke, setupWecom, type WxResult } from '~/lib/wecom-jssdk';
import { requireSidebarActor, sidebarSdk } from '~/lib/sidebar.server';
import mobileStyles from '~/styles/mobile.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: mobileStyles }];
export const meta: MetaFunction = () => [{ title: '回客 · 侧边栏' }, { name: 'viewport', content: 'width=device-width, initial-scale=1' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireSidebarActor(request, context);
  return json({ sdk: await sidebarSdk(context, actor), user: actor.name });
}

export interface SidebarContext {
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  invoke: (name: string, args?: Record<string, unknown>) => Promise<WxResult>;
}

export function useSidebar(): SidebarContext {
  return useOutletContext<SidebarContext>();
}

export default function SidebarLayout() {
  const { sdk, user } = useLoaderData<typeof loader>();
  const t = useT();
  const [state, setState] = useState<{ status: SidebarContext['status']; error: string | null; wx: Parameters<typeof invoke>[0] | null }>({ status: 'loading', error: null, wx: null });
  useEffect(() => {
    let alive = true;
    setupWecom(sdk).then(
      (wx) => alive && setState({ status: 'ready', error: null, wx }),
      (e: Error) => alive && setState({ status: 'error', error: e.message, wx: null }),
    );
    return () => {
      alive = false;
    };
  }, [sdk]);
  const ctx = useMemo<SidebarContext>(
    () => ({
      status: state.status,
      error: state.error,
      invoke: (name, args) => (state.wx ? invoke(state.wx, name, args) : Promise.reject(new Error('WeCom JS-SDK not ready'))),
    }),
    [state],
  );
  return (
    <div className="m-shell" style={{ paddingBottom: '1rem' }} data-testid="sidebar" data-sdk-status={state.status}>
      <header className="m-head">
        <h1>回客 · {user}</h1>
      </header>
      <main className="m-main">
        {state.status === 'error' ? (
          <div className="alert error" data-testid="sdk-error">
            {t('企业微信接口初始化失败：', 'WeCom JS-SDK failed: ')}
            {state.error}
          </div>
        ) : null}
        <Outlet context={ctx} />
      </main>
    </div>
  );
}
