import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useRouteError } from '@remix-run/react';
import styles from '~/styles/app.css';
import { getSession } from '~/lib/guards.server';
import { LANG_COOKIE, pickLocale, translator, useRootData } from '~/lib/i18n';
import { readCookie } from '~/lib/cookies.server';
import { useNonce } from '~/lib/nonce';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [{ title: '回客 Huike' }, { name: 'viewport', content: 'width=device-width, initial-scale=1' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await getSession(request, context);
  const locale = pickLocale({
    cookie: readCookie(request.headers.get('Cookie'), LANG_COOKIE),
    user: session?.kind === 'staff' ? session.locale : null,
    acceptLanguage: request.headers.get('Accept-Language'),
  });
  return json({
    locale,
    csrfToken: session?.csrfToken ?? null,
    timezone: session?.kind === 'staff' ? session.timezone : 'Asia/Shanghai',
    currency: session?.kind === 'staff' ? session.currency : 'CNY',
  });
}

const ZOD_JITLESS = 'globalThis.__zod_globalConfig=Object.assign(globalThis.__zod_globalConfig||{},{jitless:true});';

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRootData();
  const nonce = useNonce();
  return (
    <html lang={data.locale}>
      <head>
        <meta charSet="utf-8" />
        {/* zod's JIT probes `new Function`, which the CSP forbids (a reported violation): run zod without it. */}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: ZOD_JITLESS }} />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const t = translator(useRootData().locale);
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = isRouteErrorResponse(error) ? ((error.data as { message?: string })?.message ?? error.statusText) : t('出错了，请稍后重试', 'Something went wrong, please try again');
  return (
    <main className="error-page">
      <h1>{status === 404 ? t('页面不存在', 'Page not found') : status === 403 ? t('没有权限', 'Not allowed') : t('出错了', 'Error')}</h1>
      <p>{message}</p>
      <a href="/">{t('返回首页', 'Back to start')}</a>
    </main>
  );
}
