/** Simulator stand-in for open.weixin.qq.com/connect/oauth2/authorize (non-production, simulator-mode tenants only). */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { simAuthorize } from '~/lib/sidebar.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  return simAuthorize(request, context);
}
